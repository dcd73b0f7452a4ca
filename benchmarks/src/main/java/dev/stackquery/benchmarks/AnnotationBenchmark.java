package dev.stackquery.benchmarks;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import com.github.benmanes.caffeine.cache.Caffeine;
import dev.stackquery.QueryClient;
import dev.stackquery.QueryKey;
import dev.stackquery.QueryOptions;
import dev.stackquery.spring.annotation.CachedQuery;
import dev.stackquery.spring.boot.StackQueryAnnotationsAutoConfiguration;
import dev.stackquery.spring.boot.StackQueryAutoConfiguration;

import org.aopalliance.intercept.MethodInterceptor;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.springframework.aop.framework.ProxyFactory;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.cache.CacheManager;
import org.springframework.cache.annotation.Cacheable;
import org.springframework.cache.annotation.EnableCaching;
import org.springframework.cache.caffeine.CaffeineCacheManager;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Benchmark 10: annotation against annotation. One Spring context holds a bean whose methods are cached by
 * {@code @CachedQuery} (on the QueryClient) and by {@code @Cacheable} (Spring Cache over Caffeine), both through the
 * real proxies the starter and {@code @EnableCaching} make; every key is cached before measuring, so each call is a
 * fresh hit. {@code stackquery_fetchQuery} is the core hit the annotation sits on (options kept by the caller).
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class AnnotationBenchmark {

    /** The service both annotations cache. */
    public static class Catalogue {
        @CachedQuery(key = "'product', #id", staleTime = "1d")
        public String product(long id) {
            return "product " + id;
        }

        @Cacheable("products")
        public String productCacheable(long id) {
            return "product " + id;
        }
    }

    @Configuration(proxyBeanMethods = false)
    @EnableCaching
    @ImportAutoConfiguration({ StackQueryAutoConfiguration.class, StackQueryAnnotationsAutoConfiguration.class })
    static class App {
        @Bean
        Catalogue catalogue() {
            return new Catalogue();
        }

        @Bean
        CacheManager cacheManager() {
            CaffeineCacheManager manager = new CaffeineCacheManager("products");
            manager.setCaffeine(Caffeine.newBuilder().maximumSize(Workload.KEYS * 2L));
            return manager;
        }
    }

    @State(Scope.Benchmark)
    public static class Context {
        ConfigurableApplicationContext context;
        Catalogue catalogue;
        /** A Catalogue behind the same kind of proxy (CGLIB) whose one interceptor answers without proceeding. */
        Catalogue proxyFloor;
        QueryClient client;
        QueryOptions<String>[] options;
        int[] sequence;

        @Setup(Level.Trial)
        @SuppressWarnings("unchecked")
        public void start() {
            context = new SpringApplicationBuilder(App.class).web(WebApplicationType.NONE)
                    .properties("stackquery.max-queries=" + Workload.KEYS * 4, "spring.main.banner-mode=off",
                            "logging.level.root=warn")
                    .run();
            catalogue = context.getBean(Catalogue.class);
            client = context.getBean(QueryClient.class);
            ProxyFactory floor = new ProxyFactory(new Catalogue());
            floor.setProxyTargetClass(true);
            floor.addAdvice((MethodInterceptor) invocation -> "product");
            proxyFloor = (Catalogue) floor.getProxy();
            sequence = Workload.zipfSequence(Workload.KEYS, 11);
            options = new QueryOptions[Workload.KEYS];
            for (int i = 0; i < Workload.KEYS; i++) {
                long id = i;
                catalogue.product(id);
                catalogue.productCacheable(id);
                options[i] = QueryOptions.builder(QueryKey.of("plain", id), ctx -> "product " + id)
                        .staleTime(Duration.ofDays(1)).build();
                client.fetchQuery(options[i]).join();
            }
            if (!catalogue.product(7).equals("product 7") || !catalogue.productCacheable(7).equals("product 7")) {
                throw new IllegalStateException("not the workload");
            }
        }

        @TearDown(Level.Trial)
        public void stop() {
            context.close();
        }
    }

    @Benchmark
    public Object stackquery_cachedQuery(Context state, Cursor cursor) {
        return state.catalogue.product(state.sequence[cursor.next()]);
    }

    @Benchmark
    public Object springCache_cacheable(Context state, Cursor cursor) {
        return state.catalogue.productCacheable(state.sequence[cursor.next()]);
    }

    /**
     * What any interceptor costs before it runs: the proxy's invocation (arguments, boxing, the invocation object).
     * The allocation a cached call can reach through a Spring proxy is this method's, not zero.
     */
    @Benchmark
    public Object springAop_proxyFloor(Context state, Cursor cursor) {
        return state.proxyFloor.product(state.sequence[cursor.next()]);
    }

    @Benchmark
    public Object stackquery_fetchQuery(Context state, Cursor cursor) {
        return state.client.fetchQuery(state.options[state.sequence[cursor.next()]]).join();
    }
}
