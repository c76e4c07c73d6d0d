package dev.moa.mix;

import java.util.Map;
import java.util.Optional;

/** A provider document's {@code pricing}: a price per model id, and optionally a {@code "default"} for the others. */
public record Pricing(Map<String, Price> models, Optional<Price> fallback) {

    public static final Pricing NONE = new Pricing(Map.of(), Optional.empty());

    public Pricing {
        models = Map.copyOf(models);
    }

    /** Empty when the model has no price: its calls' cost is unknown, never zero. */
    public Optional<Price> priceOf(String model) {
        Price price = models.get(model);
        return price != null ? Optional.of(price) : fallback;
    }
}
