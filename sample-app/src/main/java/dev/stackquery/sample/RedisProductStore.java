package dev.stackquery.sample;

import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

import dev.stackquery.sample.Model.Product;

import org.springframework.dao.DataAccessException;
import org.springframework.data.redis.core.HashOperations;
import org.springframework.data.redis.core.StringRedisTemplate;

import tools.jackson.databind.json.JsonMapper;

/**
 * The products in one Redis hash, {@code sample:products} (field: the id, value: the product as JSON), shared by
 * every instance of the {@code redis} profile. Seeding is lazy and uses {@code HSETNX}: an instance starts while
 * Redis is down (as its cache does), and one that starts later never overwrites what others wrote.
 */
final class RedisProductStore implements ProductStore {

    static final String KEY = "sample:products";

    private final HashOperations<String, String, String> hash;
    private final JsonMapper json;
    private volatile Collection<Product> pendingSeed = List.of();

    RedisProductStore(StringRedisTemplate redis, JsonMapper json) {
        this.hash = redis.opsForHash();
        this.json = json;
    }

    @Override
    public void seed(Collection<Product> products) {
        pendingSeed = List.copyOf(products);
    }

    @Override
    public Optional<Product> get(long id) {
        return redis(() -> Optional.ofNullable(hash.get(KEY, String.valueOf(id))).map(this::decode));
    }

    @Override
    public List<Product> all() {
        return redis(() -> hash.values(KEY).stream().map(this::decode).toList());
    }

    @Override
    public int size() {
        return redis(() -> Math.toIntExact(hash.size(KEY)));
    }

    @Override
    public void put(Product product) {
        redis(() -> {
            hash.put(KEY, String.valueOf(product.id()), json.writeValueAsString(product));
            return null;
        });
    }

    private Product decode(String value) {
        return json.readValue(value, Product.class);
    }

    /** Runs one Redis operation, seeding first if that has not succeeded yet; Redis failing is the upstream failing. */
    private <T> T redis(Supplier<T> operation) {
        try {
            Collection<Product> seed = pendingSeed;
            if (!seed.isEmpty()) {
                // Concurrent first calls may both seed: HSETNX makes that harmless.
                seed.forEach(p -> hash.putIfAbsent(KEY, String.valueOf(p.id()), json.writeValueAsString(p)));
                pendingSeed = List.of();
            }
            return operation.get();
        } catch (DataAccessException e) {
            throw new Upstream.UpstreamException("product store (Redis) failed: " + e.getMessage(), e);
        }
    }
}
