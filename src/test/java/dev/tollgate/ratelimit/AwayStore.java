package dev.tollgate.ratelimit;

import dev.tollgate.ratelimit.spi.BucketStore;
import dev.tollgate.ratelimit.spi.BucketPlan;
import dev.tollgate.ratelimit.spi.StoreUnavailableException;
import io.github.bucket4j.ConsumptionProbe;
import io.github.bucket4j.EstimationProbe;
import io.github.bucket4j.VerboseResult;

/** A shared store that is away: every call fails as a Redis that does not answer does. */
final class AwayStore implements BucketStore {

    private static StoreUnavailableException away() {
        return new StoreUnavailableException("away", null);
    }

    @Override
    public ConsumptionProbe tryConsume(String key, BucketPlan plan) {
        throw away();
    }

    @Override
    public VerboseResult<ConsumptionProbe> tryConsumeVerbose(String key, BucketPlan plan) {
        throw away();
    }

    @Override
    public ConsumptionProbe tryConsume(String key, BucketPlan plan, long tokens) {
        throw away();
    }

    @Override
    public VerboseResult<ConsumptionProbe> tryConsumeVerbose(String key, BucketPlan plan, long tokens) {
        throw away();
    }

    @Override
    public VerboseResult<EstimationProbe> estimate(String key, BucketPlan plan, long tokens) {
        throw away();
    }

    @Override
    public void consumeIgnoringLimits(String key, BucketPlan plan, long tokens) {
        throw away();
    }

    @Override
    public boolean isShared() {
        return true;
    }
}
