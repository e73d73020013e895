package dev.tollgate.bench;

import com.sun.management.OperatingSystemMXBean;
import dev.tollgate.apikey.ApiKeys;
import dev.tollgate.testing.CommandStats;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import one.profiler.AsyncProfiler;
import org.apache.catalina.Context;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.startup.Tomcat;
import org.apache.tomcat.util.descriptor.web.FilterDef;
import org.apache.tomcat.util.descriptor.web.FilterMap;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.ContextHandlerCollection;

/**
 * Requests per second, p50/p99 latency and the server's CPU time per request for a trivial servlet
 * behind each filter, the full chain, and the containers' own limiters, on embedded Jetty 12 and
 * Tomcat 10.1 in this JVM, loaded by wrk from another process. Variants are interleaved in a
 * shuffled order each round, after a warm-up; each figure is the median over the rounds.
 *
 * <p>Run this JVM on one core and wrk on another:
 * {@code taskset -c 0 java -cp src/bench/target/benchmarks.jar dev.tollgate.bench.ThroughputHarness}.
 * System properties: {@code rounds} (3), {@code seconds} (5), {@code warmup} (3),
 * {@code connections} (16), {@code loadCpu} (1: the CPU wrk is pinned to), {@code only}
 * (comma-separated variants to measure; all by default), {@code clients} (1: every request carries
 * the same API key; with more, each request carries one of that many keys, chosen at random by a
 * wrk script), {@code redis} (the Redis of the Redis variants, {@code 127.0.0.1:6379}), {@code jdbc}
 * (the PostgreSQL of the database store's variants, {@code jdbc:postgresql://127.0.0.1:5432/test?user=postgres}),
 * {@code profile} (a file: a CPU profile of the rounds with async-profiler, in collapsed stacks;
 * its options in {@code profileOptions}, by default {@code event=cpu,interval=1ms,threads}).
 */
public final class ThroughputHarness {

    private static final String KEY = "tg_bench-key-0123456789abcdefghijklmnopqrstuvwxyz";
    private static final String REDIS = System.getProperty("redis", "127.0.0.1:6379");
    /** The database of the database store's variants (PostgreSQL: its transactions are counted per request). */
    private static final String JDBC = System.getProperty("jdbc", "jdbc:postgresql://127.0.0.1:5432/test?user=postgres");
    private static final OperatingSystemMXBean OS = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

    private record FilterSpec(String className, Map<String, String> params) {
    }

    private record Variant(String name, List<FilterSpec> filters) {
    }

    private record Sample(double rps, double p50Micros, double p99Micros, double cpuMicrosPerRequest, long errors,
            double redisRoundTripsPerRequest) {
    }

    /** The servlet every variant ends in. */
    public static final class Trivial extends HttpServlet {
        private static final long serialVersionUID = 1L;
        private static final byte[] OK = "ok".getBytes(StandardCharsets.US_ASCII);

