package dev.tollgate.apikey;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * API keys from a keys file, re-read when the file changes, so keys rotate without a restart.
 *
 * <p>Format (UTF-8, one key per line; blank lines and lines starting with {@code #} are ignored):
 * <pre>
 * # client_id   sha256 of the key (64 hex)                         optional attributes
 * reporting     9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08  methods=GET,HEAD,OPTIONS paths=/api/reports
 * partner-acme  60303ae22b998861bce3b28f33eec1be758a213c86c93c076dbe9f558c11c752  expires=2027-01-31T00:00:00Z plan=gold
 * </pre>
 * Attributes: {@code expires} (ISO-8601 instant), {@code methods} (comma-separated),
 * {@code paths} (comma-separated prefixes), {@code plan} (a rate-limit plan name).
 *
 * <p>A background daemon thread ({@code tollgate-apikeys-reload}) compares the file's modification
 * time, size and identity every {@code reloadInterval}, so the request path never touches the
 * disk. A changed file that does not parse (or names a rate-limit plan that a rate-limit filter
 * does not define) keeps the previous keys and logs an ERROR with the line and the problem (never
 * a key or a hash). {@link #close()} stops the thread.
 */
public final class FileApiKeyStore implements ApiKeyStore, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(FileApiKeyStore.class);

    private final Path file;
    private final ScheduledExecutorService reloader;
    private volatile KeyTable keys;
    private volatile Object stamp;
    /** The reload thread, once the executor has made it. */
    private volatile Thread reloadThread;
    private volatile Consumer<Map<String, String>> reloadCheck;

    private FileApiKeyStore(Path file, KeyTable keys, Object stamp, Duration reloadInterval) {
        this.file = file;
        this.keys = keys;
        this.stamp = stamp;
        if (reloadInterval.isZero()) {
            this.reloader = null;
        } else {
            this.reloader = Executors.newSingleThreadScheduledExecutor(runnable -> {
                Thread thread = new Thread(runnable, "tollgate-apikeys-reload");
                thread.setDaemon(true);
                reloadThread = thread;
                return thread;
            });
            long millis = Math.max(1, reloadInterval.toMillis());
            reloader.scheduleWithFixedDelay(this::reloadIfChanged, millis, millis, TimeUnit.MILLISECONDS);
        }
    }

    /**
     * Reads {@code file} now (any problem is an {@link IllegalArgumentException} naming the file,
     * the line and the rule) and re-reads it every {@code reloadInterval} when it has changed;
     * {@link Duration#ZERO} never re-reads.
     */
    public static FileApiKeyStore open(Path file, Duration reloadInterval) {
        Objects.requireNonNull(file, "file");
        if (reloadInterval.isNegative()) {
            throw new IllegalArgumentException("reload interval must not be negative");
        }
        Object stamp = stampOf(file);
        return new FileApiKeyStore(file, read(file), stamp, reloadInterval);
    }

    private static KeyTable read(Path file) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalArgumentException(file + ": cannot be read (" + e.getClass().getSimpleName() + ")", null);
        }
        return KeyTable.of(KeysParser.parseFile(file.toString(), lines));
    }

    private static Object stampOf(Path file) {
        try {
            BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
            return List.of(attributes.lastModifiedTime(), attributes.size(), String.valueOf(attributes.fileKey()));
        } catch (IOException e) {
            throw new IllegalArgumentException(file + ": cannot be read (" + e.getClass().getSimpleName() + ")", null);
        }
    }

    /** Re-reads the file if it changed since the last read; a broken file keeps the keys. */
    void reloadIfChanged() {
        try {
            Object current = stampOf(file);
            if (current.equals(stamp)) {
                return;
            }
            stamp = current;
            KeyTable fresh = read(file);
            Consumer<Map<String, String>> check = reloadCheck;
            if (check != null) {
                check.accept(fresh.plansByClient());
            }
            keys = fresh;
            LOG.info("Reloaded {} API keys from {}", fresh.size(), file);
        } catch (IllegalArgumentException e) {
            LOG.error("Keys file not reloaded, keeping the previous {} keys: {}", keys.size(), e.getMessage());
        } catch (RuntimeException e) {
            LOG.error("Keys file not reloaded, keeping the previous {} keys", keys.size(), e);
        }
    }

    @Override
    public ApiKeyEntry find(byte[] sha256) {
        return keys.find(sha256);
    }

    @Override
    public int size() {
        return keys.size();
    }

    @Override
    public java.util.Set<String> plans() {
        return keys.plans();
    }

    @Override
    public Map<String, String> plansByClient() {
        return keys.plansByClient();
    }

    /**
     * Runs {@code check} on the plans (by client id) of each changed file before its keys replace
     * the current ones; an {@link IllegalArgumentException} refuses the file like a parse error.
     */
    void checkReloads(Consumer<Map<String, String>> check) {
        this.reloadCheck = check;
    }

    public Path file() {
        return file;
    }

    /**
     * Stops the reload thread and waits (up to 2 s) until it has ended, so that a container that
     * checks for threads left behind right after the application stops finds none.
     */
    @Override
    public void close() {
        if (reloader == null) {
            return;
        }
        reloader.shutdownNow();
        Thread thread = reloadThread;
        if (thread != null && thread != Thread.currentThread()) {
            try {
                thread.join(2000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
