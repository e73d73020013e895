package dev.tollgate.testing;

/** Redis's {@code INFO commandstats} text, read: the tests' and the benchmarks' counts of Redis commands. */
public final class CommandStats {

    private CommandStats() {
    }

    /**
     * The calls of each of {@code commands} (lower case, {@code get}, {@code eval}) in {@code info},
     * summed; a command Redis has not run counts 0. Commands that scripts run inside Redis count too.
     */
    public static long calls(String info, String... commands) {
        long calls = 0;
        for (String line : info.split("\r?\n")) {
            for (String command : commands) {
                String start = "cmdstat_" + command + ":calls=";
                if (line.startsWith(start)) {
                    calls += Long.parseLong(line.substring(start.length(), line.indexOf(',', start.length())));
                }
            }
        }
        return calls;
    }
}
