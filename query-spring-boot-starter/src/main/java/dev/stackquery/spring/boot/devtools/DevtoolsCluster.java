package dev.stackquery.spring.boot.devtools;

import static dev.stackquery.spring.boot.actuate.QueryDescriptor.lower;

import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.stackquery.FetchStatus;
import dev.stackquery.QueryClient;
import dev.stackquery.QueryFilter;
import dev.stackquery.QueryKey;
import dev.stackquery.QuerySnapshot;
import dev.stackquery.QueryState;
import dev.stackquery.QueryStatus;
import dev.stackquery.spring.boot.StackQueryProperties.Devtools.Cluster;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;
import org.springframework.context.SmartLifecycle;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * One key's state on every live instance, for the devtools page: the direct view of "does another instance still
 * serve old data?". Each instance with the devtools page on takes part; with the Redis invalidation bus the instances
 * talk over Redis pub/sub, without it the view holds this instance only ({@link Instances#available()} false).
 *
 * <p><b>Protocol.</b> Small JSON objects, each with {@code "v": 1}, a {@code "type"}, the sender's instance id in
 * {@code "from"} and a random number of the sender's process in {@code "n"} (an instance that hears its own id with
 * another {@code n} warns, once, that two instances share an id: they cannot see each other), on two channels under
 * the application's key prefix (so applications with another {@code stackquery.storage.key-prefix} never meet): the
 * shared channel {@code <prefix>devtools}, which every instance subscribes to, and each instance's reply channel
 * {@code <prefix>devtools:<instance id>}.
 * <ul>
 * <li>{@code {"type":"hello"}} on the shared channel when an instance starts: every other instance answers
 * {@code {"type":"here"}} on the newcomer's reply channel, so that it knows them at once.</li>
 * <li>{@code {"type":"here"}} on the shared channel every announce interval (5 s): presence. An instance is live while
 * it was heard from (any message) within three intervals; at most {@value #MAX_INSTANCES} are kept.</li>
 * <li>{@code {"type":"ask","id":"<uuid>","key":"<canonical key>"}} on the shared channel: the question. Keys are at
 * most {@value #MAX_KEY_LENGTH} characters.</li>
 * <li>{@code {"type":"answer","id":"<uuid>","present":true,"status":"SUCCESS","fetchStatus":"IDLE",
 * "dataUpdatedAt":"2026-...Z","stale":false,"invalidated":true,"observers":0}} on the asker's reply channel: the
 * answerer's L1 state of the key ({@code "present":false} and nothing else when it does not hold it). No value is
 * ever sent. {@code stale} is {@link QuerySnapshot#staleByTime()}: whether a caller on that instance, with the options
 * the key was last used with, would refetch (data missing, invalidated, or older than its staleTime); the other
 * judgement, {@link QuerySnapshot#stale()}, calls an unobserved query stale only when invalidated, which would hide
 * data past its staleTime, the very thing the view is asked about.</li>
 * </ul>
 * Messages longer than {@value #MAX_MESSAGE_LENGTH} characters, of another version, or malformed are ignored.
 * {@code dataUpdatedAt} is each instance's own clock.
 *
 * <p><b>Bounds.</b> The asker answers for itself locally, and waits for the others until every instance it knows to
 * be live has answered, or the time-out ({@code stackquery.devtools.cluster.timeout}, 1 s) has passed; known instances
 * that did not answer are listed with {@code answered} false. Knowing of no other instance, it does not ask. At most
 * {@value #MAX_INSTANCES} instances are listed. Questions for one key at one time share one round; at most
 * {@value #MAX_ASKS_IN_FLIGHT} rounds (keys) are in flight per instance, further ones are refused
 * ({@link RejectedExecutionException}, HTTP 429). An instance answers on one thread, with at most
 * {@value #MAX_QUEUED_ANSWERS} questions waiting; more are dropped (the asker shows it as not answering). Each answer
 * is one exact L1 lookup: no L2 call, no fetch.
 *
 * <p><b>Thread safety.</b> Messages arrive on Lettuce's threads, which only parse them and record presence (a
 * concurrent map of last-heard times), hand questions to the answering thread, and add answers to the round they
 * belong to. A round is found by id and by key in two concurrent maps; it is created inside {@code compute} on the key
 * map, so callers of one key join one round, and a semaphore bounds the rounds. A round completes once, whoever
 * completes it (last answer, time-out timer, stop); only that caller removes it and releases its permit. Start and
 * stop are called by the context's lifecycle, one at a time.
 */
final class DevtoolsCluster implements SmartLifecycle {

    /** Instances listed in one view, this one included; also the most kept in the presence table. */
    static final int MAX_INSTANCES = 64;
    /** Longest canonical key asked about. */
    static final int MAX_KEY_LENGTH = 1024;
    /** Rounds (distinct keys) one instance may have in flight. */
    static final int MAX_ASKS_IN_FLIGHT = 8;
    /** Questions waiting for the answering thread. */
    static final int MAX_QUEUED_ANSWERS = 64;
    /** Longest message read. */
    static final int MAX_MESSAGE_LENGTH = 8192;
    /** An instance not heard from for this many announce intervals is no longer live. */
    static final int LIVE_INTERVALS = 3;

    private static final Log LOG = LogFactory.getLog(DevtoolsCluster.class);
    private static final int VERSION = 1;
    private static final JsonMapper JSON = JsonMapper.builder().build();

    /** The view the page shows: {@code available} says whether other instances could be asked at all. */
    record Instances(String key, boolean available, List<Instance> instances) {
    }

    /**
     * One instance's answer; the state fields are absent when it did not answer, and all but {@code present} when it
     * does not hold the key.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Instance(String instance, boolean self, boolean answered, @Nullable Boolean present,
            @Nullable String status, @Nullable String fetchStatus, @Nullable Instant dataUpdatedAt,
            @Nullable Boolean stale, @Nullable Boolean invalidated, @Nullable Integer observers) {

        static Instance silent(String instance) {
            return new Instance(instance, false, false, null, null, null, null, null, null, null);
        }

        static Instance absent(String instance, boolean self) {
            return new Instance(instance, self, true, false, null, null, null, null, null, null);
        }

        static Instance of(String instance, boolean self, QuerySnapshot snapshot) {
            QueryState<?> state = snapshot.state();
            return new Instance(instance, self, true, true, lower(state.status()), lower(state.fetchStatus()),
                    state.dataUpdatedAt(), snapshot.staleByTime(), state.invalidated(), snapshot.observerCount());
        }
    }

    private final QueryClient client;
    private final @Nullable DevtoolsClusterTransport transport;
    private final String channel;
    private final Duration timeout;
    private final Duration announceInterval;
    private final Supplier<String> instanceId;

    private final Map<String, Long> lastHeard = new ConcurrentHashMap<>();
    private final Map<String, Round> roundsById = new ConcurrentHashMap<>();
    private final Map<String, Round> roundsByKey = new ConcurrentHashMap<>();
    private final Semaphore rounds = new Semaphore(MAX_ASKS_IN_FLIGHT);
    private final AtomicLong droppedQuestions = new AtomicLong();

    /** Tells this instance's messages from those of another instance given the same id by mistake. */
    private final String nonce = UUID.randomUUID().toString();
    private final AtomicLong duplicateIds = new AtomicLong();

    private volatile @Nullable String self;
    private volatile boolean running;
    /** Whether the transport delivers messages: false while Redis was away at startup (retried on each announce). */
    private volatile boolean subscribed;
    private volatile @Nullable ScheduledThreadPoolExecutor timers;
    private volatile @Nullable ThreadPoolExecutor answering;

    /**
     * A cluster view over {@code transport} (null: this instance only), on the channels under {@code keyPrefix}.
     * {@code instanceId} is asked once, at start, when the web server's port is known.
     */
    DevtoolsCluster(QueryClient client, @Nullable DevtoolsClusterTransport transport, String keyPrefix,
            Duration timeout, Duration announceInterval, Supplier<String> instanceId) {
        this.client = Objects.requireNonNull(client, "client");
        this.transport = transport;
        this.channel = Objects.requireNonNull(keyPrefix, "keyPrefix") + "devtools";
        this.timeout = Objects.requireNonNull(timeout, "timeout");
        this.announceInterval = Objects.requireNonNull(announceInterval, "announceInterval");
        this.instanceId = Objects.requireNonNull(instanceId, "instanceId");
    }

    /**
     * Reads {@code text} as a key to ask about.
     *
     * @throws IllegalArgumentException with the reason, if it is too long or not a canonical key
     */
    static QueryKey parseKey(String text) {
        if (text.length() > MAX_KEY_LENGTH) {
            throw new IllegalArgumentException("'key' is longer than " + MAX_KEY_LENGTH + " characters ("
                    + text.length() + ")");
        }
        try {
            return QueryKey.parse(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("'key' is not a canonical query key: " + e.getMessage(), e);
        }
    }

    /** Whether other instances can be asked: the application has the Redis invalidation bus. */
    boolean available() {
        return transport != null;
    }

    /** This instance's id. */
    String instanceId() {
        String id = self;
        return id != null ? id : instanceId.get();
    }

    /** The shared channel. */
    String channel() {
        return channel;
    }

    /** The other instances heard from lately, by id. */
    Set<String> liveInstances() {
        long now = System.nanoTime();
        Set<String> live = new TreeSet<>();
        lastHeard.forEach((id, heard) -> {
            if (isLive(heard, now)) {
                live.add(id);
            }
        });
        return live;
    }

    /** Questions dropped because the answering thread was behind. */
    long droppedQuestions() {
        return droppedQuestions.get();
    }

    /**
     * {@code key}'s state on every live instance, this one first, then by id. Completes within the time-out; fails
     * with {@link RejectedExecutionException} when {@value #MAX_ASKS_IN_FLIGHT} other keys are being asked about.
     */
    CompletableFuture<Instances> instances(QueryKey key) {
        Objects.requireNonNull(key, "key");
        if (transport == null || !running || !subscribed) {
            // Without the bus, or not subscribed to it (yet): nobody else can be asked.
            return CompletableFuture.completedFuture(new Instances(key.canonical(), false,
                    List.of(local(instanceId(), true, key))));
        }
        Round[] created = new Round[1];
        Round round = roundsByKey.compute(key.canonical(), (canonical, current) -> {
            if (current != null) {
                return current;
            }
            if (!rounds.tryAcquire()) {
                return null;
            }
            try {
                created[0] = new Round(key, liveInstances());
            } catch (RuntimeException e) {
                rounds.release();
                throw e;
            }
            return created[0];
        });
        if (round == null) {
            return CompletableFuture.failedFuture(new RejectedExecutionException("the devtools are already asking"
                    + " the other instances about " + MAX_ASKS_IN_FLIGHT + " keys; try again in a moment"));
        }
        if (created[0] != null) {
            begin(round);
        }
        return round.done.copy();
    }

    /** Sends a new round's question, unless no other instance is known to answer it. */
    private void begin(Round round) {
        roundsById.put(round.id, round);
        if (round.expected.isEmpty()) {
            round.finish();
            return;
        }
        ScheduledThreadPoolExecutor scheduler = timers;
        try {
            if (scheduler == null) {
                throw new RejectedExecutionException("stopped");
            }
            round.timer = scheduler.schedule(round::finish, timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException stopped) {
            // Stopped since the caller looked: no timer would end the round, so it ends now.
            round.finish();
            return;
        }
        ObjectNode ask = message("ask").put("id", round.id).put("key", round.key.canonical());
        send(channel, ask).whenComplete((sent, error) -> {
            if (error != null) {
                LOG.debug("devtools question about " + round.key.canonical() + " not sent", error);
                round.finish();
            }
        });
    }

    // ---- lifecycle

    @Override
    public void start() {
        self = instanceId.get();
        DevtoolsClusterTransport through = transport;
        if (through == null) {
            running = true;
            return;
        }
        ScheduledThreadPoolExecutor scheduler = new ScheduledThreadPoolExecutor(1,
                daemon("stackquery-devtools-timers"));
        scheduler.setRemoveOnCancelPolicy(true);
        scheduler.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        timers = scheduler;
        ThreadPoolExecutor answerer = new ThreadPoolExecutor(1, 1, 30, TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(MAX_QUEUED_ANSWERS), daemon("stackquery-devtools-answers"),
                (task, pool) -> {
                    if (!pool.isShutdown()) {
                        dropped();
                    }
                });
        answerer.allowCoreThreadTimeOut(true);
        answering = answerer;
        through.start(List.of(channel, replyChannel(instanceId())), this::receive);
        subscribed = through.listening();
        running = true;
        if (subscribed) {
            send(channel, message("hello"));
        }
        long every = announceInterval.toNanos();
        scheduler.scheduleAtFixedRate(this::announce, every, every, TimeUnit.NANOSECONDS);
    }

    @Override
    public void stop() {
        running = false;
        subscribed = false;
        DevtoolsClusterTransport through = transport;
        if (through == null) {
            return;
        }
        through.stop();
        ScheduledThreadPoolExecutor scheduler = timers;
        ThreadPoolExecutor answerer = answering;
        timers = null;
        answering = null;
        if (scheduler != null) {
            scheduler.shutdownNow();
        }
        if (answerer != null) {
            answerer.shutdownNow();
        }
        roundsById.values().forEach(Round::finish);
        lastHeard.clear();
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    // ---- messages

    private void announce() {
        // A periodic task that throws is never run again: nothing may escape.
        try {
            long now = System.nanoTime();
            lastHeard.entrySet().removeIf(entry -> !isLive(entry.getValue(), now));
            DevtoolsClusterTransport through = transport;
            if (!subscribed) {
                // Not announced while deaf: the others would count this instance live and wait for its answer to
                // every question. Once subscribed, "hello" makes the others answer at once.
                if (through == null || !through.retry()) {
                    return;
                }
                subscribed = true;
                send(channel, message("hello"));
                return;
            }
            send(channel, message("here"));
        } catch (RuntimeException e) {
            LOG.debug("devtools announcement failed", e);
        }
    }

    /** A message from the transport, on Lettuce's thread: parse, note the sender, hand the work on. */
    private void receive(String onChannel, String text) {
        if (!running || text.length() > MAX_MESSAGE_LENGTH) {
            return;
        }
        JsonNode message;
        try {
            message = JSON.readTree(text);
        } catch (JacksonException e) {
            LOG.debug("ignored a malformed devtools message on " + onChannel);
            return;
        }
        String sender = message.path("from").asString("");
        if (message.path("v").asInt(0) != VERSION || sender.isBlank()
                || sender.length() > Cluster.MAX_INSTANCE_ID_LENGTH) {
            return;
        }
        if (sender.equals(instanceId())) {
            if (!nonce.equals(message.path("n").asString(nonce)) && duplicateIds.getAndIncrement() == 0) {
                LOG.warn("another instance on " + channel + " also calls itself '" + sender + "': the two do not"
                        + " see each other on the devtools page; give each its own"
                        + " stackquery.devtools.cluster.instance-id");
            }
            return;
        }
        heard(sender);
        switch (message.path("type").asString("")) {
            case "hello" -> answerLater(() -> send(replyChannel(sender), message("here")));
            case "ask" -> {
                String id = message.path("id").asString("");
                String key = message.path("key").asString("");
                if (!id.isEmpty() && !key.isEmpty() && key.length() <= MAX_KEY_LENGTH) {
                    answerLater(() -> answer(sender, id, key));
                }
            }
            case "answer" -> {
                Round round = roundsById.get(message.path("id").asString(""));
                if (round != null) {
                    round.answer(sender, read(sender, message));
                }
            }
            default -> {
                // "here", or a type of a later version: presence only.
            }
        }
    }

    private void answerLater(Runnable task) {
        ThreadPoolExecutor answerer = answering;
        if (answerer != null) {
            try {
                answerer.execute(() -> {
                    try {
                        task.run();
                    } catch (RuntimeException e) {
                        // The client closing under a question, say: the asker shows this instance as silent.
                        LOG.debug("devtools question not answered", e);
                    }
                });
            } catch (RejectedExecutionException stopped) {
                // Stopping: nothing is answered any more.
            }
        }
    }

    private void dropped() {
        if (droppedQuestions.getAndIncrement() == 0) {
            LOG.warn("devtools questions from other instances arrive faster than this instance answers them; the"
                    + " extra ones are dropped, and the askers show this instance as not answering");
        }
    }

    /** Answers {@code asker}'s question {@code id} about {@code canonical}, on the answering thread. */
    private void answer(String asker, String id, String canonical) {
        QueryKey key;
        try {
            key = QueryKey.parse(canonical);
        } catch (IllegalArgumentException e) {
            LOG.debug("ignored a devtools question about a malformed key from " + asker);
            return;
        }
        Instance mine = local(instanceId(), false, key);
        ObjectNode answer = message("answer").put("id", id).put("present", Boolean.TRUE.equals(mine.present()));
        if (Boolean.TRUE.equals(mine.present())) {
            // On the bus as the enums' names; in the page's JSON in lower case, as everywhere else in it.
            answer.put("status", upper(mine.status())).put("fetchStatus", upper(mine.fetchStatus()))
                    .put("dataUpdatedAt", mine.dataUpdatedAt() == null ? null : mine.dataUpdatedAt().toString())
                    .put("stale", mine.stale()).put("invalidated", mine.invalidated())
                    .put("observers", mine.observers());
        }
        send(replyChannel(asker), answer);
    }

    /** An answer as received; fields that are not what this version writes are left out. */
    private static Instance read(String sender, JsonNode answer) {
        if (!answer.path("present").asBoolean(false)) {
            return Instance.absent(sender, false);
        }
        return new Instance(sender, false, true, true,
                known(answer.path("status").asString(""), QueryStatus.class),
                known(answer.path("fetchStatus").asString(""), FetchStatus.class), instant(answer.path(
                        "dataUpdatedAt").asString("")), answer.path("stale").asBoolean(false),
                answer.path("invalidated").asBoolean(false), Math.max(0, answer.path("observers").asInt(0)));
    }

    private static <E extends Enum<E>> @Nullable String known(String name, Class<E> type) {
        try {
            return lower(Enum.valueOf(type, name));
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private static @Nullable String upper(@Nullable String name) {
        return name == null ? null : name.toUpperCase(Locale.ROOT);
    }

    private static @Nullable Instant instant(String text) {
        try {
            return text.isEmpty() ? null : Instant.parse(text);
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    private Instance local(String id, boolean isSelf, QueryKey key) {
        List<QuerySnapshot> found = client.findAll(QueryFilter.exact(key));
        return found.isEmpty() ? Instance.absent(id, isSelf) : Instance.of(id, isSelf, found.get(0));
    }

    private ObjectNode message(String type) {
        return JSON.createObjectNode().put("v", VERSION).put("type", type).put("from", instanceId()).put("n", nonce);
    }

    private CompletableFuture<?> send(String to, ObjectNode message) {
        DevtoolsClusterTransport through = transport;
        if (through == null) {
            return CompletableFuture.completedFuture(null);
        }
        CompletableFuture<?> sent = through.publish(to, message.toString(), timeout);
        sent.whenComplete((ignored, error) -> {
            if (error != null) {
                LOG.debug("devtools message to " + to + " not sent", error);
            }
        });
        return sent;
    }

    private String replyChannel(String instance) {
        return channel + ":" + instance;
    }

    private void heard(String sender) {
        long now = System.nanoTime();
        if (lastHeard.replace(sender, now) != null) {
            return;
        }
        if (lastHeard.size() >= MAX_INSTANCES - 1) {
            lastHeard.entrySet().removeIf(entry -> !isLive(entry.getValue(), now));
            if (lastHeard.size() >= MAX_INSTANCES - 1) {
                return;
            }
        }
        lastHeard.put(sender, now);
    }

    private boolean isLive(long heardNanos, long nowNanos) {
        return nowNanos - heardNanos <= announceInterval.toNanos() * LIVE_INTERVALS;
    }

    private static ThreadFactory daemon(String name) {
        return task -> {
            Thread thread = new Thread(task, name);
            thread.setDaemon(true);
            return thread;
        };
    }

    /** One question about one key: the instances expected to answer, the answers so far, and the view once done. */
    private final class Round {

        final String id = UUID.randomUUID().toString();
        final QueryKey key;
        final Set<String> expected;
        final Instance mine;
        final Map<String, Instance> answers = new ConcurrentHashMap<>();
        final CompletableFuture<Instances> done = new CompletableFuture<>();
        volatile @Nullable ScheduledFuture<?> timer;

        Round(QueryKey key, Set<String> live) {
            this.key = key;
            this.expected = live;
            this.mine = local(instanceId(), true, key);
        }

        void answer(String sender, Instance answer) {
            if (answers.size() < MAX_INSTANCES - 1 || answers.containsKey(sender)) {
                answers.putIfAbsent(sender, answer);
            }
            if (answers.keySet().containsAll(expected)) {
                finish();
            }
        }

        void finish() {
            if (done.isDone()) {
                return;
            }
            Set<String> ids = new TreeSet<>(expected);
            ids.addAll(answers.keySet());
            List<Instance> listed = new ArrayList<>();
            listed.add(mine);
            for (String other : ids) {
                if (listed.size() == MAX_INSTANCES) {
                    break;
                }
                Instance answer = answers.get(other);
                listed.add(answer != null ? answer : Instance.silent(other));
            }
            if (done.complete(new Instances(key.canonical(), true, List.copyOf(listed)))) {
                roundsById.remove(id);
                roundsByKey.remove(key.canonical(), this);
                rounds.release();
                ScheduledFuture<?> pending = timer;
                if (pending != null) {
                    pending.cancel(false);
                }
            }
        }
    }
}
