package dev.stackquery.benchmarks;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import com.alicp.jetcache.Cache;
import com.alicp.jetcache.CacheResult;
import com.alicp.jetcache.MultiLevelCacheBuilder;
import com.alicp.jetcache.embedded.CaffeineCacheBuilder;
import com.alicp.jetcache.redis.lettuce.LettuceConnectionManager;
import com.alicp.jetcache.redis.lettuce.RedisLettuceCacheBuilder;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.stackquery.QueryClient;
import dev.stackquery.QueryKey;
import dev.stackquery.QueryOptions;
import dev.stackquery.redis.RedisProcess;
import dev.stackquery.spring.annotation.CachedQuery;
import dev.stackquery.spring.boot.StackQueryAnnotationsAutoConfiguration;
import dev.stackquery.spring.boot.StackQueryAutoConfiguration;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
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
 * {@code jetcache_twoLevelGet} is JetCache's {@code Cache.get} on its two-level cache (Caffeine over Redis), a
 * local-level hit, outside any Spring context.
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

    /**
     * JetCache's two-level cache as an application builds it by hand: a Caffeine local level over a Redis remote level
     * (Lettuce, on a {@code redis-server} of this state's own), combined by {@code MultiLevelCacheBuilder}, every key
     * put through both levels. A state of its own, so that only the JetCache benchmark's fork starts Redis.
     */
    @State(Scope.Benchmark)
    public static class JetCacheTwoLevel {
        RedisProcess server;
        RedisClient redis;
        Cache<Long, String> local;
        Cache<Long, String> remote;
        Cache<Long, String> cache;
        /** The ids, boxed once, as the options of {@code stackquery_fetchQuery} are built once. */
        Long[] ids;
        int[] sequence;

        @Setup(Level.Trial)
        public void start() throws Exception {
            server = LocalRedis.start("AnnotationBenchmark.jetcache_twoLevelGet");
            redis = RedisClient.create(RedisURI.create("127.0.0.1", server.port()));
            local = CaffeineCacheBuilder.createCaffeineCacheBuilder().limit(Workload.KEYS * 2)
                    .expireAfterWrite(1, TimeUnit.DAYS).buildCache();
            remote = RedisLettuceCacheBuilder.createRedisLettuceCacheBuilder().redisClient(redis)
                    .keyPrefix("products:").expireAfterWrite(1, TimeUnit.DAYS).buildCache();
            cache = MultiLevelCacheBuilder.createMultiLevelCacheBuilder().addCache(local, remote)
                    .useExpireOfSubCache(true).buildCache();
            sequence = Workload.zipfSequence(Workload.KEYS, 11);
            ids = new Long[Workload.KEYS];
            Map<Long, String> batch = new HashMap<>();
            for (int i = 0; i < Workload.KEYS; i++) {
                ids[i] = (long) i;
                batch.put(ids[i], "product " + i);
                if (batch.size() == 1_000 || i == Workload.KEYS - 1) {
                    // One psetex per entry on the remote level, pipelined; the result completes when Redis answered.
                    CacheResult put = cache.PUT_ALL(batch);
                    put.waitForResult(Duration.ofSeconds(30));
                    if (!put.isSuccess()) {
                        throw new IllegalStateException("JetCache PUT_ALL failed: " + put.getMessage());
                    }
                    batch = new HashMap<>();
                }
            }
            RedisClusterCommands<?, ?> commands = remote.unwrap(RedisClusterCommands.class);
            long inRedis = commands.dbsize();
            long inLocal = local.unwrap(com.github.benmanes.caffeine.cache.Cache.class).estimatedSize();
            if (inRedis != Workload.KEYS || inLocal != Workload.KEYS) {
                throw new IllegalStateException("not every key in both levels: " + inLocal + " local, " + inRedis
                        + " in Redis");
            }
            int last = Workload.KEYS - 1;
            if (!"product 7".equals(cache.get(ids[7])) || !"product 7".equals(remote.get(ids[7]))
                    || !("product " + last).equals(remote.get(ids[last]))) {
                throw new IllegalStateException("not the workload");
            }
        }

        @TearDown(Level.Trial)
        public void stop() throws Exception {
            cache.close();
            // Closes the connection JetCache opened on the client, then shuts the client down.
            LettuceConnectionManager.defaultManager().removeAndClose(redis);
            server.close();
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

    /** JetCache's {@code Cache.get} on the two-level cache: a local-level hit, Redis untouched. */
    @Benchmark
    public Object jetcache_twoLevelGet(JetCacheTwoLevel state, Cursor cursor) {
        return state.cache.get(state.ids[state.sequence[cursor.next()]]);
    }
}
