package dev.stackquery.benchmarks;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

import org.openjdk.jmh.profile.GCProfiler;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * Runs the benchmark suite with every peer in the same JVM run and writes {@code latest.json} and {@code latest.md}
 * (ratios to the peers, allocation per operation, memory per entry).
 *
 * <p>Usage: {@code java -jar benchmarks/target/benchmarks.jar [quick|full] [regex] [output dir]}.
 */
public final class Suite {

    /** How long each benchmark runs. */
    public record Settings(String name, int forks, int warmups, TimeValue warmupTime, int iterations,
            TimeValue iterationTime) {

        /** A few seconds per benchmark: a check that everything runs, with wide errors. */
        public static final Settings QUICK = new Settings("quick", 1, 1, TimeValue.seconds(1), 2,
                TimeValue.seconds(1));
        /** The documented run: one fork, 2 × 2 s warm-up, 3 × 3 s measured. */
        public static final Settings FULL = new Settings("full", 1, 2, TimeValue.seconds(2), 3, TimeValue.seconds(3));
    }

    /** One comparison the report makes: our method against a peer's, in one benchmark class. */
    private record Comparison(String benchmark, String ours, String peer, String target) {
    }

    private static final List<Comparison> COMPARISONS = List.of(
            new Comparison("HitPathBenchmark", "stackquery_fetchQuery", "caffeine_getIfPresent", ">= 0.5x"),
            new Comparison("HitPathBenchmark", "stackquery_fetchQuery", "caffeineAsync_getIfPresent", ""),
            new Comparison("HitPathBenchmark", "stackquery_fetchQuery", "springCache_get", ">= 1.0x"),
            new Comparison("HitPathBenchmark", "stackquery_fetchQuery", "concurrentHashMap_get", "(limit)"),
            new Comparison("HitPathBenchmark", "stackquery_getQueryData", "caffeine_getIfPresent", ""),
            new Comparison("MissPathBenchmark", "stackquery_fetchQuery", "caffeineAsyncLoading_get",
                    "time <= 2.0x"),
            new Comparison("SingleFlightBenchmark", "stackquery_fetchQuery", "caffeineAsyncLoading_get", ""),
            new Comparison("BulkOperationsBenchmark", "stackquery_setQueryData", "caffeine_put", ""),
            new Comparison("RedisBenchmark", "stackquery_l2HitOnColdL1", "lettuce_rawGet", "time <= 1.3x"),
            new Comparison("BulkOperationsBenchmark", "stackquery_setQueryData", "concurrentHashMap_put", ""));

    /** Benchmarks and the thread counts each runs with. */
    private static final Map<String, int[]> PLAN = new LinkedHashMap<>();

    static {
        PLAN.put(HitPathBenchmark.class.getSimpleName(), new int[] {1, 2});
        PLAN.put(MissPathBenchmark.class.getSimpleName(), new int[] {1, 2});
        PLAN.put(SingleFlightBenchmark.class.getSimpleName(), new int[] {1, 2});
        PLAN.put(BulkOperationsBenchmark.class.getSimpleName(), new int[] {1, 2});
        PLAN.put(RedisBenchmark.class.getSimpleName(), new int[] {1});
    }

    private Suite() {
    }

    public static void main(String[] args) throws Exception {
        String mode = args.length > 0 ? args[0] : "full";
        if (!mode.equals("quick") && !mode.equals("full")) {
            System.err.println("usage: java -jar benchmarks.jar [quick|full] [regex on Class.method] [output dir]");
            System.exit(2);
        }
        Settings settings = mode.equals("quick") ? Settings.QUICK : Settings.FULL;
        String filter = args.length > 1 ? args[1] : ".*";
        Path out = Path.of(args.length > 2 ? args[2] : "benchmarks/results");
        List<Map<String, Object>> rows = run(settings, filter, out, true);
        if (rows.stream().anyMatch(r -> r.containsKey("failed"))) {
            System.err.println("some benchmarks failed; see " + out.resolve("latest.md"));
            System.exit(1);
        }
    }

