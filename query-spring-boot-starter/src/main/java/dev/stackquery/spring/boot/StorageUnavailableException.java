package dev.stackquery.spring.boot;

import dev.stackquery.spring.boot.StackQueryProperties.StorageType;

/**
 * Thrown at startup when {@code stackquery.storage.type} asks for an L2 the application cannot provide; the
 * {@link StorageUnavailableFailureAnalyzer} turns it into advice.
 */
public class StorageUnavailableException extends IllegalStateException {

    private final StorageType type;
    private final String missing;

    StorageUnavailableException(StorageType type, String missing) {
        super("stackquery.storage.type=" + type.name().toLowerCase(java.util.Locale.ROOT) + " but " + missing);
        this.type = type;
        this.missing = missing;
    }

    /** The storage type that was asked for. */
    public StorageType type() {
        return type;
    }

    /** What the application lacks for it. */
    public String missing() {
        return missing;
    }
}
