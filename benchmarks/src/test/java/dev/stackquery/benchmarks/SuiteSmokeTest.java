package dev.stackquery.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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

    @Test
    void aMergedRunKeepsTheRowsItDidNotMeasureAndPairsRowsOfOneRunOnly(@TempDir Path out) throws Exception {
        Files.writeString(out.resolve("latest.json"), """
                {"settings": "full", "finishedAt": "earlier", "machine": {"cpu": "another cpu"},
                 "results": [
                  {"benchmark": "HitPathBenchmark", "method": "stackquery_fetchQuery", "threads": 1, "mode": "thrpt",
                   "score": 4.0, "error": 0.5, "unit": "ops/us", "allocBytesPerOp": 0.0},
                  {"benchmark": "HitPathBenchmark", "method": "caffeine_getIfPresent", "threads": 1, "mode": "thrpt",
                   "score": 2.0, "error": 0.5, "unit": "ops/us", "allocBytesPerOp": 0.0}],
                 "memoryBytesPerEntry": {"caffeine (maximumSize)": 95.1}}
                """);

        List<Map<String, Object>> rows = Suite.run(Suite.Settings.QUICK, "^NoSuchBenchmark$", out, false, true);

        assertThat(rows).isEmpty();
        String json = Files.readString(out.resolve("latest.json"));
        assertThat(json).contains("\"settings\" : \"full on another cpu\"").contains("\"run\" : \"earlier\"")
                .contains("\"ratio\" : 2.0").contains("95.1");
        assertThat(Files.readString(out.resolve("latest.md")))
                .contains("| HitPathBenchmark | 1 | stackquery_fetchQuery | caffeine_getIfPresent | 2.00 |");
    }
}
