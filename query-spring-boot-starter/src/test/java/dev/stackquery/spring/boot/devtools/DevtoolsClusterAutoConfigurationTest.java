package dev.stackquery.spring.boot.devtools;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stackquery.QueryKey;
import dev.stackquery.redis.RedisProcess;
import dev.stackquery.spring.boot.StackQueryAutoConfiguration;
import dev.stackquery.spring.boot.StackQueryRedisAutoConfiguration;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.aot.hint.RuntimeHints;
import org.springframework.aot.hint.annotation.ReflectiveRuntimeHintsRegistrar;
import org.springframework.aot.hint.predicate.RuntimeHintsPredicates;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;

/** When the instances view exists and whom it asks: one condition each, against a real Redis. */
class DevtoolsClusterAutoConfigurationTest {

    private static RedisProcess redis;

    @BeforeAll
    static void startRedis() throws Exception {
        redis = RedisProcess.startIfAvailable();
        Assumptions.assumeTrue(redis != null, "SKIPPED: no redis-server on PATH; install redis-server (apt-get"
                + " install redis-server) to run the devtools cluster tests");
    }

    @AfterAll
    static void stopRedis() throws Exception {
        if (redis != null) {
            redis.close();
        }
    }

    private WebApplicationContextRunner runner() {
        return new WebApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(DataRedisAutoConfiguration.class,
                        StackQueryAutoConfiguration.class, StackQueryRedisAutoConfiguration.class,
                        DevtoolsClusterAutoConfiguration.class))
                .withPropertyValues("spring.data.redis.host=127.0.0.1", "spring.data.redis.port=" + redis.port(),
                        "stackquery.storage.key-prefix=cluster-conditions:", "stackquery.devtools.enabled=true");
    }

    @Test
    void offWithTheDevtoolsPage() {
        runner().withPropertyValues("stackquery.devtools.enabled=false").run(context -> assertThat(context)
                .doesNotHaveBean(DevtoolsCluster.class).doesNotHaveBean("stackQueryDevtoolsInstancesRoute"));
    }

    @Test
    void withTheRedisBusItAsksTheInstancesOnTheChannelOfTheKeyPrefix() {
        runner().run(context -> {
            assertThat(context).hasSingleBean(DevtoolsCluster.class).hasBean("stackQueryDevtoolsInstancesRoute");
            DevtoolsCluster cluster = context.getBean(DevtoolsCluster.class);
            assertThat(cluster.available()).isTrue();
            assertThat(cluster.isRunning()).isTrue();
            assertThat(cluster.channel()).isEqualTo("cluster-conditions:devtools");
            assertThat(cluster.instances(QueryKey.of("k")).join().available()).isTrue();
        });
    }

    @Test
    void withoutTheRedisBusTheViewHoldsThisInstanceOnly() {
        runner().withPropertyValues("stackquery.redis.invalidation.enabled=false").run(context -> {
            DevtoolsCluster.Instances view = context.getBean(DevtoolsCluster.class).instances(QueryKey.of("k"))
                    .join();
            assertThat(view.available()).isFalse();
            assertThat(view.instances()).singleElement().satisfies(mine -> {
                assertThat(mine.self()).isTrue();
                assertThat(mine.answered()).isTrue();
                assertThat(mine.present()).isFalse();
            });
        });
    }

    @Test
    void askingTheOtherInstancesCanBeTurnedOffKeepingTheView() {
        runner().withPropertyValues("stackquery.devtools.cluster.enabled=false").run(context -> {
            assertThat(context).hasBean("stackQueryDevtoolsInstancesRoute");
            assertThat(context.getBean(DevtoolsCluster.class).available()).isFalse();
        });
    }

    @Test
    void theInstanceIdDefaultsToTheApplicationNameAndHost() {
        runner().withPropertyValues("spring.application.name=catalogue").run(context -> assertThat(
                context.getBean(DevtoolsCluster.class).instanceId()).startsWith("catalogue@").contains(":pid"));
        runner().withPropertyValues("stackquery.devtools.cluster.instance-id=eu-1").run(context -> assertThat(
                context.getBean(DevtoolsCluster.class).instanceId()).isEqualTo("eu-1"));
    }

    @Test
    void badValuesFailStartupNamingTheProperty() {
        for (String bad : new String[] { "stackquery.devtools.cluster.timeout=0s",
                "stackquery.devtools.cluster.announce-interval=10ms", "stackquery.devtools.cluster.instance-id= " }) {
            runner().withPropertyValues(bad).run(context -> assertThat(context).hasFailed().getFailure()
                    .rootCause().hasMessageContaining(bad.substring(0, bad.indexOf('='))));
        }
    }

    @Test
    void theJsonRecordsAreHintedForAotAndNativeImages() {
        RuntimeHints hints = new RuntimeHints();
        new ReflectiveRuntimeHintsRegistrar().registerRuntimeHints(hints, DevtoolsClusterAutoConfiguration.class);
        for (Class<?> written : new Class<?>[] { DevtoolsCluster.Instances.class, DevtoolsCluster.Instance.class }) {
            assertThat(RuntimeHintsPredicates.reflection().onType(written)).accepts(hints);
        }
    }
}
