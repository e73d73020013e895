package dev.tollgate.apikey;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * API keys from a keys file, re-read when the file changes, so keys rotate without a restart.
 *
 * <p>Format (UTF-8, one key per line, every line ending with a line break; blank lines and lines
 * starting with {@code #} are ignored):
 * <pre>
 * # client_id   sha256 of the key (64 hex)                         optional attributes
 * reporting     9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08  methods=GET,HEAD,OPTIONS paths=/api/reports
 * partner-acme  60303ae22b998861bce3b28f33eec1be758a213c86c93c076dbe9f558c11c752  expires=2027-01-31T00:00:00Z plan=gold
 * </pre>
 * Attributes: {@code expires} (ISO-8601 instant), {@code methods} (comma-separated),
 * {@code paths} (comma-separated prefixes), {@code plan} (a rate-limit plan name).
 *
 * <p>A file that revokes every key says so with the line {@value #NO_KEYS} (exactly that, alone on
 * its line; comments and blank lines may surround it), and holds no keys: with a key line too, it
 * is an error. Any other line that starts with {@code !} is an error, so a typo never passes for
 * it, and a comment ({@code # no keys}) never counts as it. Such a file takes effect like any
 * other: no key of the file is accepted any more (the inline keys, if any, stay), and it is logged
 * at WARN, at startup too, where it opens a store with only the inline keys, or none at all.
 * {@code java -jar tollgate.jar revoke-all <keys-file>} writes it.
 *
 * <p>A background daemon thread ({@code tollgate-apikeys-reload}) compares the file's modification
 * time, size and identity every {@code reloadInterval}, so the request path never touches the
 * disk. A changed file that does not parse, whose last line has no line break (a write in
 * progress or cut short), that holds no keys where it held some without saying {@value #NO_KEYS}
 * (emptied, or caught mid-write), or that names a rate-limit plan that a rate-limit filter does
 * not define, keeps the previous keys and logs an ERROR with the line and the problem (never a
 * key or a hash). Replace the file atomically: write the new file beside it, then rename it over
 * the old one. {@link #close()} stops the thread.
 */
public final class FileApiKeyStore extends ReloadingStore {

    /** The line of a keys file that revokes every key of the file: it then holds no keys. */
    public static final String NO_KEYS = "!no-keys";

    /** The environment variable naming the keys file when no {@code keys-file} init-param does. */
    static final String ENV_KEYS_FILE = "TOLLGATE_KEYS_FILE";
    /** The system property naming the keys file when neither the init-param nor the environment does. */
    static final String PROPERTY_KEYS_FILE = "tollgate.keys-file";

    private static final Logger LOG = LoggerFactory.getLogger(FileApiKeyStore.class);

    private final Path file;
    private final List<ApiKeyEntry> inline;
    private volatile Keys keys;
    private volatile Object stamp;

    /** Where the keys file is (as written: a bad path fails where it is opened), and what named it (for messages): {@code keys-file}, the variable or the property. */
    record Location(String path, String source) {
    }

    /**
     * Finds the keys file: the {@code keys-file} init-param ({@code param}), else the environment
     * variable {@value #ENV_KEYS_FILE}, else the system property {@value #PROPERTY_KEYS_FILE}; blank
     * values count as absent. {@code null} when none names one.
     */
    static Location locate(String param, UnaryOperator<String> environment, UnaryOperator<String> properties) {
        if (param != null && !param.isBlank()) {
            return new Location(param.strip(), "init-param [" + ApiKeyFilter.KEYS_FILE + "]");
        }
        String fromEnvironment = environment.apply(ENV_KEYS_FILE);
        if (fromEnvironment != null && !fromEnvironment.isBlank()) {
            return new Location(fromEnvironment.strip(), "environment variable " + ENV_KEYS_FILE);
        }
        String fromProperty = properties.apply(PROPERTY_KEYS_FILE);
        if (fromProperty != null && !fromProperty.isBlank()) {
            return new Location(fromProperty.strip(), "system property " + PROPERTY_KEYS_FILE);
        }
        return null;
    }

    /** The keys in force, how many of them came from the file, and whether the file said {@value #NO_KEYS}. */
    private record Keys(KeyTable table, int fromFile, boolean revokesAll) {
    }

    private FileApiKeyStore(Path file, List<ApiKeyEntry> inline, Keys keys, Object stamp, Duration reloadInterval) {
        super(reloadInterval);
        this.file = file;
        this.inline = inline;
        this.keys = keys;
        this.stamp = stamp;
    }

    /**
     * Reads {@code file} now (any problem is an {@link IllegalArgumentException} naming the file,
     * the line and the rule) and re-reads it every {@code reloadInterval} when it has changed;
     * {@link Duration#ZERO} never re-reads.
     */
    public static FileApiKeyStore open(Path file, Duration reloadInterval) {
        return open(file, reloadInterval, List.of());
    }

    /**
     * Like {@link #open(Path, Duration)}, with {@code inline} keys (set up in code or in an
     * init-param) used together with the file's. A client id or a key in both is an error, at
     * open and on every reload (which then keeps the previous keys).
     */
    public static FileApiKeyStore open(Path file, Duration reloadInterval, Collection<ApiKeyEntry> inline) {
        FileApiKeyStore store = load(file, reloadInterval, inline);
        store.startReloading();
        return store;
    }

    /** Reads the file now; nothing re-reads it until {@link #startReloading()}. */
    static FileApiKeyStore load(Path file, Duration reloadInterval, Collection<ApiKeyEntry> inline) {
        Objects.requireNonNull(file, "file");
        if (reloadInterval.isNegative()) {
            throw new IllegalArgumentException("reload interval must not be negative");
        }
        List<ApiKeyEntry> fixed = List.copyOf(inline);
        Object stamp = stampOf(file);
        Keys keys = read(file, fixed);
        if (keys.revokesAll()) {
            LOG.warn("Keys file {} says {}: no key of it is accepted; {} inline keys in force", file, NO_KEYS, fixed.size());
        }
        return new FileApiKeyStore(file, fixed, keys, stamp, reloadInterval);
    }

    private static Keys read(Path file, List<ApiKeyEntry> inline) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalArgumentException(file + ": cannot be read (" + e.getClass().getSimpleName() + ")", null);
        }
        List<String> lines = text.lines().toList();
        // A writer that was interrupted, or is still writing, leaves a last line without its line
        // break; that line may parse, but with attributes (expires, methods, paths) cut off.
        if (!text.isEmpty() && !text.endsWith("\n") && !text.endsWith("\r")) {
            throw new IllegalArgumentException(file + ":" + lines.size()
                    + ": the last line has no line break, so the file may be incomplete (write the new file, then rename it)");
        }
        KeysParser.KeysFile parsed = KeysParser.parseFile(file.toString(), lines, inline);
        List<ApiKeyEntry> all = new ArrayList<>(inline);
        all.addAll(parsed.entries());
        return new Keys(KeyTable.of(all), parsed.entries().size(), parsed.revokesAll());
    }

    private static Object stampOf(Path file) {
        try {
            BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
            return List.of(attributes.lastModifiedTime(), attributes.size(), String.valueOf(attributes.fileKey()));
        } catch (IOException e) {
            throw new IllegalArgumentException(file + ": cannot be read (" + e.getClass().getSimpleName() + ")", null);
        }
    }

    /**
     * Re-reads the file if it changed since the last read. A file that does not parse, or that
     * holds no keys where it held some (truncated, or caught mid-write) without saying
     * {@value #NO_KEYS}, keeps the keys. The first read that revokes every key warns.
     */
    @Override
    void reloadIfChanged() {
        Keys previous = keys;
        try {
            Object current = stampOf(file);
            if (current.equals(stamp)) {
                return;
            }
            stamp = current;
            Keys fresh = read(file, inline);
            if (fresh.fromFile() == 0 && !fresh.revokesAll() && previous.fromFile() > 0) {
                throw new IllegalArgumentException(file + ": no keys; a keys file that held keys may not become empty"
                        + " (write the new file, then rename it; to revoke every key, its only entry is " + NO_KEYS + ")");
            }
            checkPlans(fresh.table().plansByClient());
            fresh.table().usedAsBefore(previous.table());
            keys = fresh;
            if (fresh.revokesAll() && !previous.revokesAll()) {
                LOG.warn("Keys file {} says {}: its {} keys are revoked; {} inline keys stay in force",
                        file, NO_KEYS, previous.fromFile(), inline.size());
            } else {
                LOG.info("Reloaded {} API keys from {}{}", fresh.fromFile(), file, fresh.revokesAll() ? " (" + NO_KEYS + ")" : "");
            }
            report(true);
        } catch (IllegalArgumentException e) {
            LOG.error("Keys file not reloaded, keeping the previous {} keys: {}", previous.table().size(), e.getMessage());
            report(false);
        } catch (RuntimeException e) {
            LOG.error("Keys file not reloaded, keeping the previous {} keys", previous.table().size(), e);
            report(false);
        }
    }

    @Override
    public ApiKeyEntry find(byte[] sha256) {
        return keys.table().find(sha256);
    }

    /** The keys now in force. */
    KeyTable table() {
        return keys.table();
    }

    @Override
    public Optional<Collection<ApiKeyEntry>> entries() {
        return keys.table().entries();
    }

    @Override
    String source() {
        return "file " + file;
    }

    @Override
    public int size() {
        return keys.table().size();
    }

    @Override
    public java.util.Set<String> plans() {
        return keys.table().plans();
    }

    @Override
    public Map<String, String> plansByClient() {
        return keys.table().plansByClient();
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
        super.close();
    }
}
