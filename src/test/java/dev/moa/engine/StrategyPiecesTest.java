package dev.moa.engine;

import dev.moa.mix.ReferenceBudget;
import dev.moa.provider.Completion;
import dev.moa.provider.Usage;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The small rules behind the strategies, on their own. */
class StrategyPiecesTest {

    @Test
    void thinkingIsStrippedInEveryShapeModelsProduce() {
        assertEquals("Answer.", Reasoning.strip("<think>a\nb</think>\n\nAnswer."));
        assertEquals("A then B", Reasoning.strip("A <think>x</think>then <think>y</think>B"));
        assertEquals("Partial", Reasoning.strip("Partial <think>cut off by max_tokens"), "an unclosed block");
        assertEquals("Answer", Reasoning.strip("thinking without an opening tag</think>Answer"), "an orphan close");
        assertEquals("no thinking here", Reasoning.strip("no thinking here"));
        assertEquals("<think>r</think>\nA", Reasoning.inline(new Completion("A", "stop", Usage.ZERO, List.of(), "r")));
        assertEquals("A", Reasoning.asReference(new Completion("A", "stop", Usage.ZERO, List.of(), "r"), false));
    }

    @Test
    void aRankReplyNamesExactlyOneNumber() {
        assertEquals(Optional.of(2), Ranking.onlyNumber("2"));
        assertEquals(Optional.of(2), Ranking.onlyNumber(" #2."));
        assertEquals(Optional.of(3), Ranking.onlyNumber("The best answer is 3, clearly (3)."));
        assertEquals(Optional.of(1), Ranking.onlyNumber("01"));
        assertEquals(Optional.empty(), Ranking.onlyNumber("1 or 2"));
        assertEquals(Optional.empty(), Ranking.onlyNumber("none of them"));
        assertEquals(Optional.empty(), Ranking.onlyNumber("99999999999999999999"));
        assertEquals(Optional.empty(), Ranking.onlyNumber(""));
    }

    @Test
    void answersAreComparedAfterNormalisation() {
        assertEquals(Agreement.key("The answer is 42.", Optional.empty()),
                Agreement.key("  the ANSWER   is\n42 !", Optional.empty()));
        assertEquals(Optional.of("7"), Agreement.key("3 + 4 = 7, not 8? No: 7.", Optional.of(Pattern.compile("\\d+")))
                .map(k -> k), "the last match");
        assertEquals(Optional.of("7"), Agreement.key("x = 7 (final)", Optional.of(Pattern.compile("= (\\d+)"))),
                "group 1");
        assertEquals(Optional.empty(), Agreement.key("no number", Optional.of(Pattern.compile("\\d+"))));
        assertEquals(Optional.of("ok"), Agreement.key("<think>1 2 3</think>OK.", Optional.empty()));
    }

    private static List<Reference> refs(int... chars) {
        List<Reference> refs = new java.util.ArrayList<>();
        for (int i = 0; i < chars.length; i++) {
            refs.add(new Reference("x".repeat(chars[i]), null, "stop", i + 1, "p/m" + (i + 1)));
        }
        return refs;
    }

    @Test
    void budgetsKeepAtLeastOneReferenceAndRecordEveryCut() {
        PreparedReferences dropped = ReferenceBudgeter.apply(new ReferenceBudget(ReferenceBudget.DEFAULT_MAX_REFERENCE_TOKENS, 10,
                ReferenceBudget.Overflow.DROP_LONGEST), refs(400, 200));
        assertEquals(1, dropped.references().size(), "one always stays");
        assertEquals(2, dropped.references().get(0).number());
        assertEquals("x".repeat(40) + "\n\n[… reference truncated: about 50 tokens, cut to 10 (max_total_reference_tokens)]",
                dropped.references().get(0).content());
        assertEquals(List.of(new ReferenceCut(1, "p/m1", ReferenceCut.Kind.DROPPED, 100, 0),
                new ReferenceCut(2, "p/m2", ReferenceCut.Kind.TRUNCATED, 50, 10)), dropped.cuts());

        PreparedReferences capped = ReferenceBudgeter.apply(new ReferenceBudget(30, 45,
                ReferenceBudget.Overflow.TRUNCATE), refs(400, 80, 8));
        // The cap takes reference 1 from 100 to 30; the total (30 + 20 + 2 > 45) then evens the longest down to 23.
        assertEquals(List.of(new ReferenceCut(1, "p/m1", ReferenceCut.Kind.TRUNCATED, 100, 23)), capped.cuts());
        assertEquals("x".repeat(80), capped.references().get(1).content());

        PreparedReferences fits = ReferenceBudgeter.apply(new ReferenceBudget(ReferenceBudget.DEFAULT_MAX_REFERENCE_TOKENS, 1000,
                ReferenceBudget.Overflow.SEQUENTIAL), refs(400, 400));
        assertEquals(false, fits.switchedToSequential());
        assertTrue(ReferenceBudgeter.apply(new ReferenceBudget(ReferenceBudget.DEFAULT_MAX_REFERENCE_TOKENS, 150, ReferenceBudget.Overflow.SEQUENTIAL),
                refs(400, 400)).switchedToSequential());
    }

    @Test
    void everyReferenceHasADefaultHardCap() {
        PreparedReferences capped = ReferenceBudgeter.apply(ReferenceBudget.DEFAULT, refs(8192 * 4 + 40, 8));
        assertEquals("x".repeat(8192 * 4) + "\n\n[… reference truncated: about 8202 tokens, cut to 8192 "
                + "(max_reference_tokens)]", capped.references().get(0).content());
        assertEquals("x".repeat(8), capped.references().get(1).content());
        assertEquals(List.of(new ReferenceCut(1, "p/m1", ReferenceCut.Kind.TRUNCATED, 8202, 8192)), capped.cuts());
    }

    @Test
    void truncationNeverSplitsASurrogatePair() {
        // One token is four characters; the fourth here is the first half of an emoji, so the cut moves before it.
        assertEquals("abc" + ReferenceBudgeter.marker(2, 1, "max_reference_tokens"),
                ReferenceBudgeter.truncate("abc\uD83D\uDE00", 1, 2, "max_reference_tokens"));
    }
}
