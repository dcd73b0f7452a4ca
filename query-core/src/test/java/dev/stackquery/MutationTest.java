package dev.stackquery;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class MutationTest {

    record Todo(int id, String title) {
    }

    private final FakeTime time = new FakeTime();
    private final FakeTime.Recorder events = new FakeTime.Recorder();
    private final QueryClient client = QueryClient.builder().clock(time.clock()).scheduler(time)
            .executor(Runnable::run).listener(events).build();
    private final QueryKey todos = QueryKey.of("todos");

    @AfterEach
    void close() {
        client.close();
    }

    @Test
    void callbacksRunInOrderWithTheContextFromOnMutate() {
        List<String> order = new ArrayList<>();
        Mutation<String, Integer, String> mutation = client.mutation(MutationOptions.<String, Integer, String>builder(
                v -> {
                    order.add("function " + v);
                    return v.length();
                })
                .onMutate(v -> {
                    order.add("onMutate " + v);
                    return "ctx";
                })
                .onSuccess((data, v, ctx) -> order.add("onSuccess " + data + " " + v + " " + ctx))
                .onError((e, v, ctx) -> order.add("onError"))
                .onSettled((data, e, v, ctx) -> order.add("onSettled " + data + " " + e + " " + ctx))
                .build());
        assertThat(mutation.getState().status()).isEqualTo(MutationStatus.IDLE);
        assertThat(mutation.mutate("abc").join()).isEqualTo(3);
        assertThat(order).containsExactly("onMutate abc", "function abc", "onSuccess 3 abc ctx",
                "onSettled 3 null ctx");
        MutationState<String, Integer> state = mutation.getState();
        assertThat(state.status()).isEqualTo(MutationStatus.SUCCESS);
        assertThat(state.data()).isEqualTo(3);
        assertThat(state.variables()).isEqualTo("abc");
        assertThat(state.submittedAt()).isEqualTo(java.time.Instant.ofEpochMilli(time.millis()));
    }

    @Test
    void anOptimisticUpdateIsRolledBackWhenTheWriteFails() {
        client.setQueryData(todos, List.of(new Todo(1, "write tests")));
        List<List<Todo>> seenDuringWrite = new ArrayList<>();
        Mutation<Todo, Todo, List<Todo>> add = client.mutation(MutationOptions.<Todo, Todo, List<Todo>>builder(
                todo -> {
                    seenDuringWrite.add(client.<List<Todo>>getQueryData(todos).orElseThrow());
                    throw new IllegalStateException("server said no");
                })
                .onMutate(todo -> {
                    List<Todo> previous = client.<List<Todo>>getQueryData(todos).orElse(List.of());
                    List<Todo> next = new ArrayList<>(previous);
                    next.add(todo);
                    client.setQueryData(todos, List.copyOf(next));
                    return previous;
                })
                .onError((error, todo, previous) -> client.setQueryData(todos, previous))
                .build());

        CompletableFuture<Todo> result = add.mutate(new Todo(2, "ship it"));
        assertThat(seenDuringWrite).singleElement().asList().hasSize(2);
        assertThat(result).failsWithin(Duration.ZERO).withThrowableOfType(Exception.class)
                .havingCause().withMessage("server said no");
        assertThat(client.<List<Todo>>getQueryData(todos)).contains(List.of(new Todo(1, "write tests")));
        assertThat(add.getState().status()).isEqualTo(MutationStatus.ERROR);
        assertThat(add.getState().error()).hasMessage("server said no");
    }

    @Test
    void retryIsZeroByDefaultAndUsesTheBackoffWhenSet() {
        AtomicInteger calls = new AtomicInteger();
        MutationFunction<String, String> flaky = v -> {
            if (calls.incrementAndGet() < 3) {
                throw new IllegalStateException("flaky " + calls.get());
            }
            return "saved";
        };
        CompletableFuture<String> once = client.mutation(MutationOptions.<String, String, Void>builder(flaky).build())
                .mutate("x");
        assertThat(once).isCompletedExceptionally();
        assertThat(calls).hasValue(1);

        calls.set(0);
        Mutation<String, String, Void> retrying = client.mutation(MutationOptions.<String, String, Void>builder(flaky)
                .retry(2).retryDelay(RetryDelay.fixed(Duration.ofSeconds(1))).build());
        CompletableFuture<String> result = retrying.mutate("x");
        assertThat(result).isNotDone();
        assertThat(retrying.getState().failureCount()).isEqualTo(1);
        time.advance(Duration.ofSeconds(1));
        assertThat(calls).hasValue(2);
        time.advance(Duration.ofSeconds(1));
        assertThat(result).isCompletedWithValue("saved");
    }

    @Test
    void aThrowingOnMutateFailsTheMutationWithoutRunningTheFunction() {
        AtomicInteger calls = new AtomicInteger();
        List<Throwable> errors = new ArrayList<>();
        CompletableFuture<String> result = client.mutation(MutationOptions.<String, String, String>builder(v -> {
            calls.incrementAndGet();
            return v;
        }).onMutate(v -> {
            throw new IllegalArgumentException("bad input " + v);
        }).onError((e, v, ctx) -> errors.add(e)).build()).mutate("x");
        assertThat(result).isCompletedExceptionally();
        assertThat(calls).hasValue(0);
        assertThat(errors).singleElement().satisfies(e -> assertThat(e).hasMessage("bad input x"));
    }

    @Test
    void aThrowingOnSuccessIsIsolatedAndReported() {
        CompletableFuture<String> result = client.mutation(MutationOptions.<String, String, Void>builder(v -> v)
                .onSuccess((d, v, c) -> {
                    throw new IllegalStateException("callback bug");
                }).build()).mutate("fine");
        assertThat(result).isCompletedWithValue("fine");
        assertThat(events.of(QueryCacheEvent.ListenerFailed.class)).singleElement()
                .satisfies(e -> assertThat(e.source()).isEqualTo("mutation onSuccess"));
    }

    @Test
    void invalidatesMarksTheQueriesStaleOnSuccessOnly() {
        client.setQueryData(todos, List.of());
        client.setQueryData(QueryKey.of("todos", 1), new Todo(1, "a"));
        client.setQueryData(QueryKey.of("users"), "u");
        Mutation<String, String, Void> ok = client.mutation(MutationOptions.<String, String, Void>builder(v -> v)
                .invalidates(QueryFilter.prefix("todos")).build());
        Mutation<String, String, Void> failing = client.mutation(MutationOptions.<String, String, Void>builder(v -> {
            throw new IllegalStateException("no");
        }).invalidates(QueryFilter.all()).build());

        failing.mutate("x");
        assertThat(client.findAll(QueryFilter.where(s -> s.state().invalidated()))).isEmpty();
        ok.mutate("x").join();
        assertThat(client.findAll(QueryFilter.where(s -> s.state().invalidated()))).extracting(QuerySnapshot::key)
                .containsExactlyInAnyOrder(todos, QueryKey.of("todos", 1));
    }

    @Test
    void theMutateFutureWaitsForTheRefetchOfObservedQueriesItInvalidates() {
        List<CompletableFuture<String>> pending = new ArrayList<>();
        client.watch(QueryOptions.async(todos, ctx -> {
            CompletableFuture<String> f = new CompletableFuture<>();
            pending.add(f);
            return f;
        }).build()).subscribe(r -> { });
        pending.get(0).complete("v1");
        CompletableFuture<String> result = client.mutation(MutationOptions.<String, String, Void>builder(v -> v)
                .invalidates(QueryFilter.exact(todos)).build()).mutate("x");
        assertThat(pending).hasSize(2);
        assertThat(result).isNotDone();
        pending.get(1).complete("v2");
        assertThat(result).isCompletedWithValue("x");
    }

    @Test
    void asyncFunctionsAndResetWork() {
        CompletableFuture<String> server = new CompletableFuture<>();
        Mutation<String, String, Void> mutation = client.mutation(MutationOptions.<String, String, Void>async(
                v -> server).build());
        CompletableFuture<String> result = mutation.mutate("x");
        assertThat(mutation.getState().isPending()).isTrue();
        server.complete("done");
        assertThat(result).isCompletedWithValue("done");
        mutation.reset();
        assertThat(mutation.getState().status()).isEqualTo(MutationStatus.IDLE);
    }
}
