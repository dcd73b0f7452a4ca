package dev.stackquery.sample;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import dev.stackquery.sample.Model.Product;

/**
 * Where the simulated upstream keeps its products, the data a {@code PUT /products/{id}} changes: this JVM's map
 * ({@code sample.upstream.store=memory}, the default), or a Redis hash shared by every instance
 * ({@code sample.upstream.store=redis}, set by the {@code redis} profile), so that a write on one instance is the
 * truth for all of them.
 */
interface ProductStore {

    /** Adds each product whose id the store does not hold yet: a second instance keeps the first one's writes. */
    void seed(Collection<Product> products);

    Optional<Product> get(long id);

    List<Product> all();

    int size();

    void put(Product product);

    /** The default: one map per JVM, so instances disagree after a write, which is fine for a single instance. */
    final class InMemory implements ProductStore {

        private final Map<Long, Product> products = new ConcurrentHashMap<>();

        @Override
        public void seed(Collection<Product> seed) {
            seed.forEach(product -> products.putIfAbsent(product.id(), product));
        }

        @Override
        public Optional<Product> get(long id) {
            return Optional.ofNullable(products.get(id));
        }

        @Override
        public List<Product> all() {
            return List.copyOf(products.values());
        }

        @Override
        public int size() {
            return products.size();
        }

        @Override
        public void put(Product product) {
            products.put(product.id(), product);
        }
    }
}
