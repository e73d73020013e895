package dev.tollgate.cli;

import dev.tollgate.apikey.ApiKeys;
import dev.tollgate.apikey.FileApiKeyStore;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Makes and hashes API keys, so nobody writes a hash by hand, and revokes every key of a keys file.
 * <pre>
 * java -jar tollgate.jar generate [client-id]      # a new key: its keys-file and inline lines, its keys-table INSERT
 * java -jar tollgate.jar hash &lt;key&gt;                # the SHA-256 of a key
 * java -jar tollgate.jar hash -                    # the same, reading the key from standard input
 * java -jar tollgate.jar revoke-all &lt;keys-file&gt;    # replaces the keys file with one that says !no-keys
 * java -jar tollgate.jar --help                    # this usage (also -h and help)
 * </pre>
 * {@code revoke-all} writes the new file beside the old one (same permissions, and owner and group
 * where it may set them), then renames it over the old one, so the key filter reads the old file
 * or the new one, never half of one; through a symbolic link it replaces the file the link points
 * to. It refuses (exit 1, nothing written) a path where no file is, or a file with a line that is
 * neither a comment, a key line nor {@code !no-keys}: probably not the keys file.
 * Asking for help prints the usage to standard output and exits 0; anything else it does not know
 * prints the usage to standard error and exits 2.
 * Uses only the JDK, so the jar runs alone.
 */
public final class KeyTool {

    /** What {@code revoke-all} writes. */
    static final String REVOKED_FILE = "# Every key of this file is revoked. To accept keys again, replace the "
            + FileApiKeyStore.NO_KEYS + " line with them.\n" + FileApiKeyStore.NO_KEYS + "\n";
    /** The start of a key line: a client id, then a SHA-256 in hex; the parser checks the rest. */
    private static final Pattern KEY_LINE = Pattern.compile("\\S+\\s+[0-9A-Fa-f]{64}(\\s.*)?");

