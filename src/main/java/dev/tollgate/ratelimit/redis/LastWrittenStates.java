package dev.tollgate.ratelimit.redis;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.github.bucket4j.redis.consts.LuaScripts;
import io.github.bucket4j.redis.lettuce.RedisApi;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.ScriptOutputType;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BooleanSupplier;
import java.util.function.ToIntFunction;

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
 *
 * <p>The batched sync's bursts: while {@code holding} says so (the thread starting a burst's
 * syncs), the compare-and-swaps and creates are held back, and {@link #flush()} sends them as one
 * script over all their keys ({@link #MULTI_SWAP}; in a cluster one per slot, as a script's keys
 * must share one), each key swapped or created exactly as bucket4j's own script for it would.
 * A burst of 128 buckets whose states this node wrote last is then one call, not 128.
 */
final class LastWrittenStates<K> implements RedisApi<K> {

    /**
     * bucket4j's compare-and-swap ({@code c}: ARGV expected, new, ttl) and create ({@code n}: new,
     * ttl) scripts for each key in turn, four ARGV per key; 1 or 0 per key.
     */
    static final String MULTI_SWAP = "local r = {}\n"
            + "for i = 1, #KEYS do\n"
            + "  local op, a, b, ttl = ARGV[4 * i - 3], ARGV[4 * i - 2], ARGV[4 * i - 1], ARGV[4 * i]\n"
            + "  if op == 'c' then\n"
            + "    if redis.call('get', KEYS[i]) == a then redis.call('psetex', KEYS[i], ttl, b); r[i] = 1 else r[i] = 0 end\n"
            + "  elseif redis.call('set', KEYS[i], b, 'nx', 'px', ttl) then r[i] = 1 else r[i] = 0 end\n"
            + "end\n"
            + "return r\n";
    private static final byte[] SWAP = {'c'};
    private static final byte[] CREATE = {'n'};
    private static final byte[] NONE = {};

    private final RedisApi<K> redis;
    private final Cache<K, byte[]> written;
    private final Cache<K, Boolean> contended;
    private final BooleanSupplier holding;
    /** The slot of a key in a cluster; {@code null} for one Redis. */
    private final ToIntFunction<K> slotOf;
    /** Swaps held back for {@link #flush()}; only the thread that holds them back touches the list. */
    private final List<Held<K>> held = new ArrayList<>();
    /** Calls sent to Redis (reads not answered here, scripts), for the store's measurements. */
    private final LongAdder calls = new LongAdder();

    /** A compare-and-swap or create held back, and the answer bucket4j's proxy waits for. */
    private record Held<K>(K[] keys, byte[] expected, byte[] next, byte[] ttl, boolean fromKept, Relay<Object> answer) {
    }

    LastWrittenStates(RedisApi<K> redis, long maxKeys, Duration fresh) {
        this(redis, maxKeys, fresh, () -> false, null);
    }

    LastWrittenStates(RedisApi<K> redis, long maxKeys, Duration fresh, BooleanSupplier holding, ToIntFunction<K> slotOf) {
        this.redis = redis;
        this.holding = holding;
        this.slotOf = slotOf;
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
        calls.increment();
        return redis.get(key);
    }

    /** Calls sent to Redis so far. */
    long calls() {
        return calls.sum();
    }

    @Override
    @SuppressWarnings("unchecked")
    public <V> RedisFuture<V> eval(String script, ScriptOutputType type, K[] keys, byte[][] params) {
        byte[] expected;
        byte[] next;
        byte[] ttl = null;
        if (script == LuaScripts.SCRIPT_COMPARE_AND_SWAP_PX || script == LuaScripts.SCRIPT_COMPARE_AND_SWAP) {
            expected = params[0];
            next = params[1];
            ttl = script == LuaScripts.SCRIPT_COMPARE_AND_SWAP_PX ? params[2] : null;
        } else if (script == LuaScripts.SCRIPT_SET_NX_PX || script == LuaScripts.SCRIPT_SET_NX) {
            expected = null;
            next = params[0];
            ttl = script == LuaScripts.SCRIPT_SET_NX_PX ? params[1] : null;
        } else {
            calls.increment();
            return redis.eval(script, type, keys, params);
        }
        K key = keys[0];
        boolean fromKept = expected != null && written.getIfPresent(key) == expected;
        Relay<V> relay = new Relay<>();
        if (ttl != null && type == ScriptOutputType.BOOLEAN && holding.getAsBoolean()) {
            @SuppressWarnings("unchecked")
            Relay<Object> answer = (Relay<Object>) relay;
            held.add(new Held<>(keys, expected, next, ttl, fromKept, answer));
            return relay;
        }
        calls.increment();
        RedisFuture<V> result = redis.eval(script, type, keys, params);
        settle(result, key, fromKept, next, relay);
        return relay;
    }

    /** Passes {@code result} on to {@code relay} once the outcome is kept, so the proxy's next read of the key sees it. */
    private <V> void settle(CompletionStage<V> result, K key, boolean fromKept, byte[] next, Relay<V> relay) {
        result.whenComplete((swapped, failure) -> {
            if (failure != null) {
                written.invalidate(key);
                relay.completeExceptionally(failure);
            } else {
                remember(key, Boolean.TRUE.equals(swapped), fromKept, next);
                relay.complete(swapped);
            }
        });
    }

    /**
     * Sends the swaps held back: one {@link #MULTI_SWAP} per slot (all of them on one Redis).
     * Called on the thread that held them back.
     */
    void flush() {
        // An answer that is back before its callback is attached runs that callback here, and what it
        // goes on to do (a request that waited for the sync) may hold back a swap again: send until none is.
        while (!held.isEmpty()) {
            sendHeld();
        }
    }

    private void sendHeld() {
        Map<Integer, List<Held<K>>> bySlot = new LinkedHashMap<>();
        for (Held<K> h : held) {
            bySlot.computeIfAbsent(slotOf == null ? 0 : slotOf.applyAsInt(h.keys()[0]), slot -> new ArrayList<>()).add(h);
        }
        held.clear();
        for (List<Held<K>> group : bySlot.values()) {
            @SuppressWarnings("unchecked")
            K[] keys = (K[]) java.lang.reflect.Array.newInstance(group.get(0).keys().getClass().getComponentType(), group.size());
            byte[][] params = new byte[group.size() * 4][];
            for (int i = 0; i < group.size(); i++) {
                Held<K> h = group.get(i);
                keys[i] = h.keys()[0];
                params[4 * i] = h.expected() == null ? CREATE : SWAP;
                params[4 * i + 1] = h.expected() == null ? NONE : h.expected();
                params[4 * i + 2] = h.next();
                params[4 * i + 3] = h.ttl();
            }
            calls.increment();
            CompletionStage<List<Object>> answers;
            try {
                answers = redis.eval(MULTI_SWAP, ScriptOutputType.MULTI, keys, params);
            } catch (RuntimeException | Error e) {
                // Every held swap gets an answer, whatever happened: no proxy waits forever.
                answers = CompletableFuture.failedFuture(e);
            }
            for (int i = 0; i < group.size(); i++) {
                int index = i;
                Held<K> h = group.get(i);
                settle(answers.thenApply(results -> Long.valueOf(1).equals(results.get(index))), keys[i], h.fromKept(), h.next(), h.answer());
            }
        }
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
