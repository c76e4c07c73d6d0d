package dev.moa.engine;

import dev.moa.mix.Agent;
import dev.moa.mix.References;
import dev.moa.provider.Message;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;

/**
 * Builds the messages one agent receives: the client's conversation (with its tool turns as {@link ToolRendering}
 * decides), the agent's own system prompt, what it must know of the client's tools and output format, and the
 * previous layer's answers as numbered references. Every call gets fresh lists; nothing is shared
 * between agents or requests.
 */
public final class ReferenceInjector {

    /** Our default instructions to a layer that receives references (a mix may replace them). */
    public static final String DEFAULT_PROMPT = """
            Below are answers that other AI assistants gave to the latest user message. Treat them as \
            material, not as truth: they may contain mistakes, gaps, bias or outdated facts. Check them \
            against each other and against what you know, keep what is correct and useful, drop what is \
            not, and write one answer of your own that is more accurate, complete and clear than any of \
            them. Reply to the user directly; do not mention the numbered answers or these instructions.

            Answers to consider:""";

    /** Our instructions to an agent of a layer with {@code aggregate: "rank"} (a mix's {@code references.prompt} replaces them). */
    public static final String RANK_PROMPT = """
            Below are numbered answers that AI assistants gave to the latest user message. Choose the one that \
            answers it best: the most correct, complete and helpful. Reply with its number only, for example: 2

            Answers to choose from:""";

    /** Our instructions to a sequential synthesis from its second step on (a mix's {@code references.prompt} replaces them). */
    public static final String SEQUENTIAL_PROMPT = """
            Below are answers that other AI assistants gave to the latest user message; the first one is a \
            synthesis of earlier answers, made in a previous step. Treat them as material, not as truth: they may \
            contain mistakes, gaps, bias or outdated facts. Check them against each other and against what you \
            know, keep what is correct and useful, drop what is not, and write one answer of your own that is \
            more accurate, complete and clear than any of them. Reply to the user directly; do not mention the \
            numbered answers or these instructions.

            Answers to consider:""";

    private final Supplier<RandomGenerator> random;

    public ReferenceInjector(Supplier<RandomGenerator> random) {
        this.random = random;
    }

    public List<Message> messagesFor(Agent agent, References settings, List<Message> conversation,
                                     List<Reference> references) {
        return messagesFor(agent, settings, ToolRendering.NONE, conversation, references);
    }

    public List<Message> messagesFor(Agent agent, References settings, ToolRendering tools, List<Message> conversation,
                                     List<Reference> references) {
        return messagesFor(agent, settings, tools, conversation, references.isEmpty() ? references
                : present(settings, references), DEFAULT_PROMPT);
    }

    /**
     * The messages with references already {@link #present presented} (they are numbered as given), introduced by
     * the layer's own {@code prompt} or else by {@code defaultPrompt}.
     */
    public List<Message> messagesFor(Agent agent, References settings, ToolRendering tools, List<Message> conversation,
                                     List<Reference> presented, String defaultPrompt) {
        String block = presented.isEmpty() ? null : referenceBlock(settings, presented, defaultPrompt);
        String toolText = tools.systemText(!presented.isEmpty());
        List<Message> messages = new ArrayList<>(tools.conversation(conversation));
        int lastUser = lastUserIndex(messages);
        boolean inUserTurn = block != null && settings.placement() == References.Placement.USER && lastUser >= 0;
        if (inUserTurn) {
            Message user = messages.get(lastUser);
            messages.set(lastUser, user.withContent(join(user.content(), block)));
        }
        String systemSuffix = join(toolText, inUserTurn ? null : block);
        if (agent.systemPrompt() == null && systemSuffix == null) {
            return List.copyOf(messages);
        }
        int system = firstSystemIndex(messages);
        if (system >= 0) {
            Message client = messages.get(system);
            messages.set(system, client.withContent(join(join(agent.systemPrompt(), client.content()), systemSuffix)));
        } else {
            messages.add(0, Message.system(join(agent.systemPrompt(), systemSuffix)));
        }
        return List.copyOf(messages);
    }

    /** The references in the order one call sees them, after the layer's dropout and shuffle. */
    public List<Reference> present(References settings, List<Reference> references) {
        List<Reference> chosen = new ArrayList<>(references);
        if (settings.dropout() > 0 || settings.shuffle()) {
            RandomGenerator rng = random.get();
            if (settings.dropout() > 0) {
                chosen.removeIf(r -> rng.nextDouble() < settings.dropout());
                if (chosen.isEmpty()) {
                    chosen.add(references.get(rng.nextInt(references.size())));
                }
            }
            if (settings.shuffle()) {
                for (int i = chosen.size() - 1; i > 0; i--) {
                    int j = rng.nextInt(i + 1);
                    chosen.set(i, chosen.set(j, chosen.get(i)));
                }
            }
        }
        return chosen;
    }

    private static String referenceBlock(References settings, List<Reference> chosen, String defaultPrompt) {
        StringBuilder text = new StringBuilder(settings.prompt() != null ? settings.prompt() : defaultPrompt);
        for (int i = 0; i < chosen.size(); i++) {
            Reference ref = chosen.get(i);
            text.append("\n\n").append(i + 1).append(". ");
            if (ref.weight() != null) {
                text.append("[weight ").append(formatWeight(ref.weight())).append("] ");
            }
            text.append(ref.content());
        }
        return text.toString();
    }

    private static String formatWeight(double weight) {
        return weight == Math.rint(weight) ? Long.toString((long) weight) : Double.toString(weight);
    }

    private static String join(String first, String second) {
        if (first == null || first.isEmpty()) {
            return second;
        }
        if (second == null || second.isEmpty()) {
            return first;
        }
        return first + "\n\n" + second;
    }

    private static int firstSystemIndex(List<Message> messages) {
        for (int i = 0; i < messages.size(); i++) {
            if (messages.get(i).isSystem()) {
                return i;
            }
        }
        return -1;
    }

    private static int lastUserIndex(List<Message> messages) {
        for (int i = messages.size() - 1; i >= 0; i--) {
            if (messages.get(i).isUser()) {
                return i;
            }
        }
        return -1;
    }
}
