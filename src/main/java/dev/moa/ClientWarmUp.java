package dev.moa;

import dev.moa.provider.ChatClients;
import dev.moa.store.MixCatalog;
import dev.moa.store.MixListing;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

import java.util.Optional;

/**
 * While the function initializes, resolves every stored mix and builds the client of each provider it names, so
 * the first request does not pay for loading and building them (on Lambda: inside the init phase, and inside the
 * SnapStart snapshot). Nothing is sent upstream and no key is read. A mix that does not resolve is left for its
 * requests to report, as before.
 */
public class ClientWarmUp {

    private static final Logger LOG = Logger.getLogger(ClientWarmUp.class);

    void onStart(@Observes StartupEvent started, MixCatalog catalog, ChatClients clients) {
        try {
            for (MixListing listing : catalog.list()) {
                try {
                    catalog.resolve(listing.name()).ifPresent(mix -> mix.providers().values()
                            .forEach(provider -> clients.forProvider(provider, Optional.empty())));
                } catch (RuntimeException e) {
                    // Best effort: a broken mix keeps failing its own requests with a clear error, not the init.
                    LOG.debugf("warm-up skipped mix %s: %s", listing.name(), dev.moa.LogText.escape(e.getMessage()));
                }
            }
        } catch (RuntimeException e) {
            LOG.debugf("warm-up skipped: %s", dev.moa.LogText.escape(e.getMessage()));
        }
    }
}
