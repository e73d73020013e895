package dev.tollgate.apikey;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Parses keys files and inline key entries. Every error names where it is (file and line, or entry
 * number) and what is wrong, and never repeats a hash or a key.
 */
final class KeysParser {

    private static final Set<String> ATTRIBUTES = Set.of("expires", "methods", "paths", "plan");
    private static final HexFormat HEX = HexFormat.of();

    private KeysParser() {
    }

    /**
     * The entries of a keys file, and whether it says {@link FileApiKeyStore#NO_KEYS} (then it has
     * no entries): a file without keys that says so, not one that was emptied or cut short.
     */
    record KeysFile(List<ApiKeyEntry> entries, boolean revokesAll) {
    }

    /**
     * Parses the lines of a keys file named {@code source}:
     * {@code client_id sha256hex [expires=<ISO-8601 instant>] [methods=GET,HEAD] [paths=/a,/b] [plan=name]},
     * or the one line {@code !no-keys}.
     */
    static KeysFile parseFile(String source, List<String> lines) {
        return parseFile(source, lines, List.of());
    }

    /**
     * Parses the lines of a keys file named {@code source} that is used together with the
     * {@code inline} entries: a client id or a key of both is an error.
     */
    static KeysFile parseFile(String source, List<String> lines, List<ApiKeyEntry> inline) {
        List<ApiKeyEntry> entries = new ArrayList<>();
        int noKeysLine = 0;
        int firstKeyLine = 0;
        Map<String, String> clientSeen = new HashMap<>();
        Map<String, String> hashSeen = new HashMap<>();
        for (int i = 0; i < inline.size(); i++) {
            clientSeen.putIfAbsent(inline.get(i).clientId(), "also inline entry " + (i + 1));
            hashSeen.putIfAbsent(HEX.formatHex(inline.get(i).hash()), "inline entry " + (i + 1));
        }
        for (int i = 0; i < lines.size(); i++) {
            int lineNumber = i + 1;
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String where = source + ":" + lineNumber + ": ";
            // No client id starts with '!': a directive is told apart from a key line by its first character.
            if (line.startsWith("!")) {
                if (!line.equals(FileApiKeyStore.NO_KEYS)) {
                    throw new IllegalArgumentException(where + "a line that starts with ! must be exactly " + FileApiKeyStore.NO_KEYS);
                }
                if (firstKeyLine > 0) {
                    throw new IllegalArgumentException(where + FileApiKeyStore.NO_KEYS + " in a file with keys (first on line "
                            + firstKeyLine + "); a file with " + FileApiKeyStore.NO_KEYS + " holds no keys");
                }
                noKeysLine = lineNumber;
                continue;
            }
            if (noKeysLine > 0) {
                throw new IllegalArgumentException(where + "a key in a file that says " + FileApiKeyStore.NO_KEYS + " (line "
                        + noKeysLine + "); a file with " + FileApiKeyStore.NO_KEYS + " holds no keys");
            }
            String[] fields = line.split("\\s+");
            if (fields.length < 2) {
                throw new IllegalArgumentException(where + "expected <client_id> <sha256hex> [attributes]");
            }
            ApiKeyEntry entry;
            try {
                ApiKeyEntry.Builder builder = ApiKeyEntry.builder(fields[0], ApiKeys.parseHash(fields[1]));
                for (int field = 2; field < fields.length; field++) {
                    applyAttribute(builder, field + 1, fields[field]);
                }
                entry = builder.build();
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(where + e.getMessage(), null);
            }
            String client = clientSeen.putIfAbsent(entry.clientId(), "first on line " + lineNumber);
            if (client != null) {
                throw new IllegalArgumentException(where + "duplicate client id [" + entry.clientId() + "], " + client);
            }
            String hash = hashSeen.putIfAbsent(HEX.formatHex(entry.hash()), "line " + lineNumber);
            if (hash != null) {
                throw new IllegalArgumentException(where + "duplicate key: same hash as " + hash);
            }
            entries.add(entry);
            if (firstKeyLine == 0) {
                firstKeyLine = lineNumber;
            }
        }
        return new KeysFile(List.copyOf(entries), noKeysLine > 0);
    }

    /**
     * Applies field number {@code field}, an attribute {@code name=value}. Only a known name is ever
     * repeated: anything else may be a key written in the wrong place.
     */
    private static void applyAttribute(ApiKeyEntry.Builder builder, int field, String attribute) {
        int eq = attribute.indexOf('=');
        String name = eq < 0 ? attribute : attribute.substring(0, eq);
        String value = eq < 0 ? "" : attribute.substring(eq + 1);
        if (!ATTRIBUTES.contains(name)) {
            throw new IllegalArgumentException("field " + field + " is not an attribute; known are expires, methods, paths, plan");
        }
        if (value.isEmpty()) {
            throw new IllegalArgumentException("attribute [" + name + "] needs a value: " + name + "=...");
        }
        setAttribute(builder, name, value);
    }

    /** Sets the known attribute {@code name} to {@code value} (not empty); list items are stripped. */
    private static void setAttribute(ApiKeyEntry.Builder builder, String name, String value) {
        switch (name) {
            case "expires" -> {
                try {
                    builder.expiresAt(Instant.parse(value));
                } catch (DateTimeParseException e) {
                    throw new IllegalArgumentException("expires [" + value + "] must be an ISO-8601 instant like 2027-01-31T00:00:00Z");
                }
            }
            case "methods" -> builder.methods(new java.util.LinkedHashSet<>(items(value)));
            case "paths" -> builder.pathPrefixes(items(value));
            default -> builder.plan(value);
        }
    }

    private static List<String> items(String value) {
        return List.of(value.split(",")).stream().map(String::strip).toList();
    }

    /**
     * One row of a keys table: the client id, the hash and the attributes of a keys-file line, as
     * the text of their columns; {@code null} for an attribute is its absence. An error names the
     * column and the rule, never the hash (nor a client id, which may be a key in the wrong
     * column).
     */
    static ApiKeyEntry parseRow(String clientId, String hash, String plan, String expires, String methods, String paths) {
        ApiKeyEntry.Builder builder;
        try {
            builder = ApiKeyEntry.builder(clientId == null ? "" : clientId, new byte[32]);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("column client_id: " + e.getMessage(), null);
        }
        try {
            builder = ApiKeyEntry.builder(clientId, ApiKeys.parseHash(hash == null ? "" : hash.strip()));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("column key_sha256: " + e.getMessage(), null);
        }
        String[][] attributes = {{"plan", plan}, {"expires", expires}, {"methods", methods}, {"paths", paths}};
        for (String[] attribute : attributes) {
            String value = attribute[1] == null ? "" : attribute[1].strip();
            if (!value.isEmpty()) {
                try {
                    setAttribute(builder, attribute[0], value);
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("column " + attribute[0] + ": " + e.getMessage(), null);
                }
            }
        }
        return builder.build();
    }

    /** Parses inline entries {@code client:sha256hex}, separated by commas or whitespace. */
    static List<ApiKeyEntry> parseInline(String text) {
        List<ApiKeyEntry> entries = new ArrayList<>();
        int position = 0;
        for (String item : text.split("[,\\s]+")) {
            if (item.isEmpty()) {
                continue;
            }
            position++;
            int colon = item.indexOf(':');
            if (colon <= 0) {
                throw new IllegalArgumentException("entry " + position + " must be <client_id>:<sha256hex>");
            }
            try {
                entries.add(ApiKeyEntry.builder(item.substring(0, colon), ApiKeys.parseHash(item.substring(colon + 1))).build());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("entry " + position + ": " + e.getMessage(), null);
            }
        }
        return entries;
    }
}