    /**
     * Runs the benchmarks whose {@code Class.method} matches {@code filter} and writes the reports into {@code out}.
     *
     * @return the rows written
     */
    public static List<Map<String, Object>> run(Settings settings, String filter, Path out, boolean memory)
            throws RunnerException, IOException {
        Pattern match = Pattern.compile(filter);
        List<Map<String, Object>> rows = new ArrayList<>();
        for (Map.Entry<String, int[]> planned : PLAN.entrySet()) {
            for (int threads : planned.getValue()) {
                List<String> selected = selected(planned.getKey(), match);
                if (selected.isEmpty()) {
                    continue;
                }
                ChainedOptionsBuilder options = new OptionsBuilder()
                        .include(String.join("|", selected.stream().map(m -> "\\." + planned.getKey() + "\\." + m
                                + "$").toList()))
                        .threads(threads)
                        .forks(settings.forks())
                        .warmupIterations(settings.warmups())
                        .warmupTime(settings.warmupTime())
                        .measurementIterations(settings.iterations())
                        .measurementTime(settings.iterationTime())
                        .jvmArgsAppend("-Xms1g", "-Xmx1g")
                        .addProfiler(GCProfiler.class)
                        .shouldFailOnError(true);
                try {
                    Collection<RunResult> results = new Runner(options.build()).run();
                    for (RunResult result : results) {
                        rows.add(row(result, threads));
                    }
                } catch (RunnerException failed) {
                    // One broken benchmark must not throw away the others' results: it is reported as failed.
                    for (String method : selected) {
                        Map<String, Object> row = new LinkedHashMap<>();
                        row.put("benchmark", planned.getKey());
                        row.put("method", method);
                        row.put("threads", threads);
                        row.put("failed", String.valueOf(failed.getCause() != null ? failed.getCause() : failed));
                        rows.add(row);
                    }
                }
            }
        }
        Map<String, Double> footprint = memory ? MemoryFootprint.measure(Workload.KEYS) : Map.of();
        write(settings, rows, footprint, out);
        return rows;
    }

    private static List<String> selected(String benchmark, Pattern match) {
        List<String> methods = new ArrayList<>();
        try {
            for (var method : Class.forName(Suite.class.getPackageName() + "." + benchmark).getMethods()) {
                if (method.isAnnotationPresent(org.openjdk.jmh.annotations.Benchmark.class)
                        && match.matcher(benchmark + "." + method.getName()).find()) {
                    methods.add(method.getName());
                }
            }
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException(e);
        }
        return methods;
    }

    private static Map<String, Object> row(RunResult result, int threads) {
        String label = result.getParams().getBenchmark();
        String method = label.substring(label.lastIndexOf('.') + 1);
        String benchmark = label.substring(0, label.lastIndexOf('.'));
        benchmark = benchmark.substring(benchmark.lastIndexOf('.') + 1);
        Result<?> primary = result.getPrimaryResult();
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("benchmark", benchmark);
        row.put("method", method);
        row.put("threads", threads);
        row.put("mode", result.getParams().getMode().shortLabel());
        row.put("score", primary.getScore());
        row.put("error", Double.isNaN(primary.getScoreError()) ? 0.0 : primary.getScoreError());
        row.put("unit", primary.getScoreUnit());
        Result<?> alloc = result.getSecondaryResults().get("gc.alloc.rate.norm");
        row.put("allocBytesPerOp", alloc == null ? null : alloc.getScore());
        if (result.getParams().getMode() == org.openjdk.jmh.annotations.Mode.SampleTime) {
            var statistics = primary.getStatistics();
            row.put("p50", statistics.getPercentile(50));
            row.put("p99", statistics.getPercentile(99));
        }
        return row;
    }

    private static void write(Settings settings, List<Map<String, Object>> rows, Map<String, Double> footprint,
            Path out) throws IOException {
        Files.createDirectories(out);
        List<Map<String, Object>> ratios = ratios(rows);
        Map<String, Object> document = new LinkedHashMap<>();
        document.put("settings", settings.name());
        document.put("finishedAt", Instant.now().toString());
        document.put("machine", machine());
        document.put("results", rows);
        document.put("ratios", ratios);
        document.put("memoryBytesPerEntry", footprint);
        JsonMapper json = JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();
        Files.writeString(out.resolve("latest.json"), json.writeValueAsString(document), StandardCharsets.UTF_8);
        Files.writeString(out.resolve("latest.md"), markdown(settings, rows, ratios, footprint),
                StandardCharsets.UTF_8);
    }

