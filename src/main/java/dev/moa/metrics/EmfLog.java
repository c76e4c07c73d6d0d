package dev.moa.metrics;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/**
 * Writes each request's EMF records to standard output, each as one whole line of its own, outside the log format:
 * Lambda sends standard output to CloudWatch Logs, which extracts the metrics from lines that are EMF objects.
 */
public final class EmfLog implements RequestMetrics {

    private final EmfRecords records;
    private final PrintStream out;

    public EmfLog(EmfRecords records, PrintStream out) {
        this.records = records;
        this.out = out;
    }

    @Override
    public void record(RequestOutcome outcome) {
        StringBuilder text = new StringBuilder();
        for (String line : records.lines(outcome)) {
            text.append(line).append('\n');
        }
        write(text.toString());
    }

    @Override
    public void refused(String kind, String mix) {
        write(records.refusal(kind, mix, java.time.Instant.now()) + "\n");
    }

    private void write(String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        // One write per request, so log lines of other threads cannot land inside a record.
        synchronized (out) {
            out.write(bytes, 0, bytes.length);
            out.flush();
        }
    }
}
