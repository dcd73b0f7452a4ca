package dev.stackquery;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.junit.jupiter.api.Test;

class DeadlinesTest {

    private final FakeTime time = new FakeTime();
    private final Deadlines deadlines = new Deadlines(time.clock(), time, Duration.ofMillis(250));

    @Test
    void aFutureStillRunningAtItsDeadlineFailsWithTheGivenErrorAndNotBefore() {
        CompletableFuture<String> slow = new CompletableFuture<>();
        deadlines.watch(slow, () -> new TimeoutException("slow call"));

        time.advance(Duration.ofMillis(249));
        assertThat(slow).isNotDone();
        time.advance(Duration.ofMillis(1));
        assertThat(slow).isCompletedExceptionally();
        assertThat(slow.handle((v, e) -> e).join()).isInstanceOf(TimeoutException.class).hasMessage("slow call");
    }

    @Test
    void aFutureThatFinishesInTimeKeepsItsResultAndLeavesNoTimerBehind() {
        CompletableFuture<String> quick = new CompletableFuture<>();
        deadlines.watch(quick, () -> new TimeoutException("quick call"));
        quick.complete("done");

        time.advance(Duration.ofSeconds(1));
        assertThat(quick.join()).isEqualTo("done");
        assertThat(time.pending()).as("queue empty: no timer re-armed").isZero();
    }

    @Test
    void oneTimerServesManyCallsAndEachFailsAtItsOwnDeadline() {
        CompletableFuture<String> first = new CompletableFuture<>();
        deadlines.watch(first, TimeoutException::new);
        time.advance(Duration.ofMillis(100));
        CompletableFuture<String> second = new CompletableFuture<>();
        CompletableFuture<String> answered = new CompletableFuture<>();
        deadlines.watch(second, TimeoutException::new);
        deadlines.watch(answered, TimeoutException::new);
        assertThat(time.pending()).as("one timer for three calls").isEqualTo(1);

        time.advance(Duration.ofMillis(150));
        assertThat(first).isCompletedExceptionally();
        assertThat(second).as("its deadline is 100 ms later").isNotDone();
        answered.complete("ok");

        time.advance(Duration.ofMillis(99));
        assertThat(second).isNotDone();
        time.advance(Duration.ofMillis(1));
        assertThat(second).isCompletedExceptionally();
        assertThat(answered.join()).isEqualTo("ok");
        assertThat(time.pending()).isZero();
    }

    @Test
    void aTimeoutErrorThatCannotBeMadeDoesNotStopLaterTimeouts() {
        CompletableFuture<String> first = new CompletableFuture<>();
        deadlines.watch(first, () -> {
            throw new IllegalStateException("no error today");
        });
        try {
            time.advance(Duration.ofMillis(250));
        } catch (IllegalStateException expected) {
            // the scheduler saw the sweep fail
        }
        CompletableFuture<String> second = new CompletableFuture<>();
        deadlines.watch(second, TimeoutException::new);
        time.advance(Duration.ofMillis(250));
        assertThat(second).as("the sweep re-armed after the failure").isCompletedExceptionally();
    }

    @Test
    void watchesRacingASweepAreNeverLeftWithoutATimer() throws Exception {
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
        ExecutorService callers = Executors.newFixedThreadPool(4);
        try {
            Deadlines real = new Deadlines(java.time.Clock.systemUTC(), QueryScheduler.of(timer),
                    Duration.ofMillis(2));
            for (int round = 0; round < 50; round++) {
                List<CompletableFuture<String>> hanging = new ArrayList<>();
                CountDownLatch go = new CountDownLatch(1);
                List<CompletableFuture<Void>> done = new ArrayList<>();
                for (int t = 0; t < 4; t++) {
                    List<CompletableFuture<String>> mine = new ArrayList<>();
                    for (int i = 0; i < 25; i++) {
                        mine.add(new CompletableFuture<>());
                    }
                    hanging.addAll(mine);
                    done.add(CompletableFuture.runAsync(() -> {
                        awaitQuietly(go);
                        for (CompletableFuture<String> future : mine) {
                            real.watch(future, TimeoutException::new);
                            Thread.onSpinWait();
                        }
                    }, callers));
                }
                go.countDown();
                CompletableFuture.allOf(done.toArray(CompletableFuture[]::new)).get(10, TimeUnit.SECONDS);
                for (CompletableFuture<String> future : hanging) {
                    // Each one times out: none was appended while no sweep was armed.
                    assertThat(future.handle((v, e) -> e).get(10, TimeUnit.SECONDS))
                            .isInstanceOf(TimeoutException.class);
                }
            }
        } finally {
            callers.shutdownNow();
            timer.shutdownNow();
        }
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
