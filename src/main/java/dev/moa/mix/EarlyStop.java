package dev.moa.mix;

import java.util.Optional;
import java.util.regex.Pattern;

/**
 * When a layer's answers agree, skip the remaining layers and return the agreed answer (the layer field
 * {@code early_stop}).
 *
 * @param min     how many equal answers stop the mix at least; {@code unanimous} also needs every answer that came
 *                back to be equal (and sets 2)
 * @param extract compare only what this pattern matches (its last match; group 1 if it has a group)
 */
public record EarlyStop(When when, int min, Optional<Pattern> extract) {

    public enum When {
        UNANIMOUS("unanimous"), MAJORITY("majority");

        private final String id;

        When(String id) {
            this.id = id;
        }

        public String id() {
            return id;
        }
    }
}
