package dev.stackquery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.time.Duration;
import java.time.Instant;

import org.junit.jupiter.api.Test;

/** A state keeps its flags and times packed (see the class comment); every combination must read back as given. */
class QueryStateTest {

    private static final Instant[] TIMES = {
        Instant.EPOCH, Instant.ofEpochMilli(-1), Instant.parse("1900-01-01T00:00:00Z"),
        Instant.parse("2026-12-01T18:31:40.123Z"), Instant.parse("+100000-01-01T00:00:00Z"),
    };

    @Test
    void everyStatusFetchStatusFlagAndTimeReadsBackAsGiven() {
        RuntimeException error = new RuntimeException("boom");
        for (QueryStatus status : QueryStatus.values()) {
            for (FetchStatus fetchStatus : FetchStatus.values()) {
                for (boolean invalidated : new boolean[] {false, true}) {
                    for (Instant at : TIMES) {
                        QueryState<String> state = new QueryState<>("d", at, error, at.plusMillis(5), 2, error,
                                status, fetchStatus, invalidated);
                        assertThat(state.status()).isEqualTo(status);
                        assertThat(state.fetchStatus()).isEqualTo(fetchStatus);
                        assertThat(state.invalidated()).isEqualTo(invalidated);
                        assertThat(state.dataUpdatedAt()).isEqualTo(at);
                        assertThat(state.errorUpdatedAt()).isEqualTo(at.plusMillis(5));
                        assertThat(state.failureCount()).isEqualTo(2);
                        assertThat(state.error()).isSameAs(error);
                        assertThat(state.failureReason()).isSameAs(error);
                        assertThat(state).isEqualTo(new QueryState<>("d", at, error, at.plusMillis(5), 2, error,
                                status, fetchStatus, invalidated)).hasSameHashCodeAs(new QueryState<>("d", at, error,
                                at.plusMillis(5), 2, error, status, fetchStatus, invalidated));
                    }
                }
            }
        }
    }

    @Test
    void statesDifferingInOneFlagAreNotEqual() {
        Instant at = Instant.parse("2026-01-01T00:00:00Z");
        QueryState<String> state = QueryState.success("d", at);
        assertThat(state).isNotEqualTo(state.withInvalidated()).isNotEqualTo(state.withFetchStatus(FetchStatus.FETCHING))
                .isNotEqualTo(QueryState.success("d", at.plusMillis(1)))
                .isNotEqualTo(state.failedAttempt(1, new RuntimeException()));
    }

    @Test
    void stalenessUsesTheWholeTimeForTimesBefore1970() {
        QueryState<String> old = QueryState.success("d", Instant.ofEpochMilli(-10_000));
        assertThat(old.isStaleAt(-5_001, 5_000)).isFalse();
        assertThat(old.isStaleAt(-5_000, 5_000)).isTrue();
        assertThat(old.withInvalidated().isStaleAt(-9_999, 5_000)).isTrue();
    }

    @Test
    void aFailedAttemptKeepsTheLastErrorUntilASuccessAndAResetOfFailuresKeepsTheError() {
        RuntimeException first = new RuntimeException("first");
        RuntimeException second = new RuntimeException("second");
        QueryState<String> failed = QueryState.<String>idle().fetching(true).failedAttempt(1, first).failed(first, 7);
        QueryState<String> again = failed.fetching(true);
        assertThat(again.error()).isSameAs(first);
        assertThat(again.errorUpdatedAt()).isEqualTo(Instant.ofEpochMilli(7));
        assertThat(again.failureCount()).isZero();
        assertThat(again.failureReason()).isNull();
        QueryState<String> retrying = again.failedAttempt(1, second);
        assertThat(retrying.failureReason()).isSameAs(second);
        assertThat(retrying.error()).isSameAs(first);
        assertThat(QueryState.success("d", 9).failureCount()).isZero();
        assertThat(QueryState.success("d", 9).error()).isNull();
    }

    @Test
    void aTimeBeyondAMillionYearsFrom1970IsRefusedWithItsValue() {
        Instant far = Instant.parse("+2000000-01-01T00:00:00Z");
        assertThatIllegalArgumentException()
                .isThrownBy(() -> QueryState.success("d", far))
                .withMessageContaining("dataUpdatedAt").withMessageContaining("2000000");
        assertThat(QueryState.success("d", Instant.parse("+1000000-01-01T00:00:00Z")).isStale(
                Instant.parse("+1000000-01-01T00:00:01Z"), Duration.ofSeconds(2))).isFalse();
    }
}
