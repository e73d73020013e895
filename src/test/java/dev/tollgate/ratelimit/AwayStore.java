package dev.tollgate.ratelimit;

import io.github.bucket4j.ConsumptionProbe;
import io.github.bucket4j.EstimationProbe;
import io.github.bucket4j.VerboseResult;

/** A shared store that is away: every call fails as a Redis that does not answer does. */
final class AwayStore implements BucketStore {

    private static BucketStoreUnavailableException away() {
        return new BucketStoreUnavailableException("away", null);
    }

    @Override
    public ConsumptionProbe tryConsume(String key, Plan plan) {
        throw away();
    }

    @Override
    public VerboseResult<ConsumptionProbe> tryConsumeVerbose(String key, Plan plan) {
        throw away();
    }

    @Override
    public ConsumptionProbe tryConsume(String key, Plan plan, long tokens) {
        throw away();
    }

    @Override
    public VerboseResult<ConsumptionProbe> tryConsumeVerbose(String key, Plan plan, long tokens) {
        throw away();
    }

    @Override
    public VerboseResult<EstimationProbe> estimate(String key, Plan plan, long tokens) {
        throw away();
    }

    @Override
    public void consumeIgnoringLimits(String key, Plan plan, long tokens) {
        throw away();
    }

    @Override
    public boolean isShared() {
        return true;
    }
}
