package dev.stackquery.sample;

import java.math.BigDecimal;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.LongStream;

import dev.stackquery.sample.Model.Order;
import dev.stackquery.sample.Model.Product;
import dev.stackquery.sample.Model.Stats;
import dev.stackquery.sample.Model.User;

import org.springframework.stereotype.Component;

/**
 * The slow, sometimes failing system the sample caches: every call sleeps {@code sample.upstream.latency} and fails
 * with probability {@code sample.upstream.failure-rate}. Counts its calls, so the effect of caching shows. Its
 * products live in a {@link ProductStore} (this JVM's map, or Redis in the {@code redis} profile); users and orders,
 * which nothing changes, in this JVM.
 */
@Component
public class Upstream {

    /** A failure of the upstream, as a flaky HTTP API would give. */
    static final class UpstreamException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        UpstreamException(String message) {
            super(message);
        }

        UpstreamException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private final UpstreamProperties properties;
    private final AtomicLong calls = new AtomicLong();
    private final ProductStore products;
    private final Map<Long, User> users = new ConcurrentHashMap<>();
    private final Map<Long, List<Order>> orders = new ConcurrentHashMap<>();

    Upstream(UpstreamProperties properties, ProductStore products) {
        this.properties = properties;
        this.products = products;
        Map<Long, Product> seed = new LinkedHashMap<>();
        String[] names = { "Fountain pen", "Ink, blue", "Notebook A5", "Pencil HB", "Eraser", "Ruler 30 cm",
            "Stapler", "Paper clips", "Highlighter", "Desk lamp" };
        for (int i = 0; i < names.length; i++) {
            long id = i + 1;
            seed.put(id, new Product(id, names[i], BigDecimal.valueOf(150 + 95L * i, 2)));
        }
        products.seed(seed.values());
        String[] people = { "Ann", "Bob", "Chen", "Dana" };
        for (int i = 0; i < people.length; i++) {
            long id = i + 1;
            users.put(id, new User(id, people[i]));
            List<Long> bought = LongStream.rangeClosed(1, id + 1).boxed().toList();
            BigDecimal total = bought.stream().map(p -> seed.get(p).price()).reduce(BigDecimal.ZERO,
                    BigDecimal::add);
            orders.put(id, List.of(new Order(100 * id + 1, id, bought, total)));
        }
    }

    Optional<Product> product(long id) {
        call("product " + id);
        return products.get(id);
    }

    List<Product> featured() {
        call("featured");
        return products.all().stream().filter(p -> p.id() % 3 == 1).sorted((a, b) -> Long.compare(a.id(),
                b.id())).toList();
    }

    Optional<User> user(long id) {
        call("user " + id);
        return Optional.ofNullable(users.get(id));
    }

    List<Order> orders(long userId) {
        call("orders of " + userId);
        return orders.getOrDefault(userId, List.of());
    }

    Stats stats() {
        call("stats");
        return new Stats(products.size(), users.size(), orders.values().stream().mapToInt(List::size).sum(),
                calls.get());
    }

    Product update(long id, Model.ProductUpdate update) {
        call("update of product " + id);
        if (products.get(id).isEmpty()) {
            throw new IllegalArgumentException("no product " + id);
        }
        if (update.name() == null || update.name().isBlank() || update.price() == null
                || update.price().signum() < 0) {
            throw new IllegalArgumentException("a product needs a name and a price of 0 or more");
        }
        Product updated = new Product(id, update.name(), update.price());
        products.put(updated);
        return updated;
    }

    /** Calls made so far. */
    public long calls() {
        return calls.get();
    }

    private void call(String what) {
        calls.incrementAndGet();
        try {
            Thread.sleep(properties.latency().toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new UpstreamException("interrupted while fetching " + what);
        }
        if (ThreadLocalRandom.current().nextDouble() < properties.failureRate()) {
            throw new UpstreamException("upstream failed while fetching " + what);
        }
    }
}
