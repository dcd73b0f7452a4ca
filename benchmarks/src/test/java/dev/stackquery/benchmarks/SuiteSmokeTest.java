package dev.stackquery.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

/**
 * Keeps the harness from rotting: runs one benchmark pair through the real suite in its quick mode (a forked JVM,
 * a few seconds each) and checks that the reports are written. It asserts no timing.
 */
class SuiteSmokeTest {

    @Test
    void theSuiteRunsABenchmarkPairAndWritesBothReports() throws Exception {
        Path out = Path.of("target", "benchmark-smoke");
        List<Map<String, Object>> rows = Suite.run(Suite.Settings.QUICK,
                "HitPathBenchmark\\.(stackquery_fetchQuery|caffeine_getIfPresent)$", out, false);

        assertThat(rows).extracting(r -> r.get("method") + "@" + r.get("threads")).containsExactlyInAnyOrder(
                "stackquery_fetchQuery@1", "caffeine_getIfPresent@1",
                "stackquery_fetchQuery@2", "caffeine_getIfPresent@2");
        assertThat(rows).allSatisfy(r -> assertThat((Double) r.get("score")).isPositive());
        String json = Files.readString(out.resolve("latest.json"));
        assertThat(json).contains("\"ratios\"").contains("caffeine_getIfPresent").contains("\"machine\"");
        String markdown = Files.readString(out.resolve("latest.md"));
        assertThat(markdown).contains("| HitPathBenchmark | 1 | stackquery_fetchQuery | caffeine_getIfPresent |");
    }
}
