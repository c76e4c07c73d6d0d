package dev.moa.batch;

import java.io.InputStream;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Where batch files and batch state live: a flat space of keys ({@code files/...}, {@code batches/...},
 * {@code inbox/...}, {@code outbox/...}) holding bytes. A local directory by default, an S3 bucket on AWS. Every
 * write replaces the whole object at once, so a reader never sees half of one.
 */
public interface BatchStore {

    void put(String key, byte[] content);

    Optional<byte[]> get(String key);

    /** The object as a stream (an input file may be large); the caller closes it. */
    Optional<InputStream> open(String key);

    /** Keys that start with {@code prefix}, in lexical order. */
    List<String> list(String prefix);

    void delete(String key);

    /**
     * A time-limited URL a client can download the object from directly, where the store has one (S3: a presigned
     * GET). Lambda cannot answer more than 6 MB, so large result files are handed over this way.
     */
    default Optional<URI> link(String key, Duration validity) {
        return Optional.empty();
    }

    /** Where this store is, for messages: never a credential. */
    String describe();
}
