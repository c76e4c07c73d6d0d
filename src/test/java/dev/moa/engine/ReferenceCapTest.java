package dev.moa.engine;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ReferenceCapTest {

    @Test
    void aReferenceWithinTheLimitIsUntouched() {
        String text = "x".repeat(40);
        ReferenceCap.Capped capped = ReferenceCap.apply(text, 2.0, 10);
        assertFalse(capped.truncated());
        assertSame(text, capped.reference().content());
        assertEquals(2.0, capped.reference().weight());
    }

    @Test
    void aLongerOneIsCutWithAVisibleMarkerNeverInsideASurrogatePair() {
        String text = "x".repeat(39) + "😀" + "y".repeat(100);
        ReferenceCap.Capped capped = ReferenceCap.apply(text, null, 10);
        assertTrue(capped.truncated());
        assertEquals(36, capped.originalTokens());
        assertEquals("x".repeat(39) + "\n\n[… reference truncated: about 36 tokens, cut to 10 (max_reference_tokens)]",
                capped.reference().content());
    }
}
