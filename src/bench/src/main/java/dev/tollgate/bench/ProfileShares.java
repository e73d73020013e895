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
 * libraries: bucket4j, Caffeine, the MDC, the JDK). The containers' own limiters (Jetty's
 * {@code DoSFilter}, Tomcat's {@code RateLimitFilter}) are counted too, all of their frames being
 * the container's. Per container it also gives the share spent writing the response's status line
 * and headers when the response commits, once per response: where the headers a filter set cost
 * the container a second time. Profile one variant at a time ({@code -Donly==rate-limit}) for
 * shares of that variant alone.
 *
 * <p>{@code java -cp src/bench/target/benchmarks.jar dev.tollgate.bench.ProfileShares profile.collapsed}
 */
public final class ProfileShares {

    /** Tollgate's filters, the baselines, and the containers' own limiters (all of whose frames are the container's). */
    private static final Pattern FILTER = Pattern.compile("(BaselineFilters\\$\\w+|tollgate/\\w+/(?:RequestIdFilter|ErrorRenderingFilter"
            + "|ApiKeyFilter|RateLimitFilter)|catalina/filters/RateLimitFilter|servlets/DoSFilter)\\.doFilter");
    /** The container writing the response's status line and headers, once per response. */
    private static final Pattern RESPONSE_HEAD = Pattern.compile(
            "^(org/eclipse/jetty/http/HttpGenerator\\.generateHeaders|org/apache/coyote/http11/Http11Processor\\.prepareResponse)");
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
            long head = 0;
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
                for (String frame : frames) {
                    if (RESPONSE_HEAD.matcher(frame).find()) {
                        head += n;
                        break;
                    }
                }
                int innermost = -1;
                String filter = null;
                for (int i = 0; i < frames.length; i++) {
                    Matcher m = FILTER.matcher(frames[i]);
                    if (m.find()) {
                        innermost = i;
                        filter = label(m.group(1));
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
            System.out.printf(Locale.ROOT, "%s: %d request-thread samples; writing the response head %5.2f%%%n", container, total,
                    100.0 * head / total);
            for (Map.Entry<String, long[]> e : byFilter.entrySet()) {
                long[] s = e.getValue();
                System.out.printf(Locale.ROOT, "  %-28s own code %5.2f%%   in the container %5.2f%%   together %5.2f%%%n", e.getKey(),
                        100.0 * s[0] / total, 100.0 * s[1] / total, 100.0 * (s[0] + s[1]) / total);
            }
        }
    }

    private static String label(String filter) {
        if (filter.startsWith("BaselineFilters$")) {
            return "baseline " + filter.substring("BaselineFilters$".length());
        }
        if (filter.startsWith("catalina/")) {
            return "Tomcat's RateLimitFilter";
        }
        if (filter.startsWith("servlets/")) {
            return "Jetty's DoSFilter";
        }
        return filter.substring(filter.lastIndexOf('/') + 1);
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
