package dev.moa.engine;

import dev.moa.mix.EarlyStop;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Decides a layer's {@code early_stop}: answers are compared after normalisation (reasoning removed, whitespace
 * collapsed, case folded, trailing punctuation dropped), or only the part the rule's {@code extract} matches.
 */
final class Agreement {

    private static final Pattern TRAILING_PUNCTUATION = Pattern.compile("[\\p{Punct}\\s。！？]+$");
    private static final Pattern WHITESPACE = Pattern.compile("\\s+");

    private Agreement() {
    }

    /** @param skippedLayers the layers after this one, which an early stop skips */
    static Optional<EarlyStopped> check(EarlyStop rule, List<AgentOutcome.Answered> answers, int skippedLayers) {
        Map<String, List<AgentOutcome.Answered>> groups = new LinkedHashMap<>();
        int withKey = 0;
        for (AgentOutcome.Answered answer : answers) {
            Optional<String> key = key(answer.completion().content(), rule.extract());
            if (key.isPresent()) {
                groups.computeIfAbsent(key.get(), k -> new ArrayList<>()).add(answer);
                withKey++;
            }
        }
        List<AgentOutcome.Answered> largest = List.of();
        for (List<AgentOutcome.Answered> group : groups.values()) {
            if (group.size() > largest.size()) {
                largest = group; // the earlier group wins a tie: it holds the earlier answer in the document
            }
        }
        boolean agreed = switch (rule.when()) {
            case UNANIMOUS -> groups.size() == 1 && withKey == answers.size() && largest.size() >= rule.min();
            case MAJORITY -> largest.size() >= rule.min();
        };
        return agreed
                ? Optional.of(new EarlyStopped(rule.when(), largest.size(), answers.size(), largest.get(0), skippedLayers))
                : Optional.empty();
    }

    /** What is compared of one answer; empty when the extract pattern finds nothing in it. */
    static Optional<String> key(String content, Optional<Pattern> extract) {
        String text = Reasoning.strip(content);
        if (extract.isPresent()) {
            Matcher m = extract.get().matcher(text);
            String last = null;
            while (m.find()) {
                last = m.groupCount() >= 1 && m.group(1) != null ? m.group(1) : m.group();
            }
            if (last == null) {
                return Optional.empty();
            }
            text = last;
        }
        String normal = WHITESPACE.matcher(text.strip()).replaceAll(" ").toLowerCase(Locale.ROOT);
        normal = TRAILING_PUNCTUATION.matcher(normal).replaceAll("");
        return normal.isEmpty() ? Optional.empty() : Optional.of(normal);
    }
}
