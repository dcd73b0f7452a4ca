package dev.stackquery.sample;

import java.math.BigDecimal;
import java.util.List;

/** The catalogue's data, as the upstream returns it. */
final class Model {

    private Model() {
    }

    record Product(long id, String name, BigDecimal price) {
    }

    record User(long id, String name) {
    }

    record Order(long id, long userId, List<Long> productIds, BigDecimal total) {
    }

    record Stats(int products, int users, int orders, long upstreamCalls) {
    }

    record ProductUpdate(String name, BigDecimal price) {
    }
}
