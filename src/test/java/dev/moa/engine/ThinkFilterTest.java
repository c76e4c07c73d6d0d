package dev.moa.engine;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class ThinkFilterTest {

    private static String streamed(List<String> fragments) {
        ThinkFilter filter = new ThinkFilter();
        StringBuilder out = new StringBuilder();
        fragments.forEach(f -> out.append(filter.accept(f)));
        return out.append(filter.flush()).toString();
    }

    @Test
    void aLeadingThinkBlockSplitAcrossFragmentsNeverGoesOut() {
        assertEquals("The answer is 4.", streamed(List.of("<thi", "nk>2+2 is", " 4</th", "ink>\n\nThe answer", " is 4.")));
    }

    @Test
    void whatStreamsIsWhatReasoningStripLeavesOfTheWholeAnswer() {
        String whole = "<think>hmm</think>\nYes. <think>again</think>Done.";
        List<String> oneCharAtATime = whole.chars().mapToObj(c -> String.valueOf((char) c)).toList();
        assertEquals(Reasoning.strip(whole), streamed(oneCharAtATime));
    }

    @Test
    void textWithoutTagsPassesUnchangedIncludingALoneAngleBracketAtTheEnd() {
        assertEquals("a < b and <thin", streamed(List.of("a < b", " and <thin")));
    }

    @Test
    void anAnswerCutOffWhileThinkingShowsNothingOfTheThinking() {
        assertEquals("Start.", streamed(List.of("Start.<think>never", " closed")));
    }
}
