package dev.tollgate.it;

import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;

/**
 * Cases against the real Redis ({@link RedisTestSupport}), connected once per class; every key
 * they write starts with {@link #prefix}, and those keys are deleted when the class is done.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class RealRedisCases {

    protected RedisTestSupport redis;
    protected final String prefix = "tollgate-test-" + getClass().getSimpleName() + "-" + UUID.randomUUID() + ":";

    @BeforeAll
    protected final void connectToRedis() {
        redis = RedisTestSupport.connect();
    }

    @AfterAll
    protected final void deleteKeysAndDisconnect() {
        if (redis != null) {
            redis.deleteKeys(prefix);
            redis.close();
        }
    }
}
