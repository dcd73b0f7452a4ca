package dev.stackquery.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import dev.stackquery.InMemoryStorageBackend;
import dev.stackquery.QueryCacheEvent;
import dev.stackquery.QueryClient;
import dev.stackquery.QueryKey;
import dev.stackquery.QueryOptions;
import dev.stackquery.StorageBackend;
import dev.stackquery.jdbc.JdbcStorageBackend;
import dev.stackquery.spring.boot.actuate.QueriesEndpoint;
import dev.stackquery.spring.boot.actuate.StackQueryEndpointAutoConfiguration;
import dev.stackquery.spring.boot.actuate.StackQueryHealthAutoConfiguration;
import dev.stackquery.spring.boot.actuate.StackQueryHealthIndicator;
import dev.stackquery.spring.boot.actuate.StackQueryMetrics;
import dev.stackquery.spring.boot.actuate.StackQueryMetricsAutoConfiguration;

import io.micrometer.core.instrument.binder.MeterBinder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** One condition per test, as Boot's own auto-configuration tests do. */
class StackQueryAutoConfigurationTest {

    private final ApplicationContextRunner runner = new ApplicationContextRunner().withConfiguration(
            AutoConfigurations.of(StackQueryAutoConfiguration.class, StackQueryRedisAutoConfiguration.class,
                    StackQueryJdbcAutoConfiguration.class, StackQueryMetricsAutoConfiguration.class,
                    StackQueryEndpointAutoConfiguration.class, StackQueryHealthAutoConfiguration.class));

    @Test
    void byDefaultAClientWithTheStandardDefaultsAndNoL2() {
        runner.run(context -> {
            assertThat(context).hasSingleBean(QueryClient.class).doesNotHaveBean(StorageBackend.class);
            QueryClient client = context.getBean(QueryClient.class);
            assertThat(client.defaults().staleTime()).isZero();
            assertThat(client.defaults().gcTime()).isEqualTo(Duration.ofMinutes(5));
            assertThat(client.defaults().retry()).isEqualTo(3);
            assertThat(context.getBean(StackQueryHealthIndicator.class).health().getDetails())
                    .containsEntry("storage", "none");
        });
    }

    @Test
    void propertiesReachTheClient() {
        runner.withPropertyValues("stackquery.defaults.stale-time=30s", "stackquery.defaults.gc-time=1h",
                "stackquery.defaults.retry=1", "stackquery.defaults.timeout=2s", "stackquery.max-queries=20")
                .run(context -> {
                    QueryClient client = context.getBean(QueryClient.class);
                    assertThat(client.defaults().staleTime()).isEqualTo(Duration.ofSeconds(30));
                    assertThat(client.defaults().gcTime()).isEqualTo(Duration.ofHours(1));
                    assertThat(client.defaults().retry()).isEqualTo(1);
                    assertThat(client.defaults().timeout()).contains(Duration.ofSeconds(2));
                    for (int i = 0; i < 100; i++) {
                        client.setQueryData(QueryKey.of("item", i), "x");
                    }
                    assertThat(client.size()).as("max-queries bounds L1").isLessThanOrEqualTo(20);
                });
    }

    @Test
    void aNegativeDurationFailsStartupNamingTheProperty() {
        runner.withPropertyValues("stackquery.defaults.stale-time=-5s").run(context -> {
            assertThat(context).hasFailed();
            assertThat(context.getStartupFailure()).rootCause()
                    .hasMessageContaining("stackquery.defaults.stale-time").hasMessageContaining("negative");
        });
    }

    @Test
    void anL2DownStatusHealthDoesNotKnowFailsStartupNamingThePropertyAndTheKnownOnes() {
        runner.withPropertyValues("stackquery.health.l2-down-status=SIDEWAYS").run(context -> {
            assertThat(context).hasFailed();
            assertThat(context.getStartupFailure()).rootCause()
                    .hasMessageContaining("stackquery.health.l2-down-status").hasMessageContaining("SIDEWAYS")
                    .hasMessageContaining("OUT_OF_SERVICE");
        });
        runner.withPropertyValues("stackquery.health.l2-down-status=out_of_service").run(context -> assertThat(context)
                .as("case does not matter").hasNotFailed());
        runner.withPropertyValues("stackquery.health.l2-down-status=DEGRADED",
                "management.endpoint.health.status.order=DOWN,DEGRADED,UP").run(context -> assertThat(context)
                .as("a status the application declared").hasNotFailed());
    }

