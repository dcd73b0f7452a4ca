package dev.stackquery.sample;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

import dev.stackquery.Mutation;
import dev.stackquery.MutationOptions;
import dev.stackquery.Queries;
import dev.stackquery.QueryClient;
import dev.stackquery.QueryFetchException;
import dev.stackquery.QueryFilter;
import dev.stackquery.QueryKey;
import dev.stackquery.QueryOptions;
import dev.stackquery.TypeRef;
import dev.stackquery.sample.Model.Order;
import dev.stackquery.sample.Model.Product;
import dev.stackquery.sample.Model.ProductUpdate;
import dev.stackquery.sample.Model.Stats;
import dev.stackquery.sample.Model.User;

import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

/**
 * The sample's API, one StackQuery feature per endpoint: a declarative query with stale-while-revalidate and single
 * flight ({@code /products/{id}}), parallel queries ({@code /dashboard}), a dependent query
 * ({@code /users/{id}/orders}) and a mutation with an optimistic update, rollback and invalidation
 * ({@code PUT /products/{id}}).
 */
@RestController
class SampleController {

    record Dashboard(List<Product> featured, Stats stats) {
    }

    record UserOrders(User user, List<Order> orders) {
    }

    record Edit(long id, ProductUpdate update) {
    }

    private final QueryClient client;
    private final Catalogue catalogue;
    private final Upstream upstream;
    private final QueryOptions<List<Product>> featured;
    private final QueryOptions<Stats> stats;
    private final Mutation<Edit, Product, Optional<Product>> edit;

    SampleController(QueryClient client, Catalogue catalogue, Upstream upstream) {
        this.client = client;
        this.catalogue = catalogue;
        this.upstream = upstream;
        // Kept for the life of the application: hits on kept options skip the map lookup.
        this.featured = QueryOptions.<List<Product>>builder(QueryKey.of("featured"), ctx -> upstream.featured())
                .type(new TypeRef<List<Product>>() { }).build();
        this.stats = QueryOptions.<Stats>builder(QueryKey.of("stats"), ctx -> upstream.stats()).type(Stats.class)
                .build();
        this.edit = client.mutation(MutationOptions.<Edit, Product, Optional<Product>>builder(
                change -> upstream.update(change.id(), change.update()))
                .onMutate(change -> {
                    // Optimistic: readers see the new name and price at once; the previous value is the rollback.
                    Optional<Product> previous = client.<Optional<Product>>getQueryData(productKey(change.id()))
                            .flatMap(p -> p);
                    client.setQueryData(productKey(change.id()), Optional.of(new Product(change.id(),
                            change.update().name(), change.update().price())));
                    return previous;
                })
                .onError((error, change, previous) -> {
                    if (previous != null && previous.isPresent()) {
                        client.setQueryData(productKey(change.id()), previous);
                    } else {
                        client.removeQueries(QueryFilter.exact(productKey(change.id())));
                    }
                })
                .onSettled((updated, error, change, previous) -> client.invalidateQueries(
                        QueryFilter.exact(productKey(change.id()))))
                .invalidates(QueryFilter.prefix("featured"))
                .build());
    }

    static QueryKey productKey(long id) {
        return QueryKey.of("product", id);
    }

    @GetMapping("/products/{id}")
    ResponseEntity<Product> product(@PathVariable long id) {
        return ResponseEntity.of(catalogue.product(id));
    }

    @GetMapping("/dashboard")
    CompletableFuture<Dashboard> dashboard() {
        return Queries.parallel(client, List.of(featured, stats).toArray(QueryOptions[]::new))
                .thenApply(both -> {
                    @SuppressWarnings("unchecked")
                    List<Product> products = (List<Product>) both.get(0);
                    return new Dashboard(products, (Stats) both.get(1));
                });
    }

    @GetMapping("/users/{id}/orders")
    CompletableFuture<ResponseEntity<UserOrders>> orders(@PathVariable long id) {
        QueryOptions<Optional<User>> user = QueryOptions.<Optional<User>>builder(QueryKey.of("user", id),
                ctx -> upstream.user(id)).type(new TypeRef<Optional<User>>() { }).build();
        // Dependent: the orders query runs only once the user is known to exist.
        return client.fetchQuery(user).thenCompose(found -> found.isEmpty()
                ? CompletableFuture.completedFuture(ResponseEntity.<UserOrders>notFound().build())
                : client.fetchQuery(QueryOptions.<List<Order>>builder(QueryKey.of("user", id, "orders"),
                        ctx -> upstream.orders(id)).type(new TypeRef<List<Order>>() { }).build())
                        .thenApply(orders -> ResponseEntity.ok(new UserOrders(found.get(), orders))));
    }

    @PutMapping("/products/{id}")
    CompletableFuture<Product> update(@PathVariable long id, @RequestBody ProductUpdate update) {
        return edit.mutate(new Edit(id, update));
    }

    @ExceptionHandler({ Upstream.UpstreamException.class, QueryFetchException.class, CompletionException.class })
    ResponseEntity<Map<String, String>> upstreamFailed(Exception failure) {
        Throwable cause = failure;
        while ((cause instanceof CompletionException || cause instanceof QueryFetchException)
                && cause.getCause() != null) {
            cause = cause.getCause();
        }
        if (cause instanceof IllegalArgumentException rejected) {
            return rejected(rejected);
        }
        return ResponseEntity.status(HttpStatus.SERVICE_UNAVAILABLE).body(Map.of("error", String.valueOf(
                cause.getMessage())));
    }

    @ExceptionHandler(IllegalArgumentException.class)
    ResponseEntity<Map<String, String>> rejected(IllegalArgumentException failure) {
        return ResponseEntity.badRequest().body(Map.of("error", String.valueOf(failure.getMessage())));
    }
}
