package dev.stackquery.spring.boot.actuate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stackquery.QueryClient;
import dev.stackquery.QueryKey;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;

/** With {@code stackquery.actuator.show-values=always} the endpoint shows cached values. */
@SpringBootTest(classes = TestApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT, properties = {
        "management.endpoints.web.exposure.include=queries", "management.health.redis.enabled=false",
        "stackquery.storage.type=none", "stackquery.actuator.show-values=always" })
class QueriesEndpointShowValuesWebTest {

    @Autowired
    QueryClient client;

    @LocalServerPort
    int port;

    @Test
    void valuesAreShownWhenConfigured() {
        client.setQueryData(QueryKey.of("cart", 7), java.util.List.of("pen", "ink"));
        Http.Answer answer = new Http(port).get("/actuator/queries/" + Http.encode("[\"cart\",7]"));
        assertThat(answer.status()).isEqualTo(200);
        assertThat(answer.json().get("data").get(1).asString()).isEqualTo("ink");
        assertThat(answer.json().get("size").asInt()).isEqualTo(2);
    }
}
