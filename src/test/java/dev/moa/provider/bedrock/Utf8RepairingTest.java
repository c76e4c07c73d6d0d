package dev.moa.provider.bedrock;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;

/** A Converse body's bytes as they arrive in pieces: valid UTF-8 unchanged wherever it is cut, bad bytes U+FFFD. */
class Utf8RepairingTest {

    @Test
    void validTextCutInsideACharacterPassesUnchanged() {
        byte[] text = "{\"text\": \"caf\u00e9 \u20ac \uD83D\uDE00\"}".getBytes(StandardCharsets.UTF_8);
        for (int cut = 1; cut < text.length; cut++) {
            Collected out = feed(Arrays.copyOfRange(text, 0, cut), Arrays.copyOfRange(text, cut, text.length));
            assertArrayEquals(text, out.bytes(), "cut at " + cut);
            assertEquals(2, out.buffers, "one buffer out for each buffer in");
            assertTrue(out.completed);
        }
    }

    @Test
    void invalidBytesBecomeReplacementCharacters() {
        byte[] latin1 = "caf\u00ff!".getBytes(StandardCharsets.ISO_8859_1);
        assertEquals("caf\uFFFD!", new String(feed(latin1).bytes(), StandardCharsets.UTF_8));
    }

    @Test
    void aBodyCutInsideACharacterEndsWithAReplacementCharacter() {
        byte[] euro = "\u20ac".getBytes(StandardCharsets.UTF_8);
        byte[] cut = {'a', euro[0], euro[1]};
        assertEquals("a\uFFFD", new String(feed(cut).bytes(), StandardCharsets.UTF_8));
    }

    private static Collected feed(byte[]... pieces) {
        Collected collected = new Collected();
        BoundedHttpClient.Utf8Repairing repairing = new BoundedHttpClient.Utf8Repairing(collected);
        repairing.onSubscribe(new Subscription() {
            @Override
            public void request(long n) {
            }

            @Override
            public void cancel() {
            }
        });
        for (byte[] piece : pieces) {
            repairing.onNext(ByteBuffer.wrap(piece));
        }
        repairing.onComplete();
        return collected;
    }

    private static final class Collected implements Subscriber<ByteBuffer> {
        private final List<byte[]> received = new ArrayList<>();
        private int buffers;
        private boolean completed;

        @Override
        public void onSubscribe(Subscription s) {
        }

        @Override
        public void onNext(ByteBuffer buffer) {
            byte[] bytes = new byte[buffer.remaining()];
            buffer.get(bytes);
            received.add(bytes);
            buffers++;
        }

        @Override
        public void onError(Throwable t) {
            throw new AssertionError(t);
        }

        @Override
        public void onComplete() {
            completed = true;
        }

        byte[] bytes() {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            received.forEach(out::writeBytes);
            return out.toByteArray();
        }
    }
}
