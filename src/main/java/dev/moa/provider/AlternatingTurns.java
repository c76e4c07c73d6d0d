package dev.moa.provider;

import java.util.ArrayList;
import java.util.List;

/**
 * A conversation as Anthropic's Messages API and Bedrock's Converse take it: the system messages lifted out as one
 * system text, and the other messages grouped into turns that alternate between user and assistant (both APIs reject
 * consecutive turns of one role). Tool results are user turns in both APIs, so they join the user turn around them.
 *
 * @param system the system messages joined by blank lines; null when there are none
 */
public record AlternatingTurns(String system, List<Turn> turns) {

    /**
     * One turn: its role ({@code user} or {@code assistant}) and the messages merged into it, in order. Adjacent text
     * parts are already joined by a blank line.
     */
    public record Turn(String role, List<Message> parts) {
        public Turn {
            parts = List.copyOf(parts);
        }

        /** The turn's text when it is plain text (no tool call, no tool result), else null. */
        public String plainText() {
            return parts.size() == 1 && !parts.get(0).hasToolCalls() && !parts.get(0).isToolResult()
                    ? parts.get(0).content() : null;
        }
    }

    public AlternatingTurns {
        turns = List.copyOf(turns);
    }

    public static AlternatingTurns of(List<Message> messages) {
        StringBuilder system = null;
        List<String> roles = new ArrayList<>();
        List<List<Message>> parts = new ArrayList<>();
        for (Message message : messages) {
            if (message.isSystem()) {
                system = system == null ? new StringBuilder(message.content()) : system.append("\n\n").append(message.content());
                continue;
            }
            String role = message.isAssistant() ? Message.ASSISTANT : Message.USER;
            int last = roles.size() - 1;
            if (last < 0 || !roles.get(last).equals(role)) {
                roles.add(role);
                parts.add(new ArrayList<>(List.of(message)));
                continue;
            }
            List<Message> turn = parts.get(last);
            Message previous = turn.get(turn.size() - 1);
            if (isText(previous) && isText(message)) {
                turn.set(turn.size() - 1, previous.withContent(previous.content() + "\n\n" + message.content()));
            } else {
                turn.add(message);
            }
        }
        List<Turn> turns = new ArrayList<>(roles.size());
        for (int i = 0; i < roles.size(); i++) {
            turns.add(new Turn(roles.get(i), parts.get(i)));
        }
        return new AlternatingTurns(system == null ? null : system.toString(), turns);
    }

    private static boolean isText(Message message) {
        return !message.hasToolCalls() && !message.isToolResult();
    }
}
