package dev.tollgate.it;

import static org.junit.jupiter.api.Assertions.fail;

import dev.tollgate.testing.CommandStats;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Assumptions;

/**
 * The real Redis the Redis tests run against: 127.0.0.1:6379, or {@code -Dtollgate.test.redis=host:port}.
 * Unreachable: the tests fail when {@code CI=true}, and are skipped with a message otherwise.
 */
public final class RedisTestSupport implements AutoCloseable {

    public static final String HOST_PORT = System.getProperty("tollgate.test.redis", "127.0.0.1:6379");
    public static final String URI = "redis://" + HOST_PORT;

    private final RedisClient client;
    private final StatefulRedisConnection<String, String> connection;

    private RedisTestSupport() {
        client = RedisClient.create(URI);
        connection = client.connect();
    }

    /** Connects, after checking that Redis answers PING. */
    public static RedisTestSupport connect() {
        String why = ping();
        if (why != null) {
            String message = "Redis at " + HOST_PORT + " is unreachable (" + why + "). Start it with "
                    + "'redis-server --daemonize yes --port 6379 --save \"\" --appendonly no', or point the tests at another "
                    + "with -Dtollgate.test.redis=host:port.";
            if ("true".equalsIgnoreCase(System.getenv("CI"))) {
                fail(message + " CI=true: Redis tests must run in CI.");
            }
            Assumptions.abort(message);
        }
        return new RedisTestSupport();
    }

    private static String ping() {
        String[] hp = HOST_PORT.split(":");
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(hp[0], Integer.parseInt(hp[1])), 1000);
            socket.setSoTimeout(1000);
            socket.getOutputStream().write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
            InputStream in = socket.getInputStream();
            byte[] reply = in.readNBytes(7);
            String text = new String(reply, StandardCharsets.US_ASCII);
            return text.startsWith("+PONG") ? null : "answered " + text.strip();
        } catch (IOException | RuntimeException e) {
            return e.toString();
        }
    }

    public RedisCommands<String, String> commands() {
        return connection.sync();
    }

    /** Deletes every key starting with {@code prefix}. */
    public void deleteKeys(String prefix) {
        List<String> keys = commands().keys(prefix + "*");
        if (!keys.isEmpty()) {
            commands().del(keys.toArray(new String[0]));
        }
    }

    public List<String> keys(String prefix) {
        return commands().keys(prefix + "*");
    }

    /** Calls of {@code command} so far, from {@code INFO commandstats}. */
    public long calls(String command) {
        return CommandStats.calls(commands().info("commandstats"), command);
    }

    /** How many client connections Redis has now. */
    public int clientCount() {
        return (int) commands().clientList().lines().filter(l -> !l.isBlank()).count();
    }

    @Override
    public void close() {
        connection.close();
        client.shutdown();
    }
}
