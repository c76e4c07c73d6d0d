package dev.moa.engine;

import java.util.List;
import java.util.Optional;

/**
 * How the aggregator's answer measured up to the JSON format the client asked for ({@code response_format}
 * {@code json_object} or {@code json_schema}).
 *
 * @param format the format asked for
 * @param errors what was wrong, first with the answer, then with the answer to the retry; empty when valid at once
 * @param retry  the one further call that asked the aggregator to correct its answer, when there was one
 * @param valid  whether the answer returned is valid
 */
public record OutputCheck(String format, List<String> errors, Optional<AgentOutcome> retry, boolean valid) {

    public OutputCheck {
        errors = List.copyOf(errors);
    }
}
