package dev.stackquery.benchmarks;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

import org.openjdk.jmh.profile.GCProfiler;
import org.openjdk.jmh.profile.Profiler;
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
 * <p>Usage: {@code java -jar benchmarks/target/benchmarks.jar [quick|full] [regex] [output dir] [merge]}. With
 * {@code merge}, the rows of an existing {@code latest.json} in the output directory that this run did not measure
 * (same benchmark, method and thread count) are kept, each still marked with its run and the settings (and, if not
 * this one, the machine) it ran with; ratios pair rows of one run only.
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
            new Comparison("BulkOperationsBenchmark", "stackquery_setQueryData", "concurrentHashMap_put", ""),
            new Comparison("RedisBenchmark", "stackquery_l2HitOnColdL1", "lettuce_rawGet", "time <= 1.3x"),
            new Comparison("RedisBenchmark", "stackquery_l2HitOnColdL1", "lettuce_rawMget", ""),
            new Comparison("PropagationBenchmark", "stackquery_writeSeen", "lettuce_publishUntilReceived", ""),
            new Comparison("PrefixDeleteBenchmark", "stackquery_deleteByPrefix", "redis_scanMatchUnlink", ""),
            new Comparison("AnnotationBenchmark", "stackquery_cachedQuery", "springCache_cacheable", ">= 1.0x"),
            new Comparison("AnnotationBenchmark", "stackquery_cachedQuery", "stackquery_fetchQuery", ""),
            new Comparison("AnnotationBenchmark", "stackquery_cachedQuery", "jetcache_twoLevelGet", ""),
            new Comparison("AnnotationBenchmark", "stackquery_fetchQuery", "jetcache_twoLevelGet", ""),
            new Comparison("MillionQueriesBenchmark", "stackquery_readWrite90_10", "caffeine_readWrite90_10", ""),
            new Comparison("MillionQueriesBenchmark", "stackquery_readDuringEviction", "caffeine_readDuringEviction",
                    ""),
            new Comparison("MillionQueriesBenchmark", "stackquery_readDuringGc", "caffeine_readDuringExpiry", ""));

    /**
     * Sampled benchmarks whose operations give up after a bound: samples of at least that long are reported as
     * {@code lost} (the operation gave up).
     */
    private static final Map<String, Duration> GIVES_UP_AFTER = Map.of(
            "PropagationBenchmark.stackquery_writeSeen", PropagationBenchmark.LOST_AFTER,
            "PropagationBenchmark.stackquery_writeSeenBackToBack", PropagationBenchmark.LOST_AFTER);

    /** Names of the secondary results that are figures of a benchmark's own, shown beside its score. */
    static final String FIGURE = "figure.";

    /** Profilers that add such figures to a benchmark's rows. */
    private static final Map<String, Class<? extends Profiler>> FIGURES = Map.of(
            MillionQueriesBenchmark.class.getSimpleName(), MillionFigures.class);

    /** When this run started: every row names its run, and ratios pair rows of one run only. */
    private static final String RUN = Instant.now().toString();

    /** Benchmarks and the thread counts each runs with. */
    private static final Map<String, int[]> PLAN = new LinkedHashMap<>();

    static {
        PLAN.put(HitPathBenchmark.class.getSimpleName(), new int[] {1, 2});
        PLAN.put(MissPathBenchmark.class.getSimpleName(), new int[] {1, 2});
        PLAN.put(SingleFlightBenchmark.class.getSimpleName(), new int[] {1, 2});
        PLAN.put(BulkOperationsBenchmark.class.getSimpleName(), new int[] {1, 2});
        PLAN.put(RedisBenchmark.class.getSimpleName(), new int[] {1});
        PLAN.put(PropagationBenchmark.class.getSimpleName(), new int[] {1});
        PLAN.put(PrefixDeleteBenchmark.class.getSimpleName(), new int[] {1});
        PLAN.put(GcBenchmark.class.getSimpleName(), new int[] {1});
        PLAN.put(PrefixIndexBenchmark.class.getSimpleName(), new int[] {1});
        PLAN.put(AnnotationBenchmark.class.getSimpleName(), new int[] {1, 2});
        PLAN.put(MillionQueriesBenchmark.class.getSimpleName(), new int[] {1, 2});
    }

    private Suite() {
    }

    public static void main(String[] args) throws Exception {
        String mode = args.length > 0 ? args[0] : "full";
        if ((!mode.equals("quick") && !mode.equals("full")) || (args.length > 3 && !args[3].equals("merge"))
                || args.length > 4) {
            System.err.println("usage: java -jar benchmarks.jar [quick|full] [regex on Class.method] [output dir]"
                    + " [merge]");
            System.exit(2);
        }
        Settings settings = mode.equals("quick") ? Settings.QUICK : Settings.FULL;
        String filter = args.length > 1 ? args[1] : ".*";
        Path out = Path.of(args.length > 2 ? args[2] : "benchmarks/results");
        boolean merge = args.length > 3 && args[3].equals("merge");
        List<Map<String, Object>> rows = run(settings, filter, out, true, merge);
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
        return run(settings, filter, out, memory, false);
    }

    /**
     * Runs the benchmarks whose {@code Class.method} matches {@code filter} and writes the reports into {@code out};
     * with {@code merge}, rows of the previous {@code latest.json} there that this run did not measure are kept.
     *
     * @return the rows this run measured
     */
    public static List<Map<String, Object>> run(Settings settings, String filter, Path out, boolean memory,
            boolean merge) throws RunnerException, IOException {
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
                if (FIGURES.containsKey(planned.getKey())) {
                    options.addProfiler(FIGURES.get(planned.getKey()));
                }
                try {
                    Collection<RunResult> results = new Runner(options.build()).run();
                    for (RunResult result : results) {
                        rows.add(row(result, threads, settings));
                    }
                } catch (RunnerException failed) {
                    // One broken benchmark must not throw away the others' results: it is reported as failed.
                    for (String method : selected) {
                        Map<String, Object> row = new LinkedHashMap<>();
                        row.put("benchmark", planned.getKey());
                        row.put("method", method);
                        row.put("threads", threads);
                        row.put("settings", settings.name());
                        row.put("run", RUN);
                        row.put("failed", String.valueOf(failed.getCause() != null ? failed.getCause() : failed));
                        rows.add(row);
                    }
                }
            }
        }
        Map<String, Object> footprint = memory ? new LinkedHashMap<>(MemoryFootprint.measure(Workload.KEYS))
                : new LinkedHashMap<>();
        List<Map<String, Object>> written = rows;
        if (merge) {
            written = merged(rows, footprint, out.resolve("latest.json"));
        }
        write(written, footprint, out);
        return rows;
    }

    /**
     * {@code rows} with the rows of {@code previous} (a {@code latest.json}) that they do not replace, in plan order;
     * fills {@code footprint} from {@code previous} when this run measured none.
     */
    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> merged(List<Map<String, Object>> rows, Map<String, Object> footprint,
            Path previous) throws IOException {
        if (!Files.exists(previous)) {
            return rows;
        }
        Map<String, Object> old = JsonMapper.builder().build().readValue(Files.readString(previous), Map.class);
        List<Map<String, Object>> all = new ArrayList<>(rows);
        Object oldSettings = old.getOrDefault("settings", "unknown");
        Object oldCpu = old.get("machine") instanceof Map<?, ?> oldMachine ? oldMachine.get("cpu") : null;
        boolean otherMachine = oldCpu != null && !oldCpu.equals(machine().get("cpu"));
        for (Map<String, Object> row : (List<Map<String, Object>>) old.getOrDefault("results", List.of())) {
            boolean replaced = rows.stream().anyMatch(r -> r.get("benchmark").equals(row.get("benchmark"))
                    && r.get("method").equals(row.get("method"))
                    && ((Number) r.get("threads")).intValue() == ((Number) row.get("threads")).intValue());
            if (!replaced) {
                row.putIfAbsent("settings", oldSettings);
                if (otherMachine && !String.valueOf(row.get("settings")).contains(" on ")) {
                    row.put("settings", row.get("settings") + " on " + oldCpu); // rows of another machine say so
                }
                row.putIfAbsent("run", old.getOrDefault("finishedAt", "unknown"));
                all.add(row);
            }
        }
        List<String> order = new ArrayList<>(PLAN.keySet());
        all.sort(Comparator.<Map<String, Object>>comparingInt(r -> {
            int index = order.indexOf(String.valueOf(r.get("benchmark")));
            return index < 0 ? order.size() : index;
        }).thenComparingInt(r -> ((Number) r.get("threads")).intValue()));
        if (footprint.isEmpty() && old.get("memoryBytesPerEntry") instanceof Map<?, ?> oldFootprint) {
            footprint.putAll((Map<String, Object>) oldFootprint);
        }
        return all;
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

    private static Map<String, Object> row(RunResult result, int threads, Settings settings) {
        String label = result.getParams().getBenchmark();
        String method = label.substring(label.lastIndexOf('.') + 1);
        String benchmark = label.substring(0, label.lastIndexOf('.'));
        benchmark = benchmark.substring(benchmark.lastIndexOf('.') + 1);
        Result<?> primary = result.getPrimaryResult();
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("benchmark", benchmark);
        row.put("method", method);
        row.put("threads", threads);
        row.put("settings", settings.name());
        row.put("run", RUN);
        row.put("mode", result.getParams().getMode().shortLabel());
        row.put("score", primary.getScore());
        row.put("error", Double.isNaN(primary.getScoreError()) ? 0.0 : primary.getScoreError());
        row.put("unit", primary.getScoreUnit());
        Result<?> alloc = result.getSecondaryResults().get("gc.alloc.rate.norm");
        row.put("allocBytesPerOp", alloc == null ? null : alloc.getScore());
        Map<String, Object> figures = new LinkedHashMap<>();
        result.getSecondaryResults().forEach((name, figure) -> {
            if (name.startsWith(FIGURE)) {
                figures.put(name.substring(FIGURE.length()), Map.of("value", figure.getScore(),
                        "unit", figure.getScoreUnit()));
            }
        });
        if (!figures.isEmpty()) {
            row.put("figures", figures);
        }
        if (result.getParams().getMode() == org.openjdk.jmh.annotations.Mode.SampleTime) {
            var statistics = primary.getStatistics();
            row.put("p50", statistics.getPercentile(50));
            row.put("p99", statistics.getPercentile(99));
            row.put("samples", statistics.getN());
            Duration bound = GIVES_UP_AFTER.get(benchmark + "." + method);
            if (bound != null) {
                // In the row's unit; an operation that gave up lasted at least the bound.
                double limit = bound.toNanos() / nanosPer(primary.getScoreUnit());
                long lost = 0;
                for (var values = statistics.getRawData(); values.hasNext(); ) {
                    Map.Entry<Double, Long> value = values.next();
                    if (value.getKey() >= limit) {
                        lost += value.getValue();
                    }
                }
                row.put("lost", lost);
                row.put("lostAfterMillis", bound.toMillis());
            }
        }
        return row;
    }

    /** Nanoseconds in one unit of a JMH time score such as {@code us/op}. */
    private static double nanosPer(String unit) {
        String time = unit.substring(0, unit.indexOf('/') < 0 ? unit.length() : unit.indexOf('/'));
        return switch (time) {
            case "ns" -> 1;
            case "us" -> 1e3;
            case "ms" -> 1e6;
            case "s" -> 1e9;
            case "min" -> 60e9;
            default -> throw new IllegalArgumentException("not a time unit: " + unit);
        };
    }

    private static void write(List<Map<String, Object>> rows, Map<String, Object> footprint, Path out)
            throws IOException {
        Files.createDirectories(out);
        List<Map<String, Object>> ratios = ratios(rows);
        Map<String, Object> document = new LinkedHashMap<>();
        document.put("settings", settingsOf(rows));
        document.put("finishedAt", Instant.now().toString());
        document.put("machine", machine());
        document.put("results", rows);
        document.put("ratios", ratios);
        document.put("memoryBytesPerEntry", footprint);
        JsonMapper json = JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();
        Files.writeString(out.resolve("latest.json"), json.writeValueAsString(document), StandardCharsets.UTF_8);
        Files.writeString(out.resolve("latest.md"), markdown(rows, ratios, footprint), StandardCharsets.UTF_8);
    }

    /** Two decimals, or two significant digits below 0.1 (a prefix delete is thousands of times faster). */
    private static String ratio(double ratio) {
        return ratio >= 0.1 || ratio == 0 || !Double.isFinite(ratio) ? String.format(Locale.ROOT, "%.2f", ratio)
                : new java.math.BigDecimal(ratio).round(new java.math.MathContext(2)).toPlainString();
    }

    /** The one settings name all rows ran with, or {@code mixed}. */
    private static String settingsOf(List<Map<String, Object>> rows) {
        List<Object> names = rows.stream().map(r -> r.get("settings")).distinct().toList();
        return names.size() == 1 ? String.valueOf(names.get(0)) : "mixed";
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
                            && ((Number) ours.get("threads")).intValue() == ((Number) peer.get("threads")).intValue()
                            && String.valueOf(ours.get("run")).equals(String.valueOf(peer.get("run")))
                            && !peer.containsKey("failed")) {
                        Map<String, Object> ratio = new LinkedHashMap<>();
                        ratio.put("benchmark", c.benchmark());
                        ratio.put("ours", c.ours());
                        ratio.put("peer", c.peer());
                        ratio.put("threads", ours.get("threads"));
                        ratio.put("mode", ours.get("mode"));
                        ratio.put("ratio", ((Number) ours.get("score")).doubleValue()
                                / ((Number) peer.get("score")).doubleValue());
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

    private static String markdown(List<Map<String, Object>> rows, List<Map<String, Object>> ratios,
            Map<String, Object> footprint) {
        StringBuilder md = new StringBuilder();
        Map<String, Object> machine = machine();
        String settings = settingsOf(rows);
        boolean mixed = settings.equals("mixed");
        md.append(mixed ? "Settings per row (merged runs)" : "Settings `" + settings + "`").append(" on ")
                .append(machine.get("cpu")).append(", ").append(machine.get("cores")).append(" cores, ")
                .append(machine.get("jdk")).append(".\n\n");
        md.append("| benchmark | threads | ours | peer | ours ÷ peer | target |\n|---|---|---|---|---|---|\n");
        for (Map<String, Object> r : ratios) {
            boolean time = !"thrpt".equals(r.get("mode"));
            md.append("| ").append(r.get("benchmark")).append(" | ").append(r.get("threads")).append(" | ")
                    .append(r.get("ours")).append(" | ").append(r.get("peer")).append(" | ")
                    .append(ratio(((Number) r.get("ratio")).doubleValue())).append(time ? " (time)" : "")
                    .append(" | ").append(r.get("target")).append(" |\n");
        }
        md.append("\n| benchmark | method | threads | mode | score | error | unit | B/op |")
                .append(mixed ? " settings |\n" : "\n")
                .append("|---|---|---|---|---|---|---|---|").append(mixed ? "---|\n" : "\n");
        for (Map<String, Object> r : rows) {
            String settingsColumn = mixed ? " " + r.get("settings") + " |" : "";
            if (r.containsKey("failed")) {
                md.append(String.format(Locale.ROOT, "| %s | %s | %s | FAILED: %s |  |  |  |  |%s%n",
                        r.get("benchmark"), r.get("method"), r.get("threads"), r.get("failed"), settingsColumn));
                continue;
            }
            Object alloc = r.get("allocBytesPerOp");
            String mode = String.valueOf(r.get("mode"));
            if (r.containsKey("p50")) {
                mode += String.format(Locale.ROOT, " (p50 %.1f, p99 %.1f", ((Number) r.get("p50")).doubleValue(),
                        ((Number) r.get("p99")).doubleValue());
                if (r.containsKey("samples")) {
                    mode += ", n " + r.get("samples");
                }
                if (r.containsKey("lost")) {
                    mode += ", lost " + r.get("lost") + " (> " + r.get("lostAfterMillis") + " ms)";
                }
                mode += ")";
            }
            if (r.get("figures") instanceof Map<?, ?> figures) {
                List<String> shown = new ArrayList<>();
                figures.forEach((name, figure) -> {
                    Map<?, ?> f = (Map<?, ?>) figure;
                    double value = ((Number) f.get("value")).doubleValue();
                    shown.add(name + " " + (value == Math.rint(value) ? String.format(Locale.ROOT, "%.0f", value)
                            : String.format(Locale.ROOT, "%.1f", value)) + ("#".equals(f.get("unit")) ? ""
                            : " " + f.get("unit")));
                });
                mode += " (" + String.join(", ", shown) + ")";
            }
            md.append(String.format(Locale.ROOT, "| %s | %s | %s | %s | %.3f | %.3f | %s | %s |%s%n",
                    r.get("benchmark"), r.get("method"), r.get("threads"), mode,
                    ((Number) r.get("score")).doubleValue(), ((Number) r.get("error")).doubleValue(), r.get("unit"),
                    alloc == null ? "" : String.format(Locale.ROOT, "%.1f", ((Number) alloc).doubleValue()),
                    settingsColumn));
        }
        if (!footprint.isEmpty()) {
            md.append("\n| structure (100 000 entries) | bytes per entry |\n|---|---|\n");
            footprint.forEach((name, bytes) -> md.append(String.format(Locale.ROOT, "| %s | %.1f |%n", name,
                    ((Number) bytes).doubleValue())));
        }
        return md.toString();
    }
}
