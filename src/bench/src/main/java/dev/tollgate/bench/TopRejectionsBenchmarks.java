package dev.tollgate.bench;

import dev.tollgate.internal.TopRejections;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One rejection counted for the status page, on the wall clock as the filter counts it: a client
 * the sketches already keep, and a new client each time ({@code distinct} ones in turn, far more than
 * a sketch keeps, so that each replaces the least rejected client of both windows' current sketch).
 * A million distinct ids do not fit in the CPU's caches, as a flood of clients would not; a few
 * thousand do, which shows the sketch's own cost.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class TopRejectionsBenchmarks {

    private static final String LIMIT = "default-1m";

    @State(Scope.Thread)
    public static class Rejections {
        @Param({"1000000"})
        int distinct;
        TopRejections rejections;
        String[] ids;
        int next;

        @Setup
        public void setUp() {
            rejections = new TopRejections();
            ids = new String[distinct];
            for (int i = 0; i < ids.length; i++) {
                ids[i] = "ip:10." + (i >> 16 & 255) + "." + (i >> 8 & 255) + "." + (i & 255);
            }
        }
    }

    @Benchmark
    public void recordHit(Rejections r) {
        r.rejections.record(r.ids[0], LIMIT, 0);
    }

    @Benchmark
    public void recordMiss(Rejections r) {
        String id = r.ids[r.next];
        r.next = r.next + 1 == r.ids.length ? 0 : r.next + 1;
        r.rejections.record(id, LIMIT, 0);
    }
}