    @Test
    void theStalenessBoundWhileTheBusIsDisconnectedReachesTheClient() {
        dev.stackquery.InMemoryInvalidationBus bus = new dev.stackquery.InMemoryInvalidationBus();
        java.util.concurrent.atomic.AtomicInteger calls = new java.util.concurrent.atomic.AtomicInteger();
        dev.stackquery.QueryOptions<Integer> options = dev.stackquery.QueryOptions
                .builder(dev.stackquery.QueryKey.of("k"), ctx -> calls.incrementAndGet())
                .staleTime(Duration.ofHours(1)).build();
        runner.withBean(dev.stackquery.InvalidationBus.class, () -> bus)
                .withPropertyValues("stackquery.redis.invalidation.max-staleness-while-disconnected=0s")
                .run(context -> {
                    QueryClient client = context.getBean(QueryClient.class);
                    client.fetchFreshQuery(options).join();
                    client.fetchFreshQuery(options).join();
                    assertThat(calls).as("connected: fresh for its staleTime").hasValue(1);
                    bus.simulateDisconnect();
                    client.fetchFreshQuery(options).join();
                    assertThat(calls).as("0s: no L1 data is trusted while disconnected").hasValue(2);
                });
        StackQueryProperties defaults = new StackQueryProperties();
        assertThat(defaults.getRedis().getInvalidation().getMaxStalenessWhileDisconnected())
                .as("the README's default").isEqualTo(Duration.ofSeconds(5));
        assertThat(defaults.getStorage().getWriteTimeout()).as("the README's default").isEqualTo(Duration.ofSeconds(1));
        runner.withPropertyValues("stackquery.redis.invalidation.max-staleness-while-disconnected=-1s")
                .run(context -> assertThat(context).hasFailed().getFailure().rootCause()
                        .hasMessageContaining("stackquery.redis.invalidation.max-staleness-while-disconnected"));
        runner.withPropertyValues("stackquery.storage.write-timeout=0s")
                .run(context -> assertThat(context).hasFailed().getFailure().rootCause()
                        .hasMessageContaining("stackquery.storage.write-timeout"));
    }

    @Test
    void customizersChangeTheBuilder() {
        List<QueryCacheEvent> seen = new CopyOnWriteArrayList<>();
        runner.withBean(QueryClientCustomizer.class, () -> builder -> builder.listener(seen::add)).run(context -> {
            QueryClient client = context.getBean(QueryClient.class);
            client.fetchQuery(QueryOptions.builder(QueryKey.of("k"), ctx -> "v").build()).join();
            assertThat(seen).anySatisfy(event -> assertThat(event).isInstanceOf(QueryCacheEvent.FetchSucceeded.class));
        });
    }

    @Test
    void anApplicationsOwnClientWins() {
        runner.withUserConfiguration(OwnClient.class).run(context -> {
            assertThat(context).hasSingleBean(QueryClient.class);
            assertThat(context.getBean(QueryClient.class)).isSameAs(context.getBean(OwnClient.class).client);
        });
    }

