package dev.stackquery.spring.boot;

import java.lang.reflect.Method;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.springframework.beans.factory.DisposableBean;

/**
 * The threads that run query functions for the auto-configured client: virtual threads when the application turned
 * them on ({@code spring.threads.virtual.enabled=true}) and the JDK has them, otherwise a bounded pool of platform
 * threads. Deliberately not an {@code Executor} bean: one would make Boot's own task executor back off.
 */
final class FetchThreads implements DisposableBean {

    static final int PLATFORM_THREADS = 64;

    private final ExecutorService executor;
    private final boolean virtual;

    FetchThreads(boolean virtualWanted) {
        ExecutorService chosen = virtualWanted ? virtualThreads() : null;
        this.virtual = chosen != null;
        this.executor = chosen != null ? chosen : platformThreads();
    }

    ExecutorService executor() {
        return executor;
    }

    boolean isVirtual() {
        return virtual;
    }

    @Override
    public void destroy() {
        executor.shutdownNow();
    }

    private static ExecutorService virtualThreads() {
        try {
            Method factory = java.util.concurrent.Executors.class.getMethod("newVirtualThreadPerTaskExecutor");
            return (ExecutorService) factory.invoke(null);
        } catch (ReflectiveOperationException notOnThisJdk) {
            return null;
        }
    }

    private static ExecutorService platformThreads() {
        AtomicInteger count = new AtomicInteger();
        ThreadFactory threads = task -> {
            Thread thread = new Thread(task, "stackquery-fetch-" + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
        ThreadPoolExecutor pool = new ThreadPoolExecutor(PLATFORM_THREADS, PLATFORM_THREADS, 30, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(), threads);
        pool.allowCoreThreadTimeOut(true);
        return pool;
    }
}
