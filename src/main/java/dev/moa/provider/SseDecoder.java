package dev.moa.provider;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

/**
 * Incremental {@code text/event-stream} parsing: bytes in as they arrive, each event's {@code data} out as soon
 * as its blank line arrives. Comments and other fields are skipped. Bounded: a line longer than
 * {@code maxLineBytes} or a stream longer than {@code maxTotalBytes} fails with {@link UpstreamFailure}, so a
 * broken or hostile upstream cannot make us buffer without end. Not thread-safe: one reader per stream.
 */
public final class SseDecoder {

    private final int maxLineBytes;
    private final long maxTotalBytes;
    private final Consumer<String> onData;
    private final ByteArrayOutputStream line = new ByteArrayOutputStream(256);
    private final StringBuilder data = new StringBuilder();
    private boolean hasData;
    private boolean afterCr;
    private long total;

    public SseDecoder(int maxLineBytes, long maxTotalBytes, Consumer<String> onData) {
        this.maxLineBytes = maxLineBytes;
        this.maxTotalBytes = maxTotalBytes;
        this.onData = onData;
    }

    public void feed(byte[] bytes) {
        total += bytes.length;
        if (total > maxTotalBytes) {
            throw UpstreamFailure.badResponse("the stream is longer than " + maxTotalBytes + " bytes");
        }
        for (byte b : bytes) {
            if (b == '\n' && afterCr) {
                afterCr = false;
                continue;
            }
            afterCr = b == '\r';
            if (b == '\n' || b == '\r') {
                line(line.toString(StandardCharsets.UTF_8));
                line.reset();
            } else {
                if (line.size() >= maxLineBytes) {
                    throw UpstreamFailure.badResponse("a stream line is longer than " + maxLineBytes + " bytes");
                }
                line.write(b);
            }
        }
    }

    /** The body ended: a last event without its blank line still counts. */
    public void end() {
        if (line.size() > 0) {
            line(line.toString(StandardCharsets.UTF_8));
            line.reset();
        }
        line("");
    }

    private void line(String text) {
        if (text.isEmpty()) {
            if (hasData) {
                String event = data.toString();
                data.setLength(0);
                hasData = false;
                onData.accept(event);
            }
            return;
        }
        if (text.startsWith(":")) {
            return;
        }
        int colon = text.indexOf(':');
        String field = colon < 0 ? text : text.substring(0, colon);
        if (!field.equals("data")) {
            return;
        }
        String value = colon < 0 ? "" : text.substring(colon + 1);
        if (value.startsWith(" ")) {
            value = value.substring(1);
        }
        if (hasData) {
            data.append('\n');
        }
        if (data.length() + value.length() > maxLineBytes) {
            throw UpstreamFailure.badResponse("a stream event is longer than " + maxLineBytes + " bytes");
        }
        data.append(value);
        hasData = true;
    }
}
