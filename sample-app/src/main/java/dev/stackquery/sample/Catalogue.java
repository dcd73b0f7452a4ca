package dev.stackquery.sample;

import java.util.Optional;

import dev.stackquery.sample.Model.Product;
import dev.stackquery.spring.annotation.CachedQuery;

import org.springframework.stereotype.Service;

/** Products, cached declaratively: fresh for 10 s, then served stale while one call refreshes them. */
@Service
public class Catalogue {

    private final Upstream upstream;

    Catalogue(Upstream upstream) {
        this.upstream = upstream;
    }

    @CachedQuery(key = "'product', #id", staleTime = "${sample.product-stale-time:10s}")
    public Optional<Product> product(long id) {
        return upstream.product(id);
    }
}