        @Override
        protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
            resp.setContentType("text/plain");
            resp.setContentLength(OK.length);
            resp.getOutputStream().write(OK);
        }
    }

    private ThroughputHarness() {
    }

    public static void main(String[] args) throws Exception {
        int rounds = Integer.getInteger("rounds", 3);
        int seconds = Integer.getInteger("seconds", 5);
        int warmup = Integer.getInteger("warmup", 3);
        int connections = Integer.getInteger("connections", 16);
        // This JVM is pinned to CPU 0 (so it sees one processor); wrk gets CPU 1.
        int loadCpu = Integer.getInteger("loadCpu", 1);
        String wrk = ensureWrk();
        boolean redis = redisUp();
        int clients = Integer.getInteger("clients", 1);
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < clients; i++) {
            keys.add(clients == 1 ? KEY : String.format(Locale.ROOT, "tg_bench-key-%05d-0123456789abcdefghijklmnopqrstuvwxyz", i));
        }
        StringBuilder keyList = new StringBuilder();
        for (int i = 0; i < clients; i++) {
            keyList.append(i == 0 ? "" : ",").append("bench").append(i).append(':').append(ApiKeys.sha256Hex(keys.get(i)));
        }
        // With many clients a wrk script sets a random one of the keys on each request (for every variant, bare too).
        java.nio.file.Path script = clients == 1 ? null : writeKeysScript(keys);

        FilterSpec requestId = new FilterSpec("dev.tollgate.requestid.RequestIdFilter", Map.of());
        FilterSpec errors = new FilterSpec("dev.tollgate.error.ErrorRenderingFilter", Map.of());
        FilterSpec apiKey = new FilterSpec("dev.tollgate.apikey.ApiKeyFilter", Map.of("keys", keyList.toString()));
        FilterSpec rateLimit = new FilterSpec("dev.tollgate.ratelimit.RateLimitFilter", Map.of("limits", "1000000000/1s"));
        // The same without the X-Throttle-* headers on allowed responses: what writing them costs.
        FilterSpec rateLimitQuiet = new FilterSpec("dev.tollgate.ratelimit.RateLimitFilter", Map.of("limits", "1000000000/1s",
                "throttle-headers", "false"));
        FilterSpec rateLimitRedis = redisLimit(Map.of());
        // The delayed sync with its defaults (10 tokens or 1000 ms), with 100 tokens, and with 100 tokens or 10 s.
        FilterSpec rateLimitRedisDelayed = redisLimit(Map.of("redis-sync", "delayed"));
        FilterSpec rateLimitRedisDelayed100 = redisLimit(Map.of("redis-sync", "delayed", "redis-sync-tokens", "100"));
        FilterSpec rateLimitRedisDelayed10s = redisLimit(Map.of("redis-sync", "delayed", "redis-sync-tokens", "100",
                "redis-sync-interval", "10000"));
        // The batched sync with its defaults (10 tokens, a burst every 10 s), and with a burst every second.
        // (Measure one batched variant per run: a store's bursts go on while other variants are measured.)
        FilterSpec rateLimitRedisBatched = redisLimit(Map.of("redis-sync", "batched"));
        FilterSpec rateLimitRedisBatched1s = redisLimit(Map.of("redis-sync", "batched", "redis-sync-interval", "1000"));
        FilterSpec rateLimitJdbcBatched = jdbcLimit(Map.of("jdbc-sync", "batched"));
        FilterSpec rateLimitJdbc = jdbcLimit(Map.of());
        FilterSpec rateLimitJdbcDelayed = jdbcLimit(Map.of("jdbc-sync", "delayed"));
        FilterSpec rateLimitJdbcDelayed100 = jdbcLimit(Map.of("jdbc-sync", "delayed", "jdbc-sync-tokens", "100"));
        FilterSpec passThrough = baseline(BaselineFilters.PassThrough.class);
        List<Variant> common = new ArrayList<>(List.of(
                new Variant("bare", List.of()),
                new Variant("request-id", List.of(requestId)),
                new Variant("errors", List.of(errors)),
                new Variant("api-key", List.of(apiKey)),
                new Variant("rate-limit", List.of(rateLimit)),
                new Variant("rate-limit-quiet", List.of(rateLimitQuiet)),
                new Variant("full-chain", List.of(requestId, errors, apiKey, rateLimit)),
                // Not Tollgate's: the chain's observable work in one hand-written filter, its floor.
                new Variant("floor", List.of(new FilterSpec(BaselineFilters.Floor.class.getName(), Map.of("keys", keyList.toString())))),
                // Not Tollgate's: what a filter costs the container, and what the request id filter asks of it.
                new Variant("pass-through", List.of(passThrough)),
                new Variant("pass-through-4", List.of(passThrough, passThrough, passThrough, passThrough)),
                new Variant("container-work", List.of(baseline(BaselineFilters.ContainerWork.class))),
                new Variant("limit-work", List.of(baseline(BaselineFilters.LimitWork.class))),
                new Variant("container-work-chain", List.of(baseline(BaselineFilters.ContainerWork.class),
                        baseline(BaselineFilters.ErrorsWork.class), baseline(BaselineFilters.KeyWork.class),
                        baseline(BaselineFilters.LimitWork.class)))));
        if (redis) {
            common.add(new Variant("full-chain-redis", List.of(requestId, errors, apiKey, rateLimitRedis)));
            common.add(new Variant("full-chain-redis-delayed", List.of(requestId, errors, apiKey, rateLimitRedisDelayed)));
            common.add(new Variant("full-chain-redis-delayed-100", List.of(requestId, errors, apiKey, rateLimitRedisDelayed100)));
            common.add(new Variant("full-chain-redis-delayed-100-10s", List.of(requestId, errors, apiKey, rateLimitRedisDelayed10s)));
            common.add(new Variant("full-chain-redis-batched", List.of(requestId, errors, apiKey, rateLimitRedisBatched)));
            common.add(new Variant("full-chain-redis-batched-1s", List.of(requestId, errors, apiKey, rateLimitRedisBatched1s)));
        }
        if (databaseUp()) {
            common.add(new Variant("full-chain-jdbc", List.of(requestId, errors, apiKey, rateLimitJdbc)));
            common.add(new Variant("full-chain-jdbc-delayed", List.of(requestId, errors, apiKey, rateLimitJdbcDelayed)));
            common.add(new Variant("full-chain-jdbc-delayed-100", List.of(requestId, errors, apiKey, rateLimitJdbcDelayed100)));
            common.add(new Variant("full-chain-jdbc-batched", List.of(requestId, errors, apiKey, rateLimitJdbcBatched)));
        }
        List<Variant> jettyVariants = new ArrayList<>(common);
        jettyVariants.add(new Variant("container-limiter", List.of(new FilterSpec("org.eclipse.jetty.ee10.servlets.DoSFilter",
                // DoSFilter keeps one timestamp per allowed request per second per client: a sane bound, far above the load.
                Map.of("maxRequestsPerSec", "1000000")))));
        List<Variant> tomcatVariants = new ArrayList<>(common);
        tomcatVariants.add(new Variant("container-limiter", List.of(new FilterSpec("org.apache.catalina.filters.RateLimitFilter",
                Map.of("bucketRequests", "1000000000", "bucketDuration", "60")))));
        // With its headers on allowed responses (RateLimit-Policy and RateLimit), as the rate-limit filter sends its own.
        tomcatVariants.add(new Variant("container-limiter-headers", List.of(new FilterSpec("org.apache.catalina.filters.RateLimitFilter",
                Map.of("bucketRequests", "1000000000", "bucketDuration", "60", "exposeHeaders", "true")))));

        Server jetty = startJetty(jettyVariants);
        Tomcat tomcat = startTomcat(tomcatVariants);
        int jettyPort = ((ServerConnector) jetty.getConnectors()[0]).getLocalPort();
        int tomcatPort = tomcat.getConnector().getLocalPort();

        // -Donly=api-key measures a subset (bare is always kept: ratios need it, and so is the floor beside any
        // full-chain variant); -Donly==full-chain exactly those variants, without bare (a profile of one variant;
        // its ratios are left blank).
        String onlyText = System.getProperty("only");
        List<String> only = onlyText == null ? null
                : List.of((onlyText.startsWith("=") ? onlyText.substring(1)
                        : "bare," + (onlyText.contains("full-chain") && !onlyText.matches("(.*,)?floor(,.*)?") ? "floor," : "") + onlyText)
                        .split(","));
        List<String[]> cells = new ArrayList<>();
        for (Variant v : jettyVariants) {
            if (only == null || only.contains(v.name())) {
                cells.add(new String[] {"jetty", v.name(), String.valueOf(jettyPort)});
            }
        }
        for (Variant v : tomcatVariants) {
            if (only == null || only.contains(v.name())) {
                cells.add(new String[] {"tomcat", v.name(), String.valueOf(tomcatPort)});
            }
        }
        System.out.printf("Warm-up: %d s per variant; then %d rounds of %d s, variants shuffled each round; %d connections; %d client(s); wrk on CPU %d%n",
                warmup, rounds, seconds, connections, clients, loadCpu);
        for (String[] cell : cells) {
            run(wrk, script, loadCpu, cell, warmup, connections);
        }
        // -Dprofile=file.collapsed: a CPU profile of the rounds (not the warm-up), Java, native and kernel frames
        String profile = System.getProperty("profile");
        if (profile != null) {
            String options = System.getProperty("profileOptions", "event=cpu,interval=1ms,threads");
            try {
                AsyncProfiler.getInstance().execute("start," + options);
            } catch (IllegalStateException | IllegalArgumentException | IOException e) {
                // Without perf events (some VMs and containers), event=itimer still samples CPU time.
                System.err.printf("Cannot start the profiler with [%s]: %s; try -DprofileOptions=event=itimer,interval=1ms,threads%n",
                        options, e.getMessage());
                System.exit(2);
            }
        }
        Map<String, List<Sample>> samples = new LinkedHashMap<>();
        Random random = new Random(42);
        for (int round = 0; round < rounds; round++) {
            List<String[]> order = new ArrayList<>(cells);
            Collections.shuffle(order, random);
            for (String[] cell : order) {
                Sample s = run(wrk, script, loadCpu, cell, seconds, connections);
                samples.computeIfAbsent(cell[0] + " " + cell[1], k -> new ArrayList<>()).add(s);
            }
            System.out.printf("round %d of %d done%n", round + 1, rounds);
        }
        if (profile != null) {
            AsyncProfiler.getInstance().execute("stop,file=" + profile);
            System.out.printf("Profile of the rounds: %s (summary: dev.tollgate.bench.ProfileShares %s)%n", profile, profile);
        }
        jetty.stop();
        tomcat.stop();
        tomcat.destroy();
        print(cells, samples, rounds, seconds, connections, clients);
    }

    private static FilterSpec redisLimit(Map<String, String> extra) {
        Map<String, String> params = new LinkedHashMap<>(Map.of("limits", "1000000000/1s",
                "store", "redis", "redis-uri", "redis://" + REDIS, "redis-key-prefix", "tollgate-bench:",
                "redis-timeout", "1000", "on-store-failure", "reject"));
        params.putAll(extra);
        return new FilterSpec("dev.tollgate.ratelimit.RateLimitFilter", params);
    }

    private static FilterSpec jdbcLimit(Map<String, String> extra) {
        Map<String, String> params = new LinkedHashMap<>(Map.of("limits", "1000000000/1s",
                "store", "jdbc", "jdbc-url", JDBC, "jdbc-table", "tollgate_bench", "jdbc-create-table", "true",
                "jdbc-timeout", "1000", "on-store-failure", "reject"));
        params.putAll(extra);
        return new FilterSpec("dev.tollgate.ratelimit.RateLimitFilter", params);
    }

    private static boolean databaseUp() {
        try (java.sql.Connection c = java.sql.DriverManager.getConnection(JDBC)) {
            return c.isValid(1);
        } catch (java.sql.SQLException e) {
            System.out.println("The database at " + JDBC + " not reachable: the full-chain-jdbc variants are left out (" + e.getMessage() + ")");
            return false;
        }
    }

    /** The database's committed transactions so far: every autocommit statement is one. */
    private static long databaseTransactions() {
        try {
            // Other sessions report their counts at most a second late.
            Thread.sleep(1100);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try (java.sql.Connection c = java.sql.DriverManager.getConnection(JDBC); java.sql.Statement s = c.createStatement();
             java.sql.ResultSet r = s.executeQuery("SELECT xact_commit FROM pg_stat_database "
                     + "WHERE datname = current_database()")) {
            r.next();
            return r.getLong(1);
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException("cannot read the database's transactions: " + e.getMessage(), e);
        }
    }

    /** A wrk script that sends each request with a random one of {@code keys}. */
    private static java.nio.file.Path writeKeysScript(List<String> keys) throws IOException {
        java.nio.file.Path file = Files.createTempFile("tollgate-bench-keys", ".lua");
        StringBuilder lua = new StringBuilder("local keys = {\n");
        for (String key : keys) {
            lua.append("  \"").append(key).append("\",\n");
        }
        lua.append("}\n")
                .append("local n = #keys\n")
                .append("request = function()\n")
                .append("  wrk.headers[\"X-API-KEY\"] = keys[math.random(n)]\n")
                .append("  return wrk.format(nil)\n")
                .append("end\n");
        Files.writeString(file, lua.toString());
        file.toFile().deleteOnExit();
        return file;
    }

    private static FilterSpec baseline(Class<?> filter) {
        return new FilterSpec(filter.getName(), Map.of());
    }

    private static Server startJetty(List<Variant> variants) throws Exception {
        Server server = new Server();
        ServerConnector connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        server.addConnector(connector);
        ContextHandlerCollection contexts = new ContextHandlerCollection();
        for (Variant v : variants) {
            ServletContextHandler context = new ServletContextHandler("/" + v.name());
            context.addServlet(Trivial.class, "/*");
            for (FilterSpec f : v.filters()) {
                FilterHolder holder = new FilterHolder();
                holder.setClassName(f.className());
                holder.setInitParameters(f.params());
                holder.setAsyncSupported(true);
                context.addFilter(holder, "/*", EnumSet.of(DispatcherType.REQUEST));
            }
            contexts.addHandler(context);
        }
        server.setHandler(contexts);
        server.start();
        return server;
    }

    private static Tomcat startTomcat(List<Variant> variants) throws Exception {
        Tomcat tomcat = new Tomcat();
        tomcat.setBaseDir(Files.createTempDirectory("tollgate-bench-tomcat").toString());
        Connector connector = new Connector();
        connector.setPort(0);
        connector.setProperty("address", "127.0.0.1");
        // Jetty keeps a connection open for any number of requests; make Tomcat do the same (its default is 100).
        connector.setProperty("maxKeepAliveRequests", "-1");
        tomcat.setConnector(connector);
        for (Variant v : variants) {
            Context context = tomcat.addContext("/" + v.name(), null);
            Tomcat.addServlet(context, "trivial", new Trivial());
            context.addServletMappingDecoded("/*", "trivial");
            int i = 0;
            for (FilterSpec f : v.filters()) {
                FilterDef def = new FilterDef();
                def.setFilterName("f" + i);
                def.setFilterClass(f.className());
                def.setAsyncSupported("true");
                f.params().forEach(def::addInitParameter);
                context.addFilterDef(def);
                FilterMap map = new FilterMap();
                map.setFilterName("f" + i);
                map.addURLPattern("/*");
                context.addFilterMap(map);
                i++;
            }
        }
        tomcat.start();
        return tomcat;
    }

    private static final Pattern RPS = Pattern.compile("Requests/sec:\\s+([0-9.]+)");
    private static final Pattern TOTAL = Pattern.compile("(\\d+) requests in");
    private static final Pattern NON_2XX = Pattern.compile("Non-2xx or 3xx responses: (\\d+)");
    private static final Pattern PERCENTILE = Pattern.compile("\\s+(50|99)%\\s+([0-9.]+)(us|ms|s)");

    private static Sample run(String wrk, java.nio.file.Path script, int loadCpu, String[] cell, int seconds, int connections)
            throws Exception {
        List<String> command = new ArrayList<>();
        if (Files.isExecutable(java.nio.file.Path.of("/usr/bin/taskset"))) {
            command.addAll(List.of("taskset", "-c", String.valueOf(loadCpu)));
        }
        command.addAll(List.of(wrk, "-t1", "-c" + connections, "-d" + seconds + "s", "--latency"));
        if (script == null) {
            command.addAll(List.of("-H", "X-API-KEY: " + KEY));
        } else {
            command.addAll(List.of("-s", script.toString()));
        }
        command.add("http://127.0.0.1:" + cell[2] + "/" + cell[1] + "/");
        boolean countRedis = cell[1].contains("redis");
        boolean countDatabase = cell[1].contains("jdbc");
        long roundTripsBefore = countRedis ? redisRoundTrips() : countDatabase ? databaseTransactions() : 0;
        long cpuBefore = OS.getProcessCpuTime();
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(seconds + 30L, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IllegalStateException("wrk did not finish");
        }
        long cpuNanos = OS.getProcessCpuTime() - cpuBefore;
        long roundTrips = countRedis ? redisRoundTrips() - roundTripsBefore : countDatabase ? databaseTransactions() - roundTripsBefore : 0;
        double rps = find(RPS, output);
        long total = (long) find(TOTAL, output);
        Matcher non2xx = NON_2XX.matcher(output);
        long errors = non2xx.find() ? Long.parseLong(non2xx.group(1)) : 0;
        double p50 = 0;
        double p99 = 0;
        Matcher m = PERCENTILE.matcher(output);
        while (m.find()) {
            double value = Double.parseDouble(m.group(2)) * switch (m.group(3)) {
                case "ms" -> 1000.0;
                case "s" -> 1_000_000.0;
                default -> 1.0;
            };
            if (m.group(1).equals("50")) {
                p50 = value;
            } else {
                p99 = value;
            }
        }
        return new Sample(rps, p50, p99, total == 0 ? 0 : cpuNanos / 1000.0 / total, errors,
                total == 0 ? 0 : roundTrips / (double) total);
    }

    private static double find(Pattern pattern, String output) {
        Matcher m = pattern.matcher(output);
        if (!m.find()) {
            throw new IllegalStateException("Unexpected wrk output:\n" + output);
        }
        return Double.parseDouble(m.group(1));
    }

    private static double median(List<Sample> samples, java.util.function.ToDoubleFunction<Sample> metric) {
        double[] values = samples.stream().mapToDouble(metric).sorted().toArray();
        int n = values.length;
        return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
    }

    private static void print(List<String[]> cells, Map<String, List<Sample>> samples, int rounds, int seconds, int connections,
            int clients) {
        System.out.println();
        System.out.printf("Tollgate throughput, %s, %s %s, server on %d core(s), Java %s; median of %d runs of %d s, %d connections, %d client(s), wrk -t1 on its own core%n",
                LocalDate.now(), System.getProperty("os.name"), System.getProperty("os.arch"),
                Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"), rounds, seconds, connections, clients);
        System.out.println();
        System.out.println("| container | variant | req/s | vs bare | p50 µs | p99 µs | server CPU µs/req | added µs/req | store round trips/req | non-2xx |");
        System.out.println("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|");
        for (String[] cell : cells) {
            List<Sample> s = samples.get(cell[0] + " " + cell[1]);
            List<Sample> bare = samples.getOrDefault(cell[0] + " bare", List.of());
            double rps = median(s, Sample::rps);
            double bareRps = bare.isEmpty() ? Double.NaN : median(bare, Sample::rps);
            double cpu = median(s, Sample::cpuMicrosPerRequest);
            double bareCpu = bare.isEmpty() ? Double.NaN : median(bare, Sample::cpuMicrosPerRequest);
            long errors = s.stream().mapToLong(Sample::errors).sum();
            String roundTrips = cell[1].contains("redis") || cell[1].contains("jdbc") ? String.format(Locale.ROOT, "%.3f", median(s, Sample::redisRoundTripsPerRequest)) : "";
            System.out.println(String.format(Locale.ROOT, "| %s | %s | %.0f | %.3f | %.0f | %.0f | %.2f | %+.2f | %s | %d |",
                    cell[0], cell[1], rps, rps / bareRps, median(s, Sample::p50Micros), median(s, Sample::p99Micros),
                    cpu, cpu - bareCpu, roundTrips, errors));
        }
    }

    /** wrk from the PATH, installed from the distribution's packages when missing and we are root. */
    private static String ensureWrk() throws Exception {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(":")) {
            if (Files.isExecutable(java.nio.file.Path.of(dir, "wrk"))) {
                return dir + "/wrk";
            }
        }
        System.out.println("wrk not found; installing it with apt-get (Debian package 'wrk')");
        Process install = new ProcessBuilder("sh", "-c", "apt-get install -y -q wrk || (apt-get update -q && apt-get install -y -q wrk)")
                .inheritIO().start();
        if (install.waitFor() != 0) {
            throw new IllegalStateException("wrk is needed: install it (apt-get install wrk) and run again");
        }
        return "/usr/bin/wrk";
    }

    private static InetSocketAddress redisAddress() {
        int colon = REDIS.lastIndexOf(':');
        return new InetSocketAddress(REDIS.substring(0, colon), Integer.parseInt(REDIS.substring(colon + 1)));
    }

    private static boolean redisUp() {
        try (Socket socket = new Socket()) {
            socket.connect(redisAddress(), 500);
            return true;
        } catch (IOException e) {
            System.out.println("Redis at " + REDIS + " not reachable: the full-chain-redis variants are left out");
            return false;
        }
    }

    /**
     * Round trips to Redis so far: all GETs and SETs in {@code INFO commandstats}, which counts the
     * GETs sent over the network, the one GET inside each compare-and-swap EVAL and the one SET NX
     * inside each EVAL that creates a bucket, so one per EVAL. Other clients of the same Redis
     * count too: give the harness a Redis of its own ({@code -Dredis=}).
     */
    private static long redisRoundTrips() throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(redisAddress(), 1000);
            socket.setSoTimeout(5000);
            socket.getOutputStream().write("*2\r\n$4\r\nINFO\r\n$12\r\ncommandstats\r\n".getBytes(StandardCharsets.US_ASCII));
            java.io.InputStream in = socket.getInputStream();
            StringBuilder header = new StringBuilder();
            int c;
            while ((c = in.read()) != '\n' && c != -1) {
                header.append((char) c);
            }
            int length = Integer.parseInt(header.toString().trim().substring(1));
            String info = new String(in.readNBytes(length), StandardCharsets.US_ASCII);
            return CommandStats.calls(info, "get", "set");
        }
    }
}
