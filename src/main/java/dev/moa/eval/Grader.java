package dev.moa.eval;

import java.util.List;

/**
 * One testing criterion of an eval. {@code id} is how runs name it ({@code per_testing_criteria_results},
 * {@code results[].name}): the grader's name and a UUID, as OpenAI does.
 */
public sealed interface Grader {

    String id();

    String name();

    String type();

    /** {@code string_check}: {@code eq}, {@code ne}, {@code like} (contains), {@code ilike} (contains, any case). */
    record StringCheck(String id, String name, Template input, Template reference, String operation)
            implements Grader {
        @Override
        public String type() {
            return "string_check";
        }
    }

    /** {@code text_similarity}: a score in [0, 1] by {@code metric}; passes at {@code passThreshold} or above. */
    record TextSimilarity(String id, String name, Template input, Template reference, String metric,
                          double passThreshold) implements Grader {
        @Override
        public String type() {
            return "text_similarity";
        }
    }

    /** {@code label_model}: the model must answer one of {@code labels}; passes on {@code passingLabels}. */
    record LabelModel(String id, String name, String model, List<PromptMessage> input, List<String> labels,
                      List<String> passingLabels) implements Grader {
        @Override
        public String type() {
            return "label_model";
        }
    }

    /**
     * {@code score_model}: a number in {@code [low, high]} read from the model's answer; passes at
     * {@code passThreshold} or above (none: every valid score passes).
     */
    record ScoreModel(String id, String name, String model, List<PromptMessage> input, double low, double high,
                      Double passThreshold, Sampling sampling) implements Grader {
        @Override
        public String type() {
            return "score_model";
        }
    }

    /** A grader model's or a run's sampling params; null = not set. */
    record Sampling(Double temperature, Integer maxTokens, Double topP, Long seed) {
        public static final Sampling NONE = new Sampling(null, null, null, null);
    }
}
