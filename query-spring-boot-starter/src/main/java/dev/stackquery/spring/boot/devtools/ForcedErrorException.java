package dev.stackquery.spring.boot.devtools;

import java.io.Serial;

/**
 * The error the devtools' "force error" puts into a query's state. Its name says where it came from even where error
 * messages are hidden; it has no stack trace, as nothing threw it.
 */
final class ForcedErrorException extends RuntimeException {

    @Serial
    private static final long serialVersionUID = 1L;

    ForcedErrorException() {
        super("forced by the StackQuery devtools (force error); restore, refetch or reset the query to undo", null,
                false, false);
    }
}
