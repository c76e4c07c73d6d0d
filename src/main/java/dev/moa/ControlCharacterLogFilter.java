package dev.moa;

import io.quarkus.logging.LoggingFilter;
import org.jboss.logmanager.ExtLogRecord;

import java.util.logging.Filter;
import java.util.logging.LogRecord;

/**
 * The last line of log hygiene, for every logger (ours, Quarkus', the AWS SDK's): a record whose message or
 * exception message holds a control character is rewritten with it escaped, so nothing taken from a request or
 * an upstream can start a new line in the function's log. Our own log calls escape already ({@link LogText});
 * this catches what frameworks log, e.g. a request path inside an exception message.
 */
@LoggingFilter(name = "moa-log-hygiene")
public final class ControlCharacterLogFilter implements Filter {

    @Override
    public boolean isLoggable(LogRecord record) {
        String message = record instanceof ExtLogRecord ext ? ext.getFormattedMessage() : record.getMessage();
        if (message != null) {
            String escaped = LogText.escape(message);
            if (!escaped.equals(message)) {
                if (record instanceof ExtLogRecord ext) {
                    ext.setMessage(escaped, ExtLogRecord.FormatStyle.NO_FORMAT);
                } else {
                    record.setMessage(escaped);
                }
                record.setParameters(null);
            }
        }
        Throwable thrown = record.getThrown();
        if (thrown != null && needsEscaping(thrown)) {
            record.setThrown(escaped(thrown));
        }
        return true;
    }

    private static boolean needsEscaping(Throwable thrown) {
        for (Throwable t = thrown; t != null; t = t.getCause() == t ? null : t.getCause()) {
            String m = t.getMessage();
            if (m != null && !LogText.escape(m).equals(m)) {
                return true;
            }
        }
        return false;
    }

    /** The same chain, class names and stack traces, with escaped messages. */
    private static Throwable escaped(Throwable thrown) {
        Throwable cause = thrown.getCause() == null || thrown.getCause() == thrown ? null : escaped(thrown.getCause());
        Throwable copy = new EscapedThrowable(thrown.getClass().getName(), LogText.escape(thrown.getMessage()), cause);
        copy.setStackTrace(thrown.getStackTrace());
        return copy;
    }

    /** Prints as the original would: {@code class: message}. */
    private static final class EscapedThrowable extends RuntimeException {
        private final String className;

        EscapedThrowable(String className, String message, Throwable cause) {
            super(message, cause, false, true);
            this.className = className;
        }

        @Override
        public String toString() {
            return getMessage() == null ? className : className + ": " + getMessage();
        }
    }
}
