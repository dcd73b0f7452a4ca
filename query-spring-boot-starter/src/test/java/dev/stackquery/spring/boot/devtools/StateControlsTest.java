package dev.stackquery.spring.boot.devtools;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stackquery.QueryClient;
import dev.stackquery.QueryFilter;
import dev.stackquery.QueryKey;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The states kept for "restore" are let go once their forced state is gone, so old data is not held on to. */
class StateControlsTest {

    private final QueryClient client = QueryClient.builder().build();
    private final StateControls controls = new StateControls(client);

    @AfterEach
    void close() {
        client.close();
    }

    @Test
    void aStateReplacedSinceItWasForcedIsNoLongerKept() {
        QueryKey a = QueryKey.of("a");
        QueryKey b = QueryKey.of("b");
        client.setQueryData(a, "old a");
        client.setQueryData(b, "old b");

        assertThat(controls.forceError(a)).isTrue();
        assertThat(controls.kept()).isEqualTo(1);
        client.setQueryData(a, "new a"); // as a fetch's outcome would
        assertThat(controls.forceLoading(b)).isTrue();
        assertThat(controls.kept()).as("a's entry went with a's forced state").isEqualTo(1);
        assertThat(controls.isForced(b)).isTrue();

        client.removeQueries(QueryFilter.exact(b));
        assertThat(controls.isForced(b)).isFalse();
        assertThat(controls.kept()).isZero();
    }

    @Test
    void forcingAgainKeepsTheStateFromBeforeTheFirstForce() {
        QueryKey key = QueryKey.of("twice");
        client.setQueryData(key, "pen");
        controls.forceLoading(key);
        controls.forceError(key);
        assertThat(controls.kept()).isEqualTo(1);
        assertThat(controls.restore(key)).isEqualTo(StateControls.Restored.RESTORED);
        assertThat(client.getQueryData(key)).contains("pen");
        assertThat(controls.kept()).isZero();
    }
}
