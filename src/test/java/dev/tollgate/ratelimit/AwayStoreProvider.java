package dev.tollgate.ratelimit;

import dev.tollgate.ratelimit.spi.BucketStore;
import dev.tollgate.ratelimit.spi.StoreProvider;
import dev.tollgate.ratelimit.spi.StoreSettings;
import jakarta.servlet.ServletException;
import java.util.Set;

/** A store of the application's own, named by class: an {@link AwayStore}, with one param of its own. */
public final class AwayStoreProvider implements StoreProvider {

    /** The settings of the last store opened. */
    static volatile StoreSettings lastSettings;

    @Override
    public Set<String> params() {
        return Set.of("away-reason");
    }

    @Override
    public BucketStore open(StoreSettings settings) throws ServletException {
        String reason = settings.string("away-reason", "down");
        if (!reason.equals("down") && !reason.equals("maintenance")) {
            throw settings.invalid("away-reason", reason, "must be down or maintenance");
        }
        lastSettings = settings;
        return new AwayStore();
    }
}
