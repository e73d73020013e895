package dev.tollgate.it;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * A {@code redis-server} process of the test's own, on a free loopback port beside the machine's
 * Redis, that the test can stop (SIGTERM or SIGKILL) and start again on the same port. Without the
 * {@code redis-server} binary the test fails when {@code CI=true} and is skipped otherwise. Every
 * process still running when the JVM exits is killed then, should a test not get to stop it.
 */
public final class RedisServerProcess implements AutoCloseable {

    /** Processes started and not yet stopped, killed on JVM exit as a backstop. */
    private static final Set<Process> RUNNING = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> RUNNING.forEach(Process::destroyForcibly), "redis-server-reaper"));
    }

    private final int port;
    private final Path dir;
    /** What goes before the common arguments (a config file) and after them (cluster, TLS, sentinel options). */
    private final List<String> leading;
    private final List<String> extra;
    /** A TLS-only server does not answer a plain PING: it is ready when its log says so. */
    private final boolean tls;
    private Process process;

    private RedisServerProcess(int port, Path dir, List<String> leading, List<String> extra, boolean tls) {
        this.port = port;
        this.dir = dir;
        this.leading = leading;
        this.extra = extra;
        this.tls = tls;
    }

    /** Starts a new server on a free port. */
    public static RedisServerProcess start() throws IOException, InterruptedException {
        return start(List.of());
    }

    /** Starts a new server on a free port with {@code extraArgs} after the usual ones (later ones win). */
    public static RedisServerProcess start(List<String> extraArgs) throws IOException, InterruptedException {
        RedisServerProcess server = new RedisServerProcess(freePort(), Files.createTempDirectory("tollgate-redis"),
                List.of(), List.copyOf(extraArgs), false);
        server.startAgain();
        return server;
    }

    /**
     * Starts a server that speaks only TLS, on a free port, with the certificate, key and CA
     * files given (clients need no certificate of their own).
     */
    public static RedisServerProcess startTls(Path cert, Path key, Path ca) throws IOException, InterruptedException {
        int tlsPort = freePort();
        RedisServerProcess server = new RedisServerProcess(tlsPort, Files.createTempDirectory("tollgate-redis-tls"), List.of(),
                List.of("--port", "0", "--tls-port", String.valueOf(tlsPort), "--tls-cert-file", cert.toString(),
                        "--tls-key-file", key.toString(), "--tls-ca-cert-file", ca.toString(), "--tls-auth-clients", "no"), true);
        server.startAgain();
        return server;
    }

    /** Starts a Sentinel on a free port that watches the master {@code masterName} at {@code master} (quorum 1). */
    public static RedisServerProcess startSentinel(String masterName, RedisServerProcess master) throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory("tollgate-sentinel");
        Path config = dir.resolve("sentinel.conf");
        Files.writeString(config, "sentinel monitor " + masterName + " 127.0.0.1 " + master.port() + " 1\n"
                + "sentinel down-after-milliseconds " + masterName + " 1000\n"
                + "sentinel failover-timeout " + masterName + " 2000\n");
        RedisServerProcess server = new RedisServerProcess(freePort(), dir, List.of(config.toString()), List.of("--sentinel"), false);
        server.startAgain();
        return server;
    }

    public int port() {
        return port;
    }

    public String uri() {
        return "redis://127.0.0.1:" + port;
    }

    /** The server's log so far, for failure messages. */
    public String log() throws IOException {
        return Files.readString(dir.resolve("redis.log"));
    }

    /** Starts the server (again) on its port and waits until it answers PING. */
    public void startAgain() throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add("redis-server");
        command.addAll(leading);
        command.addAll(List.of("--port", String.valueOf(port), "--bind", "127.0.0.1",
                "--save", "", "--appendonly", "no", "--enable-debug-command", "local", "--dir", dir.toString(), "--logfile", ""));
        command.addAll(extra);
        try {
            process = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(dir.resolve("redis.log").toFile()).start();
            RUNNING.add(process);
        } catch (IOException e) {
            String message = "redis-server cannot be started (" + e.getMessage() + "); install Redis 7 to run this test.";
            if ("true".equalsIgnoreCase(System.getenv("CI"))) {
                Assertions.fail(message + " CI=true: Redis tests must run in CI.");
            }
            Assumptions.abort(message);
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (tls ? !Files.readString(dir.resolve("redis.log")).contains("Ready to accept connections") : !answers(500)) {
            if (!process.isAlive() || System.nanoTime() > deadline) {
                throw new IllegalStateException("redis-server on port " + port + " did not start: "
                        + Files.readString(dir.resolve("redis.log")));
            }
            Thread.sleep(20);
        }
    }

    /** Stops the server: SIGTERM when {@code kill} is false, else SIGKILL; waits until it is gone. */
    public void stop(boolean kill) throws InterruptedException {
        if (process == null) {
            return;
        }
        if (kill) {
            process.destroyForcibly();
        } else {
            process.destroy();
        }
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        RUNNING.remove(process);
        process = null;
    }

    /** Runs one command through a short-lived connection, e.g. {@code CLIENT LIST}. */
    public String clientList() {
        RedisClient client = RedisClient.create(uri());
        try (StatefulRedisConnection<String, String> connection = client.connect()) {
            return connection.sync().clientList();
        } finally {
            client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }
    }

    /** Whether the server answers PING within {@code millis}. */
    public boolean answers(int millis) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), millis);
            socket.setSoTimeout(millis);
            socket.getOutputStream().write("PING\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            byte[] reply = socket.getInputStream().readNBytes(5);
            return new String(reply, java.nio.charset.StandardCharsets.US_ASCII).equals("+PONG");
        } catch (IOException e) {
            return false;
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    @Override
    public void close() {
        try {
            stop(true);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while stopping redis-server on port " + port, e);
        }
    }
}
