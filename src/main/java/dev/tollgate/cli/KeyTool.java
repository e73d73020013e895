package dev.tollgate.cli;

import dev.tollgate.apikey.ApiKeys;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/**
 * Makes and hashes API keys, so nobody writes a hash by hand.
 * <pre>
 * java -jar tollgate.jar generate [client-id]   # a new key, and its keys-file and inline lines
 * java -jar tollgate.jar hash &lt;key&gt;             # the SHA-256 of a key
 * java -jar tollgate.jar hash -                 # the same, reading the key from standard input
 * java -jar tollgate.jar --help                 # this usage (also -h and help)
 * </pre>
 * Asking for help prints the usage to standard output and exits 0; anything else it does not know
 * prints the usage to standard error and exits 2.
 * Uses only the JDK, so the jar runs alone.
 */
public final class KeyTool {

    private KeyTool() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.in, System.out, System.err));
    }

    /** Runs one command; returns the exit status (0 ok, 2 usage). */
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
        printUsage(err);
        return 2;
    }

    private static void printUsage(PrintStream to) {
        to.println("usage: java -jar tollgate.jar generate [client-id]");
        to.println("       java -jar tollgate.jar hash <key>     (or 'hash -' to read the key from standard input)");
        to.println("       java -jar tollgate.jar --help         (this usage; also -h and help)");
    }
}