    private static List<Map<String, Object>> ratios(List<Map<String, Object>> rows) {
        List<Map<String, Object>> ratios = new ArrayList<>();
        for (Comparison c : COMPARISONS) {
            for (Map<String, Object> ours : rows) {
                if (!c.benchmark().equals(ours.get("benchmark")) || !c.ours().equals(ours.get("method"))
                        || ours.containsKey("failed")) {
                    continue;
                }
                for (Map<String, Object> peer : rows) {
                    if (c.benchmark().equals(peer.get("benchmark")) && c.peer().equals(peer.get("method"))
                            && ours.get("threads").equals(peer.get("threads")) && !peer.containsKey("failed")) {
                        Map<String, Object> ratio = new LinkedHashMap<>();
                        ratio.put("benchmark", c.benchmark());
                        ratio.put("ours", c.ours());
                        ratio.put("peer", c.peer());
                        ratio.put("threads", ours.get("threads"));
                        ratio.put("mode", ours.get("mode"));
                        ratio.put("ratio", (Double) ours.get("score") / (Double) peer.get("score"));
                        ratio.put("target", c.target());
                        ratios.add(ratio);
                    }
                }
            }
        }
        return ratios;
    }

    private static Map<String, Object> machine() {
        Map<String, Object> machine = new LinkedHashMap<>();
        machine.put("jdk", System.getProperty("java.vm.name") + " " + Runtime.version());
        machine.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version") + " "
                + System.getProperty("os.arch"));
        machine.put("cores", Runtime.getRuntime().availableProcessors());
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    machine.put("cpu", line.substring(line.indexOf(':') + 1).trim());
                    break;
                }
            }
        } catch (IOException | RuntimeException unknown) {
            machine.put("cpu", "unknown");
        }
        return machine;
    }

    private static String markdown(Settings settings, List<Map<String, Object>> rows,
            List<Map<String, Object>> ratios, Map<String, Double> footprint) {
        StringBuilder md = new StringBuilder();
        Map<String, Object> machine = machine();
        md.append("Settings `").append(settings.name()).append("` on ").append(machine.get("cpu")).append(", ")
                .append(machine.get("cores")).append(" cores, ").append(machine.get("jdk")).append(".\n\n");
        md.append("| benchmark | threads | ours | peer | ours ÷ peer | target |\n|---|---|---|---|---|---|\n");
        for (Map<String, Object> r : ratios) {
            boolean time = !"thrpt".equals(r.get("mode"));
            md.append("| ").append(r.get("benchmark")).append(" | ").append(r.get("threads")).append(" | ")
                    .append(r.get("ours")).append(" | ").append(r.get("peer")).append(" | ")
                    .append(String.format(Locale.ROOT, "%.2f%s", (Double) r.get("ratio"), time ? " (time)" : ""))
                    .append(" | ").append(r.get("target")).append(" |\n");
        }
        md.append("\n| benchmark | method | threads | mode | score | error | unit | B/op |\n")
                .append("|---|---|---|---|---|---|---|---|\n");
        for (Map<String, Object> r : rows) {
            if (r.containsKey("failed")) {
                md.append(String.format(Locale.ROOT, "| %s | %s | %s | FAILED: %s |  |  |  |  |%n", r.get("benchmark"),
                        r.get("method"), r.get("threads"), r.get("failed")));
                continue;
            }
            Object alloc = r.get("allocBytesPerOp");
            String mode = String.valueOf(r.get("mode"));
            if (r.containsKey("p50")) {
                mode += String.format(Locale.ROOT, " (p50 %.1f, p99 %.1f)", (Double) r.get("p50"),
                        (Double) r.get("p99"));
            }
            md.append(String.format(Locale.ROOT, "| %s | %s | %s | %s | %.3f | %.3f | %s | %s |%n",
                    r.get("benchmark"), r.get("method"), r.get("threads"), mode, (Double) r.get("score"),
                    (Double) r.get("error"), r.get("unit"),
                    alloc == null ? "" : String.format(Locale.ROOT, "%.1f", (Double) alloc)));
        }
        if (!footprint.isEmpty()) {
            md.append("\n| structure (100 000 entries) | bytes per entry |\n|---|---|\n");
            footprint.forEach((name, bytes) -> md.append(String.format(Locale.ROOT, "| %s | %.1f |%n", name,
                    bytes)));
        }
        return md.toString();
    }
}
