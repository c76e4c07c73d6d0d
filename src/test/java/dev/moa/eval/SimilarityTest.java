package dev.moa.eval;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The {@code bleu} and {@code rouge_l} text_similarity metrics against values worked out by hand (the arithmetic is in
 * the comments), through {@link Similarity#score} as a grader calls it. Words are lower-cased runs of letters and
 * digits, so case and punctuation never count.
 */
class SimilarityTest {

    private static final double EXACT = 1e-12;

    private static double bleu(String candidate, String reference) {
        return Similarity.score("bleu", candidate, reference);
    }

    private static double rougeL(String candidate, String reference) {
        return Similarity.score("rouge_l", candidate, reference);
    }

    @Test
    void bleuOfIdenticalTextsIsOne() {
        // Every n-gram precision is total/total (add-one from bigrams on: (k+1)/(k+1)), equal lengths: 1.
        assertEquals(1.0, bleu("The cat sat on the mat.", "the cat sat on the mat"), EXACT);
    }

    @Test
    void bleuOfEmptyTexts() {
        assertEquals(1.0, bleu("", ""), EXACT, "nothing against nothing is the same text");
        assertEquals(0.0, bleu("", "the cat"), EXACT);
        assertEquals(0.0, bleu("the cat", ""), EXACT);
        assertEquals(0.0, bleu("...", "the cat"), EXACT, "punctuation only: no words");
    }

    @Test
    void bleuUpToFourGramsWithAddOneSmoothing() {
        // candidate: the cat sat on the mat (6 words); reference: the cat is on the mat (6 words); order 4.
        // 1-grams: the×2, cat, sat, on, mat vs the×2, cat, is, on, mat: matched 2+1+0+1+1 = 5 of 6 -> p1 = 5/6
        // 2-grams: the cat, cat sat, sat on, on the, the mat: matched the cat, on the, the mat = 3 of 5
        //          -> p2 = (3+1)/(5+1) = 2/3
        // 3-grams: the cat sat, cat sat on, sat on the, on the mat: matched on the mat = 1 of 4 -> p3 = (1+1)/(4+1) = 2/5
        // 4-grams: the cat sat on, cat sat on the, sat on the mat: none of 3 -> p4 = (0+1)/(3+1) = 1/4
        // brevity: 6 >= 6 -> 1. BLEU = (5/6 · 2/3 · 2/5 · 1/4)^(1/4) = (20/360)^(1/4) = (1/18)^(1/4) ≈ 0.48549
        assertEquals(Math.pow(1.0 / 18, 0.25), bleu("the cat sat on the mat", "the cat is on the mat"), EXACT);
        assertEquals(0.48549, bleu("the cat sat on the mat", "the cat is on the mat"), 1e-5);
    }

    @Test
    void bleuPenalisesAShortCandidate() {
        // candidate: the cat (2 words); reference: the cat sat on the mat (6); order min(4, 2) = 2.
        // p1 = 2/2 = 1; 2-grams: the cat, matched 1 of 1 -> p2 = (1+1)/(1+1) = 1
        // brevity: exp(1 - 6/2) = exp(-2). BLEU = exp(-2) · (1 · 1)^(1/2) = exp(-2) ≈ 0.13534
        assertEquals(Math.exp(-2), bleu("the cat", "the cat sat on the mat"), EXACT);
    }

    @Test
    void bleuClipsRepeatedWords() {
        // candidate: the the the; reference: the cat; order min(4, 2) = 2.
        // 1-grams: the×3, clipped to the reference's 1 -> p1 = 1/3
        // 2-grams: the the ×2, none in the reference -> p2 = (0+1)/(2+1) = 1/3
        // brevity: 3 >= 2 -> 1. BLEU = (1/3 · 1/3)^(1/2) = 1/3
        assertEquals(1.0 / 3, bleu("the the the", "the cat"), EXACT);
    }

    @Test
    void bleuWithNoCommonWordIsZero() {
        // p1 = 0/1: the geometric mean is 0 (unigrams are not smoothed).
        assertEquals(0.0, bleu("dog", "cat"), EXACT);
        assertEquals(0.0, bleu("a dog barks", "the cat sleeps"), EXACT);
    }

    @Test
    void rougeLOfIdenticalAndEmptyTexts() {
        assertEquals(1.0, rougeL("The cat sat on the mat!", "the cat sat on the mat"), EXACT);
        assertEquals(1.0, rougeL("", ""), EXACT);
        assertEquals(0.0, rougeL("", "the cat"), EXACT);
        assertEquals(0.0, rougeL("the cat", ""), EXACT);
    }

    @Test
    void rougeLIsTheF1OfTheLongestCommonWordSubsequence() {
        // the cat sat on the mat / the cat is on the mat: LCS = the cat on the mat = 5 words
        // P = 5/6, R = 5/6 -> F1 = 5/6
        assertEquals(5.0 / 6, rougeL("the cat sat on the mat", "the cat is on the mat"), EXACT);
        // a b c d / a c e: LCS = a c = 2; P = 2/4, R = 2/3 -> F1 = 2 · (1/2)(2/3) / (1/2 + 2/3) = (2/3)/(7/6) = 4/7
        assertEquals(4.0 / 7, rougeL("a b c d", "a c e"), EXACT);
    }

    @Test
    void rougeLCountsOrderUnlikeRouge1() {
        // c b a / a b c: LCS = 1 word (any one), P = R = 1/3 -> F1 = 1/3; rouge_1 ignores order: 3 of 3 -> 1
        assertEquals(1.0 / 3, rougeL("c b a", "a b c"), EXACT);
        assertEquals(1.0, Similarity.score("rouge_1", "c b a", "a b c"), EXACT);
        assertEquals(0.0, rougeL("dog", "cat"), EXACT);
    }
}
