package dev.moa;

import org.jboss.logmanager.ExtLogRecord;
import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.logging.Level;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ControlCharacterLogFilterTest {

    private final ControlCharacterLogFilter filter = new ControlCharacterLogFilter();

    @Test
    void messagesAndExceptionMessagesWithControlCharactersAreEscaped() {
        ExtLogRecord record = new ExtLogRecord(Level.SEVERE, "Request Failure for %s", ExtLogRecord.FormatStyle.PRINTF,
                getClass().getName());
        record.setParameters(new Object[]{"/v1/models/a\r\nINFO forged"});
        IllegalArgumentException cause = new IllegalArgumentException("illegal characters: /a\nINFO forged");
        record.setThrown(new RuntimeException("wrapped\u001b[2J", cause));

        assertTrue(filter.isLoggable(record));

        assertEquals("Request Failure for /v1/models/a\\r\\nINFO forged", record.getFormattedMessage());
        StringWriter trace = new StringWriter();
        record.getThrown().printStackTrace(new PrintWriter(trace));
        for (String line : trace.toString().split("\\R")) {
            assertFalse(line.startsWith("INFO forged"), trace.toString());
        }
        assertTrue(trace.toString().startsWith("java.lang.RuntimeException: wrapped\\u001b[2J"), trace.toString());
        assertTrue(trace.toString().contains("Caused by: java.lang.IllegalArgumentException: illegal characters: "
                + "/a\\nINFO forged"), trace.toString());
    }

    @Test
    void cleanRecordsAreLeftAlone() {
        ExtLogRecord record = new ExtLogRecord(Level.INFO, "all fine", getClass().getName());
        RuntimeException thrown = new RuntimeException("fine too");
        record.setThrown(thrown);
        assertTrue(filter.isLoggable(record));
        assertEquals("all fine", record.getFormattedMessage());
        assertSame(thrown, record.getThrown());
    }
}
