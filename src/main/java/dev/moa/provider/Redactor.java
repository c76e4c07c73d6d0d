package dev.moa.provider;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

/**
 * The secrets of one request (every provider key it resolved, the client's bearer key), and the one way text
 * derived from a request or an upstream is cleaned of them: {@link #redact} removes each whole key and every run
 * of {@value #FRAGMENT} or more consecutive characters of a key, so a key that an upstream echoed, truncated or
 * split still does not leak. Apply it before any truncation (a cut key is still a fragment, but a fragment cut
 * below {@value #FRAGMENT} characters is not recognised any more).
 *
 * <p>Linear in the text: a rolling hash over every {@value #FRAGMENT}-character window, looked up in a table of
 * the keys' windows, so multi-megabyte answers cost one pass.
 */
public final class Redactor {

    /** A run of this many consecutive characters of a key counts as the key. */
    public static final int FRAGMENT = 12;
    public static final String MARK = "[redacted]";
    public static final Redactor NONE = new Redactor(List.of());

    private static final long BASE = 1_000_003L;

    /** Keys shorter than a fragment: only matched whole. */
    private final List<String> shortKeys;
    /** Every FRAGMENT-character window of the longer keys: open addressing, hash -> (key, offset). */
    private final long[] hashes;
    private final int[] keyIndex;
    private final int[] offsets;
    private final boolean[] used;
    private final List<String> longKeys;
    private final long highPower;

    private Redactor(Collection<String> secrets) {
        List<String> shorts = new ArrayList<>();
        List<String> longs = new ArrayList<>();
        for (String secret : secrets) {
            if (secret == null || secret.isBlank()) {
                continue;
            }
            String key = secret.strip();
            (key.length() < FRAGMENT ? shorts : longs).add(key);
        }
        shortKeys = List.copyOf(shorts);
        longKeys = List.copyOf(longs);
        int windows = 0;
        for (String key : longs) {
            windows += key.length() - FRAGMENT + 1;
        }
        int size = Integer.highestOneBit(Math.max(16, windows * 4)) * 2;
        hashes = new long[size];
        keyIndex = new int[size];
        offsets = new int[size];
        used = new boolean[size];
        long power = 1;
        for (int i = 1; i < FRAGMENT; i++) {
            power *= BASE;
        }
        highPower = power;
        for (int k = 0; k < longs.size(); k++) {
            String key = longs.get(k);
            for (int offset = 0; offset + FRAGMENT <= key.length(); offset++) {
                insert(hash(key, offset), k, offset);
            }
        }
    }

    /** The given secrets; blank or absent ones are ignored. */
    public static Redactor of(Collection<String> secrets) {
        return secrets.isEmpty() ? NONE : new Redactor(secrets);
    }

    public static Redactor of(String... secrets) {
        return of(Arrays.asList(secrets));
    }

    /** Only the secret, if there is one. */
    public static Redactor of(Optional<String> secret) {
        return secret.map(Redactor::of).orElse(NONE);
    }

    /** This request's secrets and {@code more}. */
    public Redactor with(Collection<String> more) {
        List<String> all = new ArrayList<>(shortKeys);
        all.addAll(longKeys);
        all.addAll(more);
        return of(all);
    }

    public boolean isEmpty() {
        return shortKeys.isEmpty() && longKeys.isEmpty();
    }

    /** {@code text} with every key and every run of {@value #FRAGMENT}+ characters of a key replaced by {@value #MARK}. */
    public String redact(String text) {
        if (text == null || isEmpty() || text.isEmpty()) {
            return text;
        }
        String result = longKeys.isEmpty() ? text : redactFragments(text);
        for (String key : shortKeys) {
            if (result.contains(key)) {
                result = result.replace(key, MARK);
            }
        }
        return result;
    }

    /** A failure of the same kind whose message is redacted. */
    public UpstreamFailure redact(UpstreamFailure failure) {
        String message = failure.getMessage();
        String clean = redact(message);
        return clean == null || clean.equals(message) ? failure : failure.withMessage(clean);
    }

    /** The completion with its content and its tool calls' arguments redacted. */
    public Completion redact(Completion completion) {
        if (isEmpty()) {
            return completion;
        }
        String clean = redact(completion.content());
        boolean changed = !clean.equals(completion.content());
        List<ToolCall> calls = new ArrayList<>(completion.toolCalls().size());
        for (ToolCall call : completion.toolCalls()) {
            String arguments = redact(call.arguments());
            String name = redact(call.name());
            changed |= !arguments.equals(call.arguments()) || !name.equals(call.name());
            calls.add(new ToolCall(call.id(), name, arguments));
        }
        return changed ? new Completion(clean, completion.finishReason(), completion.usage(), calls, null,
                completion.stopSequence(), completion.responseId(), completion.responseModel()) : completion;
    }

    private String redactFragments(String text) {
        int n = text.length();
        if (n < FRAGMENT) {
            return text;
        }
        // Matched windows that overlap or touch merge into one run; each run becomes one mark.
        StringBuilder out = null;
        int copied = 0;
        int runStart = -1;
        int runEnd = -1;
        long h = hash(text, 0);
        for (int i = 0; ; i++) {
            if (matches(h, text, i)) {
                if (runStart >= 0 && i <= runEnd) {
                    runEnd = i + FRAGMENT;
                } else {
                    if (runStart >= 0) {
                        out = flush(out, text, copied, runStart);
                        copied = runEnd;
                    }
                    runStart = i;
                    runEnd = i + FRAGMENT;
                }
            }
            if (i + FRAGMENT >= n) {
                break;
            }
            h = (h - text.charAt(i) * highPower) * BASE + text.charAt(i + FRAGMENT);
        }
        if (runStart < 0) {
            return text;
        }
        out = flush(out, text, copied, runStart);
        out.append(text, runEnd, n);
        return out.toString();
    }

    private static StringBuilder flush(StringBuilder out, String text, int from, int runStart) {
        StringBuilder builder = out != null ? out : new StringBuilder(text.length());
        builder.append(text, from, runStart).append(MARK);
        return builder;
    }

    private boolean matches(long h, String text, int at) {
        int mask = hashes.length - 1;
        for (int slot = mix(h) & mask; used[slot]; slot = (slot + 1) & mask) {
            if (hashes[slot] == h && longKeys.get(keyIndex[slot]).regionMatches(offsets[slot], text, at, FRAGMENT)) {
                return true;
            }
        }
        return false;
    }

    private void insert(long h, int key, int offset) {
        int mask = hashes.length - 1;
        int slot = mix(h) & mask;
        while (used[slot]) {
            if (hashes[slot] == h && longKeys.get(keyIndex[slot]).regionMatches(offsets[slot], longKeys.get(key),
                    offset, FRAGMENT)) {
                return;
            }
            slot = (slot + 1) & mask;
        }
        used[slot] = true;
        hashes[slot] = h;
        keyIndex[slot] = key;
        offsets[slot] = offset;
    }

    private static long hash(String text, int from) {
        long h = 0;
        for (int i = from; i < from + FRAGMENT; i++) {
            h = h * BASE + text.charAt(i);
        }
        return h;
    }

    private static int mix(long h) {
        long x = h * 0x9E3779B97F4A7C15L;
        return (int) (x ^ (x >>> 32));
    }

    @Override
    public String toString() {
        return "Redactor[" + (shortKeys.size() + longKeys.size()) + " secrets]";
    }
}
