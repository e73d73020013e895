package dev.tollgate.ratelimit;

import dev.tollgate.ratelimit.spi.BucketPlan;

/** Plans as the filter makes them, for the store tests in other packages. */
public final class TestPlans {

    private TestPlans() {
    }

    /** The plan {@code name} with {@code limits} ({@code 100/1m, 5000/1d}), as a store sees it. */
    public static BucketPlan plan(String name, String limits) {
        return Plan.of(name, Limits.parse(limits)).bucketPlan();
    }
}
