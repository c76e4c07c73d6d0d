package dev.moa.provider;

import java.util.ArrayList;
import java.util.List;

/**
 * A conversation as Anthropic's Messages API and Bedrock's Converse take it: the system messages lifted out as one
 * system text, and the other turns alternating between user and assistant (consecutive turns of one role merged,
 * since both APIs reject them).
 *
 * @param system the system messages joined by blank lines; null when there are none
 */
public record AlternatingTurns(String system, List<Message> turns) {

    public AlternatingTurns {
        turns = List.copyOf(turns);
    }

    public static AlternatingTurns of(List<Message> messages) {
        StringBuilder system = null;
        List<Message> turns = new ArrayList<>();
        for (Message message : messages) {
            if (message.isSystem()) {
                system = system == null ? new StringBuilder(message.content()) : system.append("\n\n").append(message.content());
                continue;
            }
            int last = turns.size() - 1;
            if (last >= 0 && turns.get(last).role().equals(message.role())) {
                Message previous = turns.get(last);
                turns.set(last, previous.withContent(previous.content() + "\n\n" + message.content()));
            } else {
                turns.add(message);
            }
        }
        return new AlternatingTurns(system == null ? null : system.toString(), turns);
    }
}
