package dev.stackquery;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

class QueryClientExecutorTest {

    @Test
    void blockingFunctionsRunOnVirtualThreadsWhenTheJdkHasThemElseOnTheFetchPool() throws Exception {
        try (QueryClient client = QueryClient.builder().build()) {
            Thread thread = client.fetchQuery(QueryOptions.of(QueryKey.of("where"), ctx -> Thread.currentThread()))
                    .get(10, TimeUnit.SECONDS);
            assertThat(thread).isNotSameAs(Thread.currentThread());
            if (Runtime.version().feature() >= 21) {
                assertThat((Boolean) Thread.class.getMethod("isVirtual").invoke(thread)).isTrue();
            } else {
                assertThat(thread.getName()).startsWith("stackquery-fetch-");
                assertThat(thread.isDaemon()).isTrue();
            }
        }
    }

    @Test
    void withoutVirtualThreadsFunctionsRunOnTheBoundedPoolOfDaemonThreads() throws Exception {
        try (QueryClient client = QueryClient.builder().virtualThreads(false).build()) {
            Thread thread = client.fetchQuery(QueryOptions.of(QueryKey.of("where"), ctx -> Thread.currentThread()))
                    .get(10, TimeUnit.SECONDS);
            assertThat(thread.getName()).startsWith("stackquery-fetch-");
            assertThat(thread.isDaemon()).isTrue();
        }
    }

    @Test
    void closeStopsTheThreadsTheClientCreatedAndCancelsItsFetches() throws Exception {
        QueryClient client = QueryClient.builder().build();
        var started = new java.util.concurrent.CountDownLatch(1);
        var result = client.fetchQuery(QueryOptions.of(QueryKey.of("slow"), ctx -> {
            started.countDown();
            Thread.sleep(60_000);
            return "never";
        }));
        assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
        client.close();
        assertThat(result).failsWithin(java.time.Duration.ofSeconds(10))
                .withThrowableOfType(Exception.class)
                .havingRootCause().isInstanceOf(java.util.concurrent.CancellationException.class);
    }
}
