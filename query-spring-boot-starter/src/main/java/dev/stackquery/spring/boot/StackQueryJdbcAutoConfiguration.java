package dev.stackquery.spring.boot;

import javax.sql.DataSource;

import dev.stackquery.StorageBackend;
import dev.stackquery.jdbc.JdbcStorageBackend;
import dev.stackquery.spring.boot.StackQueryProperties.StorageType;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

/**
 * The application's {@code DataSource} as L2 ({@link JdbcStorageBackend}: SQLite, PostgreSQL, H2) when
 * {@code stackquery.storage.type=jdbc}. The table is created when missing.
 */
@AutoConfiguration(afterName = "org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration")
@ConditionalOnBean(DataSource.class)
@ConditionalOnStorageType(StorageType.JDBC)
public final class StackQueryJdbcAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean(StorageBackend.class)
    JdbcStorageBackend stackQueryJdbcStorage(DataSource dataSource, StackQueryProperties properties) {
        return JdbcStorageBackend.builder(dataSource).table(properties.getStorage().getJdbcTable()).build();
    }
}
