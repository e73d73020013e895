package dev.tollgate.ratelimit.redis;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.github.bucket4j.redis.consts.LuaScripts;
import io.github.bucket4j.redis.lettuce.RedisApi;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.ScriptOutputType;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The Redis calls of bucket4j's compare-and-swap proxy, minus most of its {@code GET}s.
 *
 * <p>The proxy reads a bucket ({@code GET}), decides in this JVM, and writes the new state only if
 * the bucket still holds what it read (a compare-and-swap script): two round trips per decision.
 * But when this node wrote a bucket last, it already knows what the bucket holds. So the state
 * of each successful compare-and-swap is kept for {@code fresh}, and the next read of that key is
 * answered from it without a round trip:
 * <ul>
 *   <li>If another node wrote the bucket since, the compare-and-swap fails (Redis holds other
 *       bytes), the kept state is dropped, and the proxy reads and tries again as it does after
 *       any lost race: exactness does not depend on the kept state.</li>
 *   <li>A key whose compare-and-swap from a kept state failed is read from Redis for the next
 *       {@code fresh}, so a bucket that several nodes share at once costs two round trips, not
 *       three.</li>
 *   <li>A decision that writes nothing (a request rejected for want of tokens) can be made from
 *       a kept state alone. Other nodes only take tokens from a bucket, so such a rejection is one
 *       that Redis's state would give too; it is at most {@code fresh} old.</li>
 * </ul>
 */
final class LastWrittenStates<K> implements RedisApi<K> {

    private final RedisApi<K> redis;
    private final Cache<K, byte[]> written;
    private final Cache<K, Boolean> contended;

    LastWrittenStates(RedisApi<K> redis, long maxKeys, Duration fresh) {
        this.redis = redis;
        this.written = Caffeine.newBuilder().maximumSize(maxKeys).expireAfterWrite(fresh).executor(Runnable::run).build();
        this.contended = Caffeine.newBuilder().maximumSize(maxKeys).expireAfterWrite(fresh).executor(Runnable::run).build();
    }

    @Override
    public RedisFuture<byte[]> get(K key) {
        byte[] known = written.getIfPresent(key);
        if (known != null) {
            Relay<byte[]> read = new Relay<>();
            read.complete(known);
            return read;
        }
        return redis.get(key);
    }

    @Override
    @SuppressWarnings("unchecked")
    public <V> RedisFuture<V> eval(String script, ScriptOutputType type, K[] keys, byte[][] params) {
        RedisFuture<V> result = redis.eval(script, type, keys, params);
        byte[] expected;
        byte[] next;
        if (script == LuaScripts.SCRIPT_COMPARE_AND_SWAP_PX || script == LuaScripts.SCRIPT_COMPARE_AND_SWAP) {
            expected = params[0];
            next = params[1];
        } else if (script == LuaScripts.SCRIPT_SET_NX_PX || script == LuaScripts.SCRIPT_SET_NX) {
            expected = null;
            next = params[0];
        } else {
            return result;
        }
        K key = keys[0];
        boolean fromKept = expected != null && written.getIfPresent(key) == expected;
        // The proxy goes on only once the outcome is kept, so its next read of the key sees it.
        Relay<V> relay = new Relay<>();
        result.whenComplete((swapped, failure) -> {
            if (failure != null) {
                written.invalidate(key);
                relay.completeExceptionally(failure);
            } else {
                remember(key, Boolean.TRUE.equals(swapped), fromKept, next);
                relay.complete(swapped);
            }
        });
        return relay;
    }

    private void remember(K key, boolean swapped, boolean fromKept, byte[] next) {
        if (swapped) {
            if (contended.getIfPresent(key) == null) {
                written.put(key, next);
            }
            return;
        }
        written.invalidate(key);
        if (fromKept) {
            contended.put(key, Boolean.TRUE);
        }
    }

    @Override
    public RedisFuture<?> delete(K key) {
        written.invalidate(key);
        return redis.delete(key);
    }

    /** A Redis answer passed on (or made here, for a read answered from a kept state). */
    private static final class Relay<V> extends CompletableFuture<V> implements RedisFuture<V> {

        @Override
        public String getError() {
            if (!isCompletedExceptionally()) {
                return null;
            }
            try {
                join();
                return null;
            } catch (RuntimeException e) {
                return e.getCause() == null ? e.getMessage() : e.getCause().getMessage();
            }
        }

        @Override
        public boolean await(long timeout, TimeUnit unit) throws InterruptedException {
            try {
                get(timeout, unit);
                return true;
            } catch (ExecutionException e) {
                return true;
            } catch (TimeoutException e) {
                return false;
            }
        }
    }
}
