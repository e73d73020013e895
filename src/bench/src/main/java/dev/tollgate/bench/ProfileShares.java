package dev.tollgate.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What share of each container's request-thread CPU samples a filter's own frames take, from a
 * collapsed-stack profile of the harness ({@code -Dprofile=file}, one thread per stack prefix):
 * samples under a filter's {@code doFilter} and not under the chain it calls, split into those
 * in the container's code (a header write, an attribute) and the rest (the filter's code and its
 * libraries: bucket4j, Caffeine, the MDC, the JDK). Profile one variant at a time
 * ({@code -Donly==rate-limit}) for shares of that variant alone.
 *
 * <p>{@code java -cp src/bench/target/benchmarks.jar dev.tollgate.bench.ProfileShares profile.collapsed}
 */
public final class ProfileShares {

    private static final Pattern FILTER = Pattern.compile(
            "(BaselineFilters\\$\\w+|RequestIdFilter|ErrorRenderingFilter|ApiKeyFilter|RateLimitFilter)\\.doFilter");
    private static final Pattern CONTAINER = Pattern.compile("^(org/apache/(catalina|coyote|tomcat)|org/eclipse/jetty)");
    /** Request threads: Jetty's pool and Tomcat's executor (not their pollers and acceptors). */
    private static final Map<String, String> THREADS = Map.of("jetty", "[qtp", "tomcat", "[http-nio");

    private ProfileShares() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 1) {
            System.err.println("usage: ProfileShares <profile.collapsed>");
            System.exit(2);
        }
        List<String> lines = Files.readAllLines(Path.of(args[0]));
        for (String container : List.of("jetty", "tomcat")) {
            long total = 0;
            Map<String, long[]> byFilter = new TreeMap<>();
            for (String line : lines) {
                int space = line.lastIndexOf(' ');
                if (space < 0) {
                    continue;
                }
                String[] frames = line.substring(0, space).split(";");
                long n = Long.parseLong(line.substring(space + 1));
                if (!frames[0].startsWith(THREADS.get(container)) || frames[0].contains("Poller") || frames[0].contains("Acceptor")) {
                    continue;
                }
                total += n;
                int innermost = -1;
                String filter = null;
                for (int i = 0; i < frames.length; i++) {
                    Matcher m = FILTER.matcher(frames[i]);
                    if (m.find()) {
                        innermost = i;
                        filter = m.group(1).replace("BaselineFilters$", "baseline ");
                    }
                }
                if (innermost < 0 || callsTheChain(frames, innermost)) {
                    continue;
                }
                boolean inContainer = false;
                for (int i = innermost + 1; i < frames.length && !inContainer; i++) {
                    inContainer = CONTAINER.matcher(frames[i]).find();
                }
                byFilter.computeIfAbsent(filter, k -> new long[2])[inContainer ? 1 : 0] += n;
            }
            System.out.printf(Locale.ROOT, "%s: %d request-thread samples%n", container, total);
            for (Map.Entry<String, long[]> e : byFilter.entrySet()) {
                long[] s = e.getValue();
                System.out.printf(Locale.ROOT, "  %-28s own code %5.2f%%   in the container %5.2f%%%n", e.getKey(),
                        100.0 * s[0] / total, 100.0 * s[1] / total);
            }
        }
    }

    /** Whether the frames below the filter's are its call down the chain (Tomcat's or Jetty's). */
    private static boolean callsTheChain(String[] frames, int filter) {
        for (int i = filter + 1; i < Math.min(frames.length, filter + 3); i++) {
            if (frames[i].contains("FilterChain") || frames[i].contains("Chain.doFilter") || frames[i].contains("ChainEnd")) {
                return true;
            }
        }
        return false;
    }
}
