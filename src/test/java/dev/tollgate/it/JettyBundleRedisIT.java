package dev.tollgate.it;

class JettyBundleRedisIT extends JettyBundleIT {

    @Override
    boolean redisStore() {
        return true;
    }
}
