package dev.moa.engine;

import dev.moa.mix.Agent;
import dev.moa.mix.References;
import dev.moa.mix.Sampling;
import dev.moa.provider.Message;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

class ReferenceInjectorTest {

    private static final Agent PLAIN = Agent.of("p", "m", Sampling.NONE, null, 1, null);
    private static final List<Reference> REFS = List.of(new Reference("A", null), new Reference("B", null),
            new Reference("C", null));
    private final ReferenceInjector injector = new ReferenceInjector(() -> new SplittableRandom(7));

    @Test
    void firstLayerGetsTheConversationPlusTheAgentSystemPrompt() {
        List<Message> conversation = List.of(Message.system("client rules"), new Message("user", "q"));
        assertEquals(conversation, injector.messagesFor(PLAIN, References.DEFAULT, conversation, List.of()));
        Agent prompted = Agent.of("p", "m", Sampling.NONE, "agent rules", 1, null);
        assertEquals(List.of(Message.system("agent rules\n\nclient rules"), new Message("user", "q")),
                injector.messagesFor(prompted, References.DEFAULT, conversation, List.of()));
        assertEquals(List.of(Message.system("agent rules"), new Message("user", "q")),
                injector.messagesFor(prompted, References.DEFAULT, List.of(new Message("user", "q")), List.of()));
    }

    @Test
    void customPromptInTheLastUserTurn() {
        References inUser = new References("Consider:", References.Placement.USER, false, 0);
        List<Message> conversation = List.of(new Message("user", "first"), new Message("assistant", "a"),
                new Message("user", "second"));
        assertEquals(List.of(new Message("user", "first"), new Message("assistant", "a"),
                        new Message("user", "second\n\nConsider:\n\n1. A\n\n2. B\n\n3. C")),
                injector.messagesFor(PLAIN, inUser, conversation, REFS));
    }

    @Test
    void shuffleReordersAndDropoutRemovesButNeverAll() {
        References shuffled = new References("R", References.Placement.SYSTEM, true, 0);
        List<String> orders = new ArrayList<>();
        ReferenceInjector varying = new ReferenceInjector(new SplittableRandom(1)::split);
        for (int i = 0; i < 20; i++) {
            orders.add(varying.messagesFor(PLAIN, shuffled, List.of(new Message("user", "q")), REFS).get(0).content());
        }
        assertNotEquals(1, orders.stream().distinct().count(), "shuffle changes the order between calls");
        orders.forEach(o -> assertEquals(3, o.split("\n\n\\d\\. ").length - 1));

        References dropAlmostAll = new References("R", References.Placement.SYSTEM, false, 0.99);
        for (int i = 0; i < 20; i++) {
            String system = varying.messagesFor(PLAIN, dropAlmostAll, List.of(new Message("user", "q")), REFS)
                    .get(0).content();
            assertEquals(1, system.split("\n\n\\d\\. ").length - 1, "at least one reference always stays");
        }
    }
}
