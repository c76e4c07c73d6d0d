package dev.moa.batch;

/** The store's layout, in one place. */
final class BatchKeys {

    static final String FILES = "files/";
    static final String BATCHES = "batches/";
    static final String LINES = "lines/";
    static final String INBOX = "inbox/";
    static final String OUTBOX = "outbox/";

    private BatchKeys() {
    }

    static String fileMeta(String fileId) {
        return FILES + fileId + ".json";
    }

    static String fileContent(String fileId) {
        return FILES + fileId + ".jsonl";
    }

    static String batch(String batchId) {
        return BATCHES + batchId + ".json";
    }

    /** Where a running batch keeps its Step Functions execution. */
    static String execution(String batchId) {
        return BATCHES + batchId + ".execution";
    }

    static String lines(String batchId) {
        return LINES + batchId + "/";
    }

    /** One line's durable result; zero-padded so keys list in line order. */
    static String line(String batchId, int index) {
        return lines(batchId) + String.format("%08d.json", index);
    }

    static int lineIndex(String key) {
        String name = key.substring(key.lastIndexOf('/') + 1);
        return Integer.parseInt(name.substring(0, name.length() - ".json".length()));
    }

    /** {@code inbox/<name>.jsonl} -> {@code outbox/<name>/}. */
    static String outbox(String inboxKey) {
        String name = inboxKey.substring(INBOX.length());
        if (name.endsWith(".jsonl")) {
            name = name.substring(0, name.length() - ".jsonl".length());
        }
        return OUTBOX + name + "/";
    }
}
