package dev.stackquery.sample;

import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.annotation.web.configuration.EnableWebSecurity;
import org.springframework.security.web.SecurityFilterChain;

/**
 * For the browser tests: real Spring Security in front of the devtools console, without Boot's auto-configuration of
 * it (so the sample's other tests stay unsecured). Anyone may use the console, but its default CSRF protection stays
 * on: a write to {@code /stackquery/} without the token Spring Security puts in the {@code _csrf} request attribute is
 * refused, so the tests show that the page carries that token and its buttons send it.
 */
@TestConfiguration(proxyBeanMethods = false)
@EnableWebSecurity
class DevtoolsBrowserSecurity {

    @Bean
    SecurityFilterChain devtoolsForEveryone(HttpSecurity http) throws Exception {
        return http.securityMatcher("/stackquery/**")
                .authorizeHttpRequests(requests -> requests.anyRequest().permitAll()).build();
    }
}
