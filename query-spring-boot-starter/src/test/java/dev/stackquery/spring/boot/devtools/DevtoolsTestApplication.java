package dev.stackquery.spring.boot.devtools;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;

/** A bare application: everything it has comes from auto-configuration, as in a user's service. */
@SpringBootConfiguration
@EnableAutoConfiguration(excludeName = "org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration")
class DevtoolsTestApplication {
}
