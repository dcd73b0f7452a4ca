package dev.stackquery.spring.boot.devtools;

import dev.stackquery.QueryClient;

import org.junit.jupiter.api.BeforeEach;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * What the console's web tests share: the application's client and real HTTP to its random port. Subclasses are
 * {@code @SpringBootTest(classes = DevtoolsTestApplication.class, webEnvironment = RANDOM_PORT)} with their settings.
 */
abstract class DevtoolsWebTest {

    @Autowired
    QueryClient client;

    @LocalServerPort
    int port;

    DevtoolsHttp http;

    @BeforeEach
    void http() {
        http = new DevtoolsHttp(port);
    }
}
