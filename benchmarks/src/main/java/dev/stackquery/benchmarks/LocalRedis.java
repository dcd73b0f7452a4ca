package dev.stackquery.benchmarks;

import java.io.IOException;

import dev.stackquery.redis.RedisProcess;

import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

/** The Redis benchmarks' server (a {@code redis-server} they start on 127.0.0.1) and their connection factories. */
final class LocalRedis {

    private LocalRedis() {
    }

    /** A started server; {@code benchmark} names who needs it when there is no {@code redis-server}. */
    static RedisProcess start(String benchmark) throws IOException, InterruptedException {
        RedisProcess server = RedisProcess.startIfAvailable();
        if (server == null) {
            throw new IllegalStateException(benchmark + " needs redis-server on PATH");
        }
        return server;
    }

    /** A started Lettuce factory of its own on {@code server}, as one application instance would have. */
    static LettuceConnectionFactory factory(RedisProcess server) {
        LettuceConnectionFactory factory = new LettuceConnectionFactory(
                new RedisStandaloneConfiguration("127.0.0.1", server.port()));
        factory.afterPropertiesSet();
        factory.start();
        return factory;
    }
}
