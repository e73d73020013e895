package dev.tollgate.apikey;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A store that re-reads its keys on a background daemon thread ({@code tollgate-apikeys-reload})
 * every {@code reloadInterval}, so the request path never waits for a file or a database: the keys
 * file ({@link FileApiKeyStore}) and the keys table ({@link JdbcApiKeyStore}). The filter that
 * opened it hears of each reload ({@link #reportReloads}), may veto one ({@link #checkReloads}),
 * and closes it.
 */
abstract class ReloadingStore implements ApiKeyStore, AutoCloseable {

    /** Hears each read of changed keys: whether they took effect, and when. */
    interface ReloadListener {
        void reloaded(boolean success, long epochMillis);
    }

    private final Duration reloadInterval;
    private ScheduledExecutorService reloader;
    /** The reload thread, once the executor has made it. */
    private volatile Thread reloadThread;
    private volatile Consumer<Map<String, String>> reloadCheck;
    private volatile ReloadListener reloadListener;

    ReloadingStore(Duration reloadInterval) {
        if (reloadInterval.isNegative()) {
            throw new IllegalArgumentException("reload interval must not be negative");
        }
        this.reloadInterval = reloadInterval;
    }

    Duration reloadInterval() {
        return reloadInterval;
    }

    /** Where the keys come from, for the status page: {@code file <path>}, {@code table <name>}. */
    abstract String source();

    /** Re-reads the keys if they changed; runs on the reload thread, and never throws. */
    abstract void reloadIfChanged();

    /** Starts the reload thread, unless the interval is zero or it runs already. */
    synchronized void startReloading() {
        if (reloadInterval.isZero() || reloader != null) {
            return;
        }
        reloader = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "tollgate-apikeys-reload");
            thread.setDaemon(true);
            reloadThread = thread;
            return thread;
        });
        long millis = Math.max(1, reloadInterval.toMillis());
        reloader.scheduleWithFixedDelay(this::reloadIfChanged, millis, millis, TimeUnit.MILLISECONDS);
    }

    /** Tells the listener of a read of changed keys: they took effect, or were refused. */
    final void report(boolean success) {
        ReloadListener listener = reloadListener;
        if (listener != null) {
            listener.reloaded(success, System.currentTimeMillis());
        }
    }

    /** Tells {@code listener} of every read of changed keys (not of the checks that find them unchanged). */
    final void reportReloads(ReloadListener listener) {
        this.reloadListener = listener;
    }

    /**
     * Runs {@code check} on the plans (by client id) of each changed set of keys before they replace
     * the current ones; an {@link IllegalArgumentException} refuses them like a parse error.
     */
    final void checkReloads(Consumer<Map<String, String>> check) {
        this.reloadCheck = check;
    }

    /** Runs the check of {@link #checkReloads}, if any, on {@code plansByClient}. */
    final void checkPlans(Map<String, String> plansByClient) {
        Consumer<Map<String, String>> check = reloadCheck;
        if (check != null) {
            check.accept(plansByClient);
        }
    }

    /**
     * Stops the reload thread and waits (up to 2 s) until it has ended, so that a container that
     * checks for threads left behind right after the application stops finds none; then
     * {@link #closed()}.
     */
    @Override
    public void close() {
        Thread thread;
        synchronized (this) {
            thread = reloadThread;
            if (reloader != null) {
                reloader.shutdownNow();
            }
        }
        if (thread != null && thread != Thread.currentThread()) {
            try {
                thread.join(2000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        closed();
    }

    /** What the store releases once its thread has stopped; nothing by default. */
    void closed() {
    }
}
