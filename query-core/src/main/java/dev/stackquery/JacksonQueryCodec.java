package dev.stackquery;

import java.util.Objects;

import tools.jackson.databind.JavaType;
import tools.jackson.databind.json.JsonMapper;

/**
 * The default {@link QueryCodec}: JSON through Jackson 3, always with the option's declared type and without
 * polymorphic default typing, so a stored payload cannot pick its own class.
 */
public final class JacksonQueryCodec implements QueryCodec {

    private final JsonMapper mapper;

    /** A codec with a plain {@link JsonMapper}. */
    public JacksonQueryCodec() {
        this(JsonMapper.builder().build());
    }

    /** A codec with the application's own mapper (its modules and settings). */
    public JacksonQueryCodec(JsonMapper mapper) {
        this.mapper = Objects.requireNonNull(mapper, "mapper");
    }

    @Override
    public byte[] encode(Object value, TypeRef<?> type) {
        Objects.requireNonNull(value, "value");
        return mapper.writerFor(javaType(type)).writeValueAsBytes(value);
    }

    @Override
    public <T> T decode(byte[] bytes, TypeRef<T> type) {
        Objects.requireNonNull(bytes, "bytes");
        T value = mapper.readValue(bytes, javaType(type));
        if (value == null) {
            throw new IllegalArgumentException("stored payload is JSON null, not a " + type);
        }
        return value;
    }

    private JavaType javaType(TypeRef<?> type) {
        return mapper.getTypeFactory().constructType(Objects.requireNonNull(type, "type").type());
    }
}
