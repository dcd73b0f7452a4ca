package dev.stackquery.spring.annotation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import dev.stackquery.MutableClock;
import dev.stackquery.QueryClient;
import dev.stackquery.QueryDefaults;
import dev.stackquery.QueryFilter;
import dev.stackquery.RetryDelay;
import dev.stackquery.QueryKey;
import dev.stackquery.spring.boot.QueryClientCustomizer;
import dev.stackquery.spring.boot.StackQueryAnnotationsAutoConfiguration;
import dev.stackquery.spring.boot.StackQueryAutoConfiguration;
import dev.stackquery.spring.boot.StackQueryJdbcAutoConfiguration;

import org.aopalliance.intercept.MethodInterceptor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.aop.framework.ProxyFactory;
import org.springframework.aop.support.AopUtils;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

class CachedQueryAnnotationTest {

    /** Moved by hand; every other part of the client is real. */
    private final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(StackQueryAutoConfiguration.class,
                    StackQueryJdbcAutoConfiguration.class, StackQueryAnnotationsAutoConfiguration.class))
            .withBean(QueryClientCustomizer.class, () -> builder -> builder.clock(clock))
            .withBean(Catalogue.class);

    @Test
    void aSecondCallWithinStaleTimeDoesNotCallUpstream() {
        runner.run(context -> {
            Catalogue catalogue = context.getBean(Catalogue.class);
            assertThat(AopUtils.isAopProxy(catalogue)).isTrue();
            assertThat(catalogue.product(1)).isEqualTo("product 1 v1");
            clock.advance(Duration.ofSeconds(29));
            assertThat(catalogue.product(1)).isEqualTo("product 1 v1");
            assertThat(catalogue.product(2)).isEqualTo("product 2 v2");
            assertThat(catalogue.calls()).isEqualTo(2);
        });
    }

    @Test
    void staleTimeComesFromAPropertyPlaceholder() {
        runner.withPropertyValues("catalogue.stale=5s").run(context -> {
            Catalogue catalogue = context.getBean(Catalogue.class);
            catalogue.product(1);
            clock.advance(Duration.ofSeconds(6));
            catalogue.product(1); // stale: served, refreshed in the background
            await().atMost(Duration.ofSeconds(5)).until(() -> catalogue.calls() == 2);
        });
    }

    @Test
    void aStaleCallReturnsAtOnceAndRefreshesOnceInTheBackground() {
        runner.run(context -> {
            Catalogue catalogue = context.getBean(Catalogue.class);
            assertThat(catalogue.product(7)).isEqualTo("product 7 v1");
            clock.advance(Duration.ofMinutes(1));
            CountDownLatch gate = catalogue.closeGate(); // the refresh will hang until opened

            assertThat(catalogue.product(7)).as("stale, at once").isEqualTo("product 7 v1");
            assertThat(catalogue.product(7)).isEqualTo("product 7 v1");
            await().atMost(Duration.ofSeconds(5)).until(() -> catalogue.calls() == 2);
            gate.countDown();

            await().atMost(Duration.ofSeconds(5)).until(() -> catalogue.product(7).equals("product 7 v2"));
            assertThat(catalogue.calls()).as("one refresh for both stale calls").isEqualTo(2);
        });
    }

    @Test
    void thirtyTwoConcurrentCallersMakeOneUpstreamCall() {
        runner.run(context -> {
            Catalogue catalogue = context.getBean(Catalogue.class);
            ExecutorService threads = Executors.newFixedThreadPool(32);
            try {
                for (int round = 0; round < 20; round++) {
                    long id = 100 + round;
                    int before = catalogue.calls();
                    CountDownLatch gate = catalogue.closeGate();
                    CountDownLatch start = new CountDownLatch(1);
                    List<Future<String>> results = new ArrayList<>();
                    for (int i = 0; i < 32; i++) {
                        results.add(threads.submit(() -> {
                            start.await();
                            return catalogue.product(id);
                        }));
                    }
                    start.countDown();
                    await().atMost(Duration.ofSeconds(5)).until(() -> catalogue.calls() > before);
                    gate.countDown();
                    for (Future<String> result : results) {
                        assertThat(result.get(10, TimeUnit.SECONDS)).startsWith("product " + id + " v");
                    }
                    assertThat(catalogue.calls() - before).as("round %d", round).isEqualTo(1);
                }
            } finally {
                threads.shutdownNow();
            }
        });
    }

    @Test
    void invalidatesQueriesMakesTheNextCallRefetchAndAnExceptionInvalidatesNothing() {
        runner.run(context -> {
            Catalogue catalogue = context.getBean(Catalogue.class);
            catalogue.product(3);
            assertThatThrownBy(() -> catalogue.renameAndFail(3)).hasMessage("rename failed");
            QueryClient client = context.getBean(QueryClient.class);
            assertThat(client.getQueryState(QueryKey.of("product", 3)).orElseThrow().invalidated()).isFalse();

            catalogue.rename(3, "new name");
            assertThat(client.getQueryState(QueryKey.of("product", 3)).orElseThrow().invalidated()).isTrue();
            catalogue.product(3); // stale: served while the refetch runs
            await().atMost(Duration.ofSeconds(5)).until(() -> catalogue.product(3).equals("product 3 v2"));
        });
    }

    @Test
    void anInvalidationAfterAFutureWaitsForItsNormalCompletion() {
        runner.run(context -> {
            Catalogue catalogue = context.getBean(Catalogue.class);
            QueryClient client = context.getBean(QueryClient.class);
            catalogue.product(4);
            catalogue.maybe(4);
            CompletableFuture<String> failed = new CompletableFuture<>();
            catalogue.renameAllLater(failed);
            failed.completeExceptionally(new IllegalStateException("no"));
            assertThat(client.getQueryState(QueryKey.of("product", 4)).orElseThrow().invalidated()).isFalse();

            CompletableFuture<String> done = new CompletableFuture<>();
            catalogue.renameAllLater(done);
            assertThat(client.getQueryState(QueryKey.of("product", 4)).orElseThrow().invalidated()).isFalse();
            done.complete("ok");
            assertThat(client.getQueryState(QueryKey.of("product", 4)).orElseThrow().invalidated()).isTrue();
            assertThat(client.getQueryState(QueryKey.of("maybe", 4)).orElseThrow().invalidated()).isTrue();
        });
    }

    @Test
    void refetchIntervalKeepsACalledKeyPolledUntilItGoesUncalled() {
        runner.run(context -> {
            Catalogue catalogue = context.getBean(Catalogue.class);
            QueryClient client = context.getBean(QueryClient.class);
            assertThat(catalogue.polled(1)).isEqualTo("polled 1 v1");
            await().atMost(Duration.ofSeconds(5)).until(() -> catalogue.calls() >= 3);
            // Uncalled for longer than its gcTime (400 ms): the observer goes and the polling with it.
            await().atMost(Duration.ofSeconds(5)).until(() -> client.findAll(QueryFilter.exact(QueryKey.of("polled",
                    1))).stream().allMatch(query -> query.observerCount() == 0));
            int afterStop = catalogue.calls();
            // Five periods without polls (one fetch already started when the observer left may still land).
            await().during(Duration.ofMillis(250)).atMost(Duration.ofSeconds(3))
                    .until(() -> catalogue.calls() <= afterStop + 1);
        });
    }

    @Test
    void anEmptyOptionalIsCachedAsAbsence() {
        runner.run(context -> {
            Catalogue catalogue = context.getBean(Catalogue.class);
            assertThat(catalogue.maybe(1)).isEmpty();
            assertThat(catalogue.maybe(1)).isEmpty();
            assertThat(catalogue.maybe(2)).contains("even 2");
            assertThat(catalogue.calls()).as("the empty result was cached").isEqualTo(2);
        });
    }

    @Test
    void theMethodsOwnExceptionReachesTheCallerAndIsNotCached() {
        runner.run(context -> {
            Catalogue catalogue = context.getBean(Catalogue.class);
            assertThatThrownBy(catalogue::failing).isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("no such product");
            assertThatThrownBy(catalogue::failing).isInstanceOf(IllegalArgumentException.class);
            assertThat(catalogue.calls()).isEqualTo(2);
        });
    }

    @Test
    void futuresAreCachedWithoutBlocking() {
        runner.run(context -> {
            Catalogue catalogue = context.getBean(Catalogue.class);
            assertThat(catalogue.async(5).get(5, TimeUnit.SECONDS)).isEqualTo("async 5");
            assertThat(catalogue.async(5).get(5, TimeUnit.SECONDS)).isEqualTo("async 5");
            assertThat(catalogue.calls()).isEqualTo(1);
            assertThat(context.getBean(QueryClient.class).getQueryData(QueryKey.of("async", 5))).contains("async 5");
        });
    }

    @Test
    void withoutAKeyTheKeyIsTheBeanNameTheMethodAndTheArguments() {
        runner.run(context -> {
            Catalogue catalogue = context.getBean(Catalogue.class);
            catalogue.list("pens");
            String bean = context.getBeanNamesForType(Catalogue.class)[0];
            assertThat(context.getBean(QueryClient.class).getQueryData(QueryKey.of(bean + ".list", "pens")))
                    .isPresent();
        });
    }

    @Test
    void aGenericReturnTypeRoundTripsThroughTheSqliteL2(@TempDir Path dir) {
        ApplicationContextRunner sqlite = runner.withConfiguration(AutoConfigurations.of(
                DataSourceAutoConfiguration.class)).withPropertyValues("stackquery.storage.type=jdbc",
                        "spring.datasource.url=jdbc:sqlite:" + dir.resolve("cache.db"));
        sqlite.run(context -> {
            context.getBean(Catalogue.class).list("pens");
            // The L2 write is asynchronous; closing the context waits for it (the client drains before closing).
            await().atMost(Duration.ofSeconds(5)).until(() -> context.getBean(dev.stackquery.StorageBackend.class)
                    .get(QueryKey.of(context.getBeanNamesForType(Catalogue.class)[0] + ".list", "pens")).join()
                    .isPresent());
        });
        sqlite.run(context -> {
            Catalogue restarted = context.getBean(Catalogue.class);
            List<Catalogue.Product> products = restarted.list("pens");
            assertThat(restarted.calls()).as("served from SQLite, not upstream").isEqualTo(0);
            assertThat(products).containsExactly(new Catalogue.Product(1, "pens one"),
                    new Catalogue.Product(2, "pens two"));
        });
    }

    @Test
    void turnedOffTheBeanIsNotProxied() {
        runner.withPropertyValues("stackquery.annotations.enabled=false").run(context -> {
            Catalogue catalogue = context.getBean(Catalogue.class);
            assertThat(AopUtils.isAopProxy(catalogue)).isFalse();
            catalogue.product(1);
            catalogue.product(1);
            assertThat(catalogue.calls()).isEqualTo(2);
        });
    }

    @Test
    void aKeyPartOfAnUnsupportedTypeFailsNamingTheMethod() {
        runner.withBean(Unkeyable.class).run(context -> {
            Unkeyable service = context.getBean(Unkeyable.class);
            assertThatThrownBy(() -> service.find(new Object())).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("Unkeyable.find(Object)");
        });
    }

    @Test
    void theMethodRunsOnTheClientsExecutorNotOnTheCallersThread() {
        runner.withBean(WhereItRuns.class).run(context -> {
            String caller = Thread.currentThread().getName();
            assertThat(context.getBean(WhereItRuns.class).thread()).as("as the README says: thread-bound context"
                    + " does not follow the method").isNotEqualTo(caller);
        });
    }

    @Test
    void anotherTypeUnderTheSameKeyFailsNamingTheKeyAndBothClasses() {
        runner.withBean(Collider.class).run(context -> {
            Catalogue catalogue = context.getBean(Catalogue.class);
            Collider collider = context.getBean(Collider.class);
            catalogue.product(1); // a String under ["product", 1]
            assertThatThrownBy(() -> collider.product(1)).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("[\"product\",1]").hasMessageContaining("java.lang.String")
                    .hasMessageContaining("java.lang.Integer").hasMessageContaining("Collider.product(long)");
            assertThatThrownBy(() -> collider.productLater(1).join()).hasCauseInstanceOf(IllegalStateException.class);
        });
    }

    @Test
    void aBadDurationFailsStartupNamingTheMethod() {
        runner.withBean(BadDuration.class).run(context -> {
            assertThat(context).hasFailed();
            assertThat(context.getStartupFailure()).rootCause().hasMessageContaining("BadDuration.find(long)")
                    .hasMessageContaining("staleTime 'soon'");
        });
    }

    @Test
    void aBadExpressionFailsStartupNamingTheMethod() {
        runner.withBean(BadExpression.class).run(context -> {
            assertThat(context).hasFailed();
            assertThat(context.getStartupFailure()).rootCause().hasMessageContaining("BadExpression.find(long)");
        });
    }

    @Test
    void aFinalClassIsProxiedThroughItsInterface() {
        runner.withBean(Greeter.class, FinalGreeter::new).run(context -> {
            Greeter greeter = context.getBean(Greeter.class);
            assertThat(AopUtils.isJdkDynamicProxy(greeter)).isTrue();
            assertThat(greeter.greet("ann")).isEqualTo("hello ann 1");
            assertThat(greeter.greet("ann")).isEqualTo("hello ann 1");
        });
    }

    @Test
    void onABeanAlreadyProxiedTheCacheAnswersFirstAndEachAttemptRunsTheOtherAdvice() {
        AtomicInteger adviceRuns = new AtomicInteger();
        MethodInterceptor transactionLike = invocation -> {
            if (invocation.getMethod().getName().equals("load")) {
                adviceRuns.incrementAndGet();
            }
            return invocation.proceed();
        };
        runner.withBean("noRetryDelay", QueryClientCustomizer.class, () -> builder -> builder.defaults(
                QueryDefaults.builder().retryDelay(RetryDelay.fixed(Duration.ZERO)).build()))
                .withBean(Flaky.class, () -> {
                    ProxyFactory factory = new ProxyFactory(new Flaky());
                    factory.setProxyTargetClass(true);
                    factory.addAdvice(transactionLike);
                    return (Flaky) factory.getProxy();
                }).run(context -> {
                    Flaky flaky = context.getBean(Flaky.class);
                    assertThat(flaky.load()).isEqualTo("loaded on attempt 2");
                    assertThat(adviceRuns).as("the other advice ran around both attempts, the retry too").hasValue(2);
                    assertThat(flaky.load()).isEqualTo("loaded on attempt 2");
                    assertThat(adviceRuns).as("a cache hit runs no other advice").hasValue(2);
                });
    }

    public static class Flaky {
        private final AtomicInteger attempts = new AtomicInteger();

        @CachedQuery(key = "'flaky'", retry = "1", staleTime = "1m")
        public String load() {
            int attempt = attempts.incrementAndGet();
            if (attempt == 1) {
                throw new IllegalStateException("first attempt fails");
            }
            return "loaded on attempt " + attempt;
        }
    }

    /** Tells on which thread its method ran. */
    public static class WhereItRuns {
        @CachedQuery(key = "'where'")
        public String thread() {
            return Thread.currentThread().getName();
        }
    }

    /** Uses the key of {@link Catalogue#product} for data of another type. */
    public static class Collider {
        @CachedQuery(key = "'product', #id", staleTime = "1m")
        public Integer product(long id) {
            return 42;
        }

        @CachedQuery(key = "'product', #id", staleTime = "1m")
        public CompletableFuture<Integer> productLater(long id) {
            return CompletableFuture.completedFuture(42);
        }
    }

    public static class Unkeyable {
        @CachedQuery(key = "'find', #thing")
        public String find(Object thing) {
            return "x";
        }
    }

    public static class BadDuration {
        @CachedQuery(key = "'find', #id", staleTime = "soon")
        public String find(long id) {
            return "x";
        }
    }

    public static class BadExpression {
        @CachedQuery(key = "'find', #id +")
        public String find(long id) {
            return "x";
        }
    }

    public interface Greeter {
        @CachedQuery(key = "'greet', #name", staleTime = "1m")
        String greet(String name);
    }

    public static final class FinalGreeter implements Greeter {
        private int calls;

        @Override
        public String greet(String name) {
            return "hello " + name + " " + (++calls);
        }
    }
}
