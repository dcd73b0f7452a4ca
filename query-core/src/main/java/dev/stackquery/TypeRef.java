package dev.stackquery;

import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.util.Objects;

import org.jspecify.annotations.Nullable;

/**
 * A full generic type, so that an L2 codec can read back a {@code List<Product>} and not a list of maps.
 *
 * <p>Capture a type with an anonymous subclass, {@code new TypeRef<List<Product>>() {}}, or wrap one you already
 * have with {@link #of(Class)} or {@link #of(Type)} (for example a method's generic return type).
 *
 * @param <T> the type
 */
public abstract class TypeRef<T> {

    private final Type type;

    /** Captures the type argument of the anonymous subclass. */
    protected TypeRef() {
        Type superclass = getClass().getGenericSuperclass();
        if (!(superclass instanceof ParameterizedType parameterized)) {
            throw new IllegalStateException("TypeRef must be created with a type argument: new TypeRef<List<X>>() {}");
        }
        this.type = parameterized.getActualTypeArguments()[0];
    }

    private TypeRef(Type type) {
        this.type = Objects.requireNonNull(type, "type");
    }

    /** A reference to a plain class. */
    public static <T> TypeRef<T> of(Class<T> type) {
        return new TypeRef<>(type) { };
    }

    /** A reference to any reflected type; the caller vouches that it describes {@code T}. */
    public static <T> TypeRef<T> of(Type type) {
        return new TypeRef<>(type) { };
    }

    /** The captured type. */
    public Type type() {
        return type;
    }

    @Override
    public boolean equals(@Nullable Object other) {
        return other instanceof TypeRef<?> that && type.equals(that.type);
    }

    @Override
    public int hashCode() {
        return type.hashCode();
    }

    @Override
    public String toString() {
        return type.getTypeName();
    }
}
