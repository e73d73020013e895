package dev.tollgate.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/** Runs one decision many times from several threads at once: the round-trip floors' load. */
public final class ConcurrentRuns {

    /** One decision of a store, or of its floor. */
    public interface Decision {
        void run() throws Exception;
    }

    private ConcurrentRuns() {
    }

    /** {@code requests} decisions in all, spread over {@code threads} threads started together. */
    public static void run(int threads, int requests, Decision decision) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                futures.add(pool.submit(() -> {
                    go.await();
                    for (int i = 0; i < requests / threads; i++) {
                        decision.run();
                    }
                    return null;
                }));
            }
            go.countDown();
            for (Future<?> f : futures) {
                f.get();
            }
        } finally {
            pool.shutdown();
        }
    }
}
