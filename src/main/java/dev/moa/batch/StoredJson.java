package dev.moa.batch;

import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * The JSON form of the records kept in a {@link BatchStore} (batches, lines, evals, runs): one codec, so every
 * record kind fails the same way when the store holds something unreadable.
 *
 * @param json  the application's mapper
 * @param store what the store is called in a failure ("batch store", "eval store")
 */
public record StoredJson(ObjectMapper json, String store) {

    public byte[] write(Object value) {
        try {
            return json.writeValueAsBytes(value);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public <T> T read(byte[] bytes, Class<T> type) {
        try {
            return json.readValue(bytes, type);
        } catch (IOException e) {
            throw new UncheckedIOException("unreadable " + type.getSimpleName() + " in the " + store, e);
        }
    }
}
