package dev.moa.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.moa.mix.Agent;
import dev.moa.mix.InvalidDocumentException;
import dev.moa.mix.Layer;
import dev.moa.mix.Mix;
import dev.moa.mix.MixDocuments;
import dev.moa.mix.ProviderConfig;
import dev.moa.mix.References;
import dev.moa.mix.Sampling;
import dev.moa.mix.ToolMode;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Finds a mix by the name a client sends as {@code model}, and checks it together with its providers. A mix is
 * validated again only when one of its documents changed.
 *
 * <p>Direct models: {@code <provider>/<model>}, where {@code <provider>} names a provider document and no mix has
 * that name, resolves to a mix of one layer holding one agent, that model: one call, no mixing, and everything else
 * (usage, cost, trace, errors, streaming, tools) as for any mix. It is the baseline a mix is compared with. Direct
 * models are not listed: there is no document to list.
 */
public final class MixCatalog {

    /** How many validated mixes a warm instance keeps; model names come from clients, so this is bounded. */
    private static final int MAX_VALIDATED = 256;

    /** The longest {@code <provider>/<model>} taken as a direct model. */
    private static final int MAX_DIRECT_MODEL = 256;

    /**
     * A mix validated from exactly these documents: reused while the store returns the same documents. A direct
     * model has no mix document ({@code mix} null).
     */
    private record Validated(StoredDocument mix, Map<String, StoredDocument> providers, ResolvedMix resolved) {
    }

    private final DocumentStore store;
    private final ObjectMapper json;
    private final Map<String, Validated> validated = new ConcurrentHashMap<>();

    public MixCatalog(DocumentStore store, ObjectMapper json) {
        this.store = store;
        this.json = json;
    }

    /**
     * @return empty when no such mix exists
     * @throws InvalidDocumentException when the mix or one of its providers is invalid
     */
    public Optional<ResolvedMix> resolve(String model) {
        Optional<StoredDocument> document = store.mix(model);
        if (document.isEmpty()) {
            return direct(model);
        }
        StoredDocument doc = document.get();
        Validated known = validated.get(model);
        if (known != null && doc.equals(known.mix()) && unchanged(known.providers())) {
            return Optional.of(known.resolved());
        }
        Map<String, Optional<StoredDocument>> providerDocs = new HashMap<>();
        Mix mix = MixDocuments.parseMix(model, doc.label(), parse(doc),
                name -> providerDocs.computeIfAbsent(name, store::provider).isPresent()).withVersion(doc.version());
        Map<String, ProviderConfig> providers = new HashMap<>();
        for (Layer layer : mix.layers()) {
            for (Agent agent : layer.agents().stream().flatMap(a -> a.candidates().stream()).toList()) {
                providers.computeIfAbsent(agent.provider(), name -> {
                    StoredDocument providerDoc = providerDocs.get(name).orElseThrow();
                    return MixDocuments.parseProvider(name, providerDoc.label(), parse(providerDoc));
                });
            }
        }
        ResolvedMix resolved = new ResolvedMix(mix, providers, doc.modified());
        Map<String, StoredDocument> used = new HashMap<>();
        providers.keySet().forEach(name -> used.put(name, providerDocs.get(name).orElseThrow()));
        remember(model, new Validated(doc, used, resolved));
        return Optional.of(resolved);
    }

    /** {@code <provider>/<model>} as a one-agent mix, when the provider document exists. */
    private Optional<ResolvedMix> direct(String model) {
        int slash = model.indexOf('/');
        if (slash <= 0 || slash == model.length() - 1 || model.length() > MAX_DIRECT_MODEL
                || model.chars().anyMatch(c -> c < 0x20 || c == 0x7f || Character.isWhitespace(c))) {
            return Optional.empty();
        }
        String providerName = model.substring(0, slash);
        Optional<StoredDocument> providerDoc = store.provider(providerName);
        if (providerDoc.isEmpty()) {
            return Optional.empty();
        }
        Validated known = validated.get(model);
        if (known != null && known.mix() == null && unchanged(known.providers())) {
            return Optional.of(known.resolved());
        }
        ProviderConfig provider = MixDocuments.parseProvider(providerName, providerDoc.get().label(),
                parse(providerDoc.get()));
        Agent agent = Agent.of(providerName, model.substring(slash + 1), Sampling.NONE, null, 1, null);
        Layer only = new Layer(List.of(agent), 1, References.DEFAULT, Optional.empty(), ToolMode.PASS);
        Mix mix = new Mix(model, "direct model " + model, List.of(only));
        ResolvedMix resolved = new ResolvedMix(mix, Map.of(providerName, provider), providerDoc.get().modified());
        remember(model, new Validated(null, Map.of(providerName, providerDoc.get()), resolved));
        return Optional.of(resolved);
    }

    private void remember(String model, Validated entry) {
        if (validated.size() >= MAX_VALIDATED) {
            validated.clear();
        }
        validated.put(model, entry);
    }

    private boolean unchanged(Map<String, StoredDocument> providers) {
        for (Map.Entry<String, StoredDocument> provider : providers.entrySet()) {
            if (!store.provider(provider.getKey()).filter(provider.getValue()::equals).isPresent()) {
                return false;
            }
        }
        return true;
    }

    /** A mix for the model list, without validating it. */
    public Optional<MixListing> find(String model) {
        return store.mix(model).map(doc -> new MixListing(model, description(doc), doc.modified()));
    }

    public List<MixListing> list() {
        return store.mixes().stream().map(doc -> new MixListing(doc.name(), description(doc), doc.modified())).toList();
    }

    private String description(StoredDocument doc) {
        try {
            JsonNode node = json.readTree(doc.json());
            return node != null && node.path("description").isTextual() ? node.get("description").textValue() : "";
        } catch (JsonProcessingException e) {
            return "";
        }
    }

    private JsonNode parse(StoredDocument doc) {
        try {
            return json.readTree(doc.json());
        } catch (JsonProcessingException e) {
            String where = e.getLocation() == null ? ""
                    : " (line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")";
            throw new InvalidDocumentException(doc.label() + ": not valid JSON" + where);
        }
    }
}
