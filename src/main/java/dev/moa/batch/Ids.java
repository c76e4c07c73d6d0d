package dev.moa.batch;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * Ids in OpenAI's shapes: {@code file-…}, {@code batch_…}, {@code batch_req_…}; random, unguessable. The two
 * primitives ({@link #random}, {@link #digest}) also make the evaluations' ids, which live in the same store.
 */
public final class Ids {

    private static final Pattern FILE = Pattern.compile("file-[0-9a-f]{24}");
    private static final Pattern BATCH = Pattern.compile("batch_[0-9a-f]{24}");

    private Ids() {
    }

    static String file() {
        return "file-" + random(12);
    }

    static String batch() {
        return "batch_" + random(12);
    }

    static String request() {
        return "batch_req_" + random(12);
    }

    /** A batch's result file ids follow from its id, so assembling again replaces rather than adds files. */
    static String outputFile(String batchId) {
        return "file-" + digest(batchId + "/output", 12);
    }

    static String errorFile(String batchId) {
        return "file-" + digest(batchId + "/errors", 12);
    }

    /** A drop-folder batch's id follows from its execution, so a retried first step opens the same batch. */
    static String batchFor(String executionId) {
        return "batch_" + digest(executionId, 12);
    }

    static boolean isFile(String id) {
        return id != null && FILE.matcher(id).matches();
    }

    static boolean isBatch(String id) {
        return id != null && BATCH.matcher(id).matches();
    }

    /** The first {@code bytes} bytes (at most 32) of the text's SHA-256, in hex: an id that follows from the text. */
    public static String digest(String text, int bytes) {
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(hash, 0, bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** {@code bytes} random bytes in hex. */
    public static String random(int bytes) {
        byte[] random = new byte[bytes];
        // A generator per id, never one in a static field: Quarkus initialises classes while building the native
        // image, and a seeded generator in the image heap would give every instance the same ids (native-image
        // refuses to build it). A new SecureRandom is cheap: it reads the OS's shared entropy source.
        new SecureRandom().nextBytes(random);
        return HexFormat.of().formatHex(random);
    }
}
