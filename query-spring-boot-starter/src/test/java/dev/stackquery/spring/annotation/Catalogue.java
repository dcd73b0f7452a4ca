package dev.stackquery.spring.annotation;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/** An annotated service in front of a counting fake upstream whose calls a test can hold at a gate. */
public class Catalogue {

    public record Product(long id, String name) {
    }

    // Read through the methods below: a class proxy's own fields are never initialised.
    private final AtomicInteger calls = new AtomicInteger();
    private volatile CountDownLatch gate = new CountDownLatch(0);

    public int calls() {
        return calls.get();
    }

    /** Holds upstream calls until the returned latch is counted down. */
    public CountDownLatch closeGate() {
        gate = new CountDownLatch(1);
        return gate;
    }

    private void upstream() {
        calls.incrementAndGet();
        try {
            if (!gate.await(10, TimeUnit.SECONDS)) {
                throw new IllegalStateException("gate never opened");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @CachedQuery(key = "'product', #id", staleTime = "${catalogue.stale:30s}")
    public String product(long id) {
        upstream();
        return "product " + id + " v" + calls.get();
    }

    @CachedQuery(key = { "'maybe'", "#id" }, staleTime = "1m")
    public Optional<String> maybe(long id) {
        upstream();
        return id % 2 == 0 ? Optional.of("even " + id) : Optional.empty();
    }

    @CachedQuery(staleTime = "1m")
    public List<Product> list(String category) {
        upstream();
        return List.of(new Product(1, category + " one"), new Product(2, category + " two"));
    }

    @CachedQuery(key = "'async', #p0", staleTime = "1m")
    public CompletableFuture<String> async(long id) {
        upstream();
        return CompletableFuture.completedFuture("async " + id);
    }

    @CachedQuery(key = "'failing'", retry = "0")
    public String failing() {
        upstream();
        throw new IllegalArgumentException("no such product");
    }

    @CachedQuery(key = "'polled', #id", refetchInterval = "50ms", gcTime = "400ms")
    public String polled(long id) {
        upstream();
        return "polled " + id + " v" + calls.get();
    }

    @InvalidatesQueries("'product', #id")
    public void rename(long id, String name) {
    }

    @InvalidatesQueries("'product', #id")
    public void renameAndFail(long id) {
        throw new IllegalStateException("rename failed");
    }

    @InvalidatesQueries("'product'")
    @InvalidatesQueries("'maybe'")
    public CompletableFuture<String> renameAllLater(CompletableFuture<String> done) {
        return done;
    }
}
