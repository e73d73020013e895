package dev.tollgate.ratelimit.redis;

import io.lettuce.core.resource.ThreadFactoryProvider;
import io.netty.util.concurrent.FastThreadLocalThread;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The threads of one store's Lettuce client: named {@code tollgate-redis-<pool>-<n>}, and kept so
 * that closing the store can wait until each has ended. A container checks for threads left behind
 * right after a web application stops; a thread that is still finishing then reads as a leak.
 */
final class RedisThreads implements ThreadFactoryProvider {

    private final List<Thread> threads = new ArrayList<>();
    private final AtomicInteger count = new AtomicInteger();

    @Override
    public ThreadFactory getThreadFactory(String poolName) {
        return runnable -> {
            Thread thread = new FastThreadLocalThread(runnable, "tollgate-redis-" + poolName + "-" + count.incrementAndGet());
            thread.setDaemon(true);
            synchronized (threads) {
                threads.add(thread);
            }
            return thread;
        };
    }

    /** Waits until every thread made so far has ended, at most until {@code timeout} has passed. */
    void awaitEnded(long timeout, TimeUnit unit) {
        long deadline = System.nanoTime() + unit.toNanos(timeout);
        List<Thread> made;
        synchronized (threads) {
            made = List.copyOf(threads);
        }
        for (Thread thread : made) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return;
            }
            try {
                thread.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