    private KeyTool() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.in, System.out, System.err));
    }

    /** Runs one command; returns the exit status (0 ok, 1 nothing done, 2 usage). */
    static int run(String[] args, InputStream in, PrintStream out, PrintStream err) {
        if (args.length == 1 && (args[0].equals("--help") || args[0].equals("-h") || args[0].equals("help"))) {
            printUsage(out);
            return 0;
        }
        if (args.length >= 1 && args[0].equals("generate") && args.length <= 2) {
            String client = args.length == 2 ? args[1] : "client";
            if (!client.matches("[A-Za-z0-9._@-]{1,64}")) {
                err.println("client id [" + client + "] must be 1-64 characters of [A-Za-z0-9._@-]");
                return 2;
            }
            String key = ApiKeys.generateKey();
            String hash = ApiKeys.sha256Hex(key);
            out.println("key:          " + key);
            out.println("keys-file:    " + client + " " + hash);
            out.println("inline (keys): " + client + ":" + hash);
            out.println("sql:          " + insert(client, hash, System.currentTimeMillis()));
            out.println("Give the key to the client once; store only the hash.");
            return 0;
        }
        if (args.length == 2 && args[0].equals("hash")) {
            String key = args[1];
            if (key.equals("-")) {
                try {
                    String line = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8)).readLine();
                    key = line == null ? "" : line.strip();
                } catch (IOException e) {
                    err.println("cannot read the key from standard input: " + e.getMessage());
                    return 2;
                }
            }
            if (key.isEmpty()) {
                err.println("the key is empty");
                return 2;
            }
            out.println(ApiKeys.sha256Hex(key));
            return 0;
        }
        if (args.length == 2 && args[0].equals("revoke-all")) {
            Path file;
            try {
                file = Path.of(args[1]);
            } catch (InvalidPathException e) {
                err.println("[" + args[1] + "] is not a path: " + e.getReason());
                return 2;
            }
            return revokeAll(file, out, err);
        }
        printUsage(err);
        return 2;
    }

    /**
     * The INSERT of a key into the keys table of {@code keys-source=jdbc} with its default name:
     * enabled by the table's default, {@code updated_at} now, so the key filter reads it at its
     * next check. The client id is checked (no quote can be in it).
     */
    static String insert(String client, String hash, long epochMillis) {
        return "INSERT INTO tollgate_api_keys (client_id, key_sha256, updated_at) VALUES ('" + client + "', '" + hash + "', "
                + epochMillis + ");";
    }

    /** Replaces the keys file {@code given} with one that says {@code !no-keys}; returns the exit status. */
    private static int revokeAll(Path given, PrintStream out, PrintStream err) {
        Path file;
        List<String> lines;
        try {
            // A link stays a link: the file it points to is replaced.
            file = given.toRealPath();
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            err.println(given + ": no such file; nothing written (revoke-all replaces an existing keys file)");
            return 1;
        } catch (IOException e) {
            err.println(given + ": cannot be read (" + e.getClass().getSimpleName() + "); nothing written");
            return 1;
        }
        int keys = 0;
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#") || line.equals(FileApiKeyStore.NO_KEYS)) {
                continue;
            }
            if (!KEY_LINE.matcher(line).matches()) {
                err.println(file + ":" + (i + 1) + ": not a keys-file line, so this may not be the keys file; nothing written");
                return 1;
            }
            keys++;
        }
        Path temp = null;
        try {
            temp = Files.createTempFile(file.getParent(), "." + file.getFileName() + ".", ".tmp");
            String note = copyAccess(file, temp);
            try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE)) {
                ByteBuffer bytes = ByteBuffer.wrap(REVOKED_FILE.getBytes(StandardCharsets.UTF_8));
                while (bytes.hasRemaining()) {
                    channel.write(bytes);
                }
                channel.force(true);
            }
            Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE);
            temp = null;
            if (note != null) {
                err.println(note);
            }
        } catch (IOException e) {
            err.println(file + ": cannot be replaced (" + e.getClass().getSimpleName() + ": " + e.getMessage() + "); nothing written");
            return 1;
        } finally {
            deleteTemp(temp, err);
        }
        out.println("revoked the " + keys + " keys of " + file + ": it now says " + FileApiKeyStore.NO_KEYS
                + ". The key filter drops them when it next checks the file (reload-interval, 5 s by default);"
                + " keys of its keys init-param stay.");
        return 0;
    }

    /**
     * Gives {@code temp} the permissions, group and owner of {@code file} where the file system has
     * them; returns a note when the owner or group could not be kept (the application must still
     * be able to read the new file), else {@code null}.
     */
    private static String copyAccess(Path file, Path temp) throws IOException {
        PosixFileAttributeView view = Files.getFileAttributeView(temp, PosixFileAttributeView.class);
        if (view == null) {
            return null;
        }
        PosixFileAttributes old = Files.readAttributes(file, PosixFileAttributes.class);
        view.setPermissions(old.permissions());
        PosixFileAttributes now = view.readAttributes();
        try {
            if (!now.group().equals(old.group())) {
                view.setGroup(old.group());
            }
            if (!now.owner().equals(old.owner())) {
                view.setOwner(old.owner());
            }
            return null;
        } catch (IOException e) {
            now = view.readAttributes();
            return "note: the new file belongs to " + now.owner().getName() + ":" + now.group().getName() + ", the old one to "
                    + old.owner().getName() + ":" + old.group().getName() + " (" + e.getClass().getSimpleName()
                    + "); the application must be able to read it, or it keeps the old keys";
        }
    }

    /** Deletes the temporary file of a replacement that failed. */
    private static void deleteTemp(Path temp, PrintStream err) {
        if (temp == null) {
            return;
        }
        try {
            Files.deleteIfExists(temp);
        } catch (IOException e) {
            err.println(temp + ": left behind (" + e.getClass().getSimpleName() + ")");
        }
    }

    private static void printUsage(PrintStream to) {
        to.println("usage: java -jar tollgate.jar generate [client-id]  (a new key, its keys-file line and its SQL INSERT)");
        to.println("       java -jar tollgate.jar hash <key>     (or 'hash -' to read the key from standard input)");
        to.println("       java -jar tollgate.jar revoke-all <keys-file>  (replaces it with a file that says "
                + FileApiKeyStore.NO_KEYS + ")");
        to.println("       java -jar tollgate.jar --help         (this usage; also -h and help)");
    }
}
