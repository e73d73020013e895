package dev.tollgate.it;

class TomcatBundleRedisIT extends TomcatBundleIT {

    @Override
    boolean redisStore() {
        return true;
    }
}