    @Test
    void theClientIsClosedWithTheContext() {
        QueryClient[] client = new QueryClient[1];
        runner.run(context -> client[0] = context.getBean(QueryClient.class));
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> client[0].setQueryData(QueryKey.of("k"), "v"))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
    }

    @Test
    void memoryStorageIsAnInMemoryL2() {
        runner.withPropertyValues("stackquery.storage.type=memory").run(context -> {
            assertThat(context).hasSingleBean(InMemoryStorageBackend.class);
            QueryClient client = context.getBean(QueryClient.class);
            client.fetchQuery(QueryOptions.builder(QueryKey.of("k"), ctx -> "v").type(String.class).build()).join();
            StorageBackend storage = context.getBean(StorageBackend.class);
            org.awaitility.Awaitility.await().until(() -> storage.get(QueryKey.of("k")).join().isPresent());
        });
    }

    @Test
    void jdbcStorageUsesTheApplicationsDataSource(@TempDir Path dir) {
        runner.withConfiguration(AutoConfigurations.of(DataSourceAutoConfiguration.class))
                .withPropertyValues("stackquery.storage.type=jdbc",
                        "spring.datasource.url=jdbc:sqlite:" + dir.resolve("cache.db"))
                .run(context -> {
                    assertThat(context).hasSingleBean(JdbcStorageBackend.class);
                    QueryClient client = context.getBean(QueryClient.class);
                    client.fetchQuery(QueryOptions.builder(QueryKey.of("k"), ctx -> List.of(1, 2))
                            .type(new dev.stackquery.TypeRef<List<Integer>>() { }).build()).join();
                    StorageBackend storage = context.getBean(StorageBackend.class);
                    org.awaitility.Awaitility.await().until(() -> storage.get(QueryKey.of("k")).join().isPresent());
                    Health health = context.getBean(StackQueryHealthIndicator.class).health();
                    assertThat(health.getStatus()).isEqualTo(Status.UP);
                    assertThat(health.getDetails()).containsEntry("l2", "UP");
                });
    }

    @Test
    void jdbcWithoutADataSourceFailsWithAdvice() {
        runner.withPropertyValues("stackquery.storage.type=jdbc").run(context -> {
            assertThat(context).hasFailed();
            assertThat(context.getStartupFailure()).rootCause().isInstanceOf(StorageUnavailableException.class)
                    .hasMessageContaining("stackquery.storage.type=jdbc").hasMessageContaining("DataSource");
            FailureAnalysis analysis = new StorageUnavailableFailureAnalyzer().analyze(context.getStartupFailure());
            assertThat(analysis.getAction()).contains("spring.datasource.url");
        });
    }

    @Test
    void redisWithoutRedisFailsWithAdvice() {
        runner.withPropertyValues("stackquery.storage.type=redis").run(context -> {
            assertThat(context).hasFailed();
            assertThat(context.getStartupFailure()).rootCause().isInstanceOf(StorageUnavailableException.class)
                    .hasMessageContaining("stackquery.storage.type=redis");
            FailureAnalysis analysis = new StorageUnavailableFailureAnalyzer().analyze(context.getStartupFailure());
            assertThat(analysis.getAction()).contains("spring-boot-starter-data-redis");
        });
    }

    @Test
    void noneIgnoresAnL2Bean() {
        runner.withPropertyValues("stackquery.storage.type=none")
                .withBean(StorageBackend.class, InMemoryStorageBackend::new).run(context -> {
                    QueryClient client = context.getBean(QueryClient.class);
                    client.fetchQuery(QueryOptions.builder(QueryKey.of("k"), ctx -> "v").type(String.class)
                            .build()).join();
                    client.close();
                    assertThat(context.getBean(StorageBackend.class).get(QueryKey.of("k")).join()).isEmpty();
                });
    }

    @Test
    void withoutActuatorThereIsNoEndpointAndNoHealth() {
        runner.withClassLoader(new FilteredClassLoader(Endpoint.class, HealthIndicator.class)).run(context -> {
            assertThat(context).hasSingleBean(QueryClient.class).doesNotHaveBean(QueriesEndpoint.class)
                    .doesNotHaveBean(StackQueryHealthIndicator.class);
        });
    }

    @Test
    void withoutMicrometerThereAreNoMeters() {
        runner.withClassLoader(new FilteredClassLoader(MeterBinder.class)).run(context -> {
            assertThat(context).hasSingleBean(QueryClient.class).doesNotHaveBean(StackQueryMetrics.class);
        });
    }

    @Test
    void metricsCanBeTurnedOff() {
        runner.withPropertyValues("stackquery.metrics.enabled=false")
                .run(context -> assertThat(context).doesNotHaveBean(StackQueryMetrics.class));
    }

    @Test
    void theEndpointIsThereWhenActuatorIsAndItIsExposed() {
        runner.run(context -> assertThat(context).doesNotHaveBean(QueriesEndpoint.class));
        runner.withPropertyValues("management.endpoints.web.exposure.include=queries").run(context -> assertThat(context).hasSingleBean(QueriesEndpoint.class)
                .hasSingleBean(StackQueryMetrics.class));
    }

    @Test
    void virtualThreadsWhenTheApplicationTurnedThemOnAndTheJdkHasThem() {
        boolean jdkHasThem = Runtime.version().feature() >= 21;
        runner.withPropertyValues("spring.threads.virtual.enabled=true").run(context -> assertThat(
                fetchesOnAVirtualThread(context.getBean(QueryClient.class))).isEqualTo(jdkHasThem));
        runner.run(context -> assertThat(fetchesOnAVirtualThread(context.getBean(QueryClient.class))).isFalse());
    }

    /** Whether the client ran a query function on a virtual thread (asked by reflection: JDK 17 has none). */
    private static boolean fetchesOnAVirtualThread(QueryClient client) throws Exception {
        Thread runner = client.fetchQuery(QueryOptions.builder(QueryKey.of("thread"), ctx -> Thread.currentThread())
                .build()).join();
        if (Runtime.version().feature() < 21) {
            assertThat(runner.getName()).startsWith("stackquery-fetch-");
            return false;
        }
        return (Boolean) Thread.class.getMethod("isVirtual").invoke(runner);
    }

    @Configuration(proxyBeanMethods = false)
    static class OwnClient {

        final QueryClient client = QueryClient.builder().build();

        @Bean
        QueryClient myClient() {
            return client;
        }
    }

    @Test
    void theDevtoolsPageIsOffUnlessEnabled() {
        org.springframework.boot.test.context.runner.WebApplicationContextRunner web =
                new org.springframework.boot.test.context.runner.WebApplicationContextRunner()
                        .withConfiguration(AutoConfigurations.of(StackQueryAutoConfiguration.class,
                                dev.stackquery.spring.boot.devtools.StackQueryDevtoolsAutoConfiguration.class));
        web.run(context -> assertThat(context).doesNotHaveBean("stackQueryDevtoolsRoutes"));
        web.withPropertyValues("stackquery.devtools.enabled=true")
                .run(context -> assertThat(context).hasBean("stackQueryDevtoolsRoutes"));
        runner.withConfiguration(AutoConfigurations.of(
                dev.stackquery.spring.boot.devtools.StackQueryDevtoolsAutoConfiguration.class))
                .withPropertyValues("stackquery.devtools.enabled=true")
                .run(context -> assertThat(context).as("not a web application").doesNotHaveBean(
                        "stackQueryDevtoolsRoutes"));
    }
}
