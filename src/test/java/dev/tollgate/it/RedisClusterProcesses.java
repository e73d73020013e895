package dev.tollgate.it;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * A Redis Cluster of the test's own: {@value #MASTERS} masters and one replica each, six
 * {@code redis-server} processes on free loopback ports, joined by {@code redis-cli --cluster create}.
 * {@code cluster-node-timeout} is 1000 ms, so a replica takes over a killed master within a few
 * seconds. {@link #close()} stops every process, and the JVM kills any left on exit.
 */
public final class RedisClusterProcesses implements AutoCloseable {

    static final int MASTERS = 3;

    private final List<RedisServerProcess> nodes = new ArrayList<>();

    private RedisClusterProcesses() {
    }

    /** Starts the six nodes, creates the cluster and waits until every node says it is ok. */
    public static RedisClusterProcesses start() throws IOException, InterruptedException {
        RedisClusterProcesses cluster = new RedisClusterProcesses();
        try {
            for (int i = 0; i < MASTERS * 2; i++) {
                cluster.nodes.add(RedisServerProcess.start(List.of("--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf",
                        "--cluster-node-timeout", "1000", "--cluster-port", String.valueOf(RedisServerProcess.freePort()))));
            }
            List<String> command = new ArrayList<>(List.of("redis-cli", "--cluster", "create"));
            cluster.nodes.forEach(n -> command.add("127.0.0.1:" + n.port()));
            command.addAll(List.of("--cluster-replicas", "1", "--cluster-yes"));
            Process create = new ProcessBuilder(command).redirectErrorStream(true).start();
            if (!create.waitFor(60, TimeUnit.SECONDS)) {
                create.destroyForcibly();
                throw new IllegalStateException("redis-cli --cluster create did not finish within 60 s");
            }
            String output = new String(create.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (create.exitValue() != 0) {
                throw new IllegalStateException("redis-cli --cluster create failed: " + output);
            }
            cluster.awaitHealthy(Duration.ofSeconds(30));
            return cluster;
        } catch (IOException | InterruptedException | RuntimeException | Error e) {
            cluster.close();
            throw e;
        }
    }

    /** The seed nodes as the filter's {@code redis-uri} takes them: {@code redis://h1:p1,h2:p2,h3:p3}. */
    public String uri() {
        return "redis://" + nodes.subList(0, MASTERS).stream().map(n -> "127.0.0.1:" + n.port()).collect(Collectors.joining(","));
    }

    /** The nodes that are masters now, and answer. */
    public List<RedisServerProcess> masters() {
        List<RedisServerProcess> masters = new ArrayList<>();
        for (RedisServerProcess node : nodes) {
            if (node.answers(500) && "master".equals(on(node, c -> c.info("replication").lines()
                    .filter(l -> l.startsWith("role:")).findFirst().orElse("role:?").substring(5).strip()))) {
                masters.add(node);
            }
        }
        return masters;
    }

    /** Runs {@code command} on one node through a short-lived connection. */
    public static <T> T on(RedisServerProcess node, Function<RedisCommands<String, String>, T> command) {
        RedisClient client = RedisClient.create(node.uri());
        try (StatefulRedisConnection<String, String> connection = client.connect()) {
            return command.apply(connection.sync());
        } finally {
            client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }
    }

    /**
     * Waits until {@value #MASTERS} masters answer, each node that answers sees the cluster ok,
     * and every replica's link to its master is up.
     */
    public void awaitHealthy(Duration within) throws InterruptedException {
        long deadline = System.nanoTime() + within.toNanos();
        String last = "";
        while (System.nanoTime() < deadline) {
            last = state();
            if (last.isEmpty()) {
                return;
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("the cluster is not healthy after " + within + ": " + last);
    }

    /** What is not healthy yet, or empty. */
    private String state() {
        StringBuilder problems = new StringBuilder();
        int masters = 0;
        for (RedisServerProcess node : nodes) {
            if (!node.answers(500)) {
                continue;
            }
            String info = on(node, RedisCommands::clusterInfo);
            if (!info.contains("cluster_state:ok")) {
                problems.append(node.port()).append(" cluster_state not ok; ");
            }
            String replication = on(node, c -> c.info("replication"));
            if (replication.contains("role:master")) {
                masters++;
            } else if (!replication.contains("master_link_status:up")) {
                problems.append(node.port()).append(" replica link not up; ");
            }
        }
        if (masters != MASTERS) {
            problems.append(masters).append(" masters; ");
        }
        return problems.toString();
    }

    @Override
    public void close() {
        for (RedisServerProcess node : nodes) {
            node.close();
        }
    }
}
