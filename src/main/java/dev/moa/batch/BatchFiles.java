package dev.moa.batch;

import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.time.Duration;
import java.time.Clock;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/** The Files API's objects: metadata at {@code files/<id>.json}, content at {@code files/<id>.jsonl}. */
public final class BatchFiles {

    private final BatchStore store;
    private final ObjectMapper json;
    private final Clock clock;

    public BatchFiles(BatchStore store, ObjectMapper json, Clock clock) {
        this.store = store;
        this.json = json;
        this.clock = clock;
    }

    public FileObject create(String filename, String purpose, byte[] content) {
        return write(Ids.file(), filename, purpose, content);
    }

    /** A file under a given id: a batch's results, so that assembling twice writes the same files. */
    FileObject write(String id, String filename, String purpose, byte[] content) {
        store.put(BatchKeys.fileContent(id), content);
        FileObject file = FileObject.of(id, content.length, clock.instant().getEpochSecond(), filename, purpose);
        store.put(BatchKeys.fileMeta(id), bytes(file));
        return file;
    }

    /** Newest first. */
    public List<FileObject> list() {
        return store.list(BatchKeys.FILES).stream().filter(key -> key.endsWith(".json"))
                .map(store::get).flatMap(Optional::stream).map(this::read)
                .sorted(Comparator.comparingLong(FileObject::createdAt).reversed().thenComparing(FileObject::id))
                .toList();
    }

    public Optional<FileObject> find(String id) {
        return Ids.isFile(id) ? store.get(BatchKeys.fileMeta(id)).map(this::read) : Optional.empty();
    }

    public Optional<InputStream> content(String id) {
        return find(id).flatMap(file -> store.open(BatchKeys.fileContent(id)));
    }

    /** A direct download link for the content, where the store has one. */
    public Optional<URI> link(String id, Duration validity) {
        return find(id).flatMap(file -> store.link(BatchKeys.fileContent(id), validity));
    }

    public boolean delete(String id) {
        if (find(id).isEmpty()) {
            return false;
        }
        store.delete(BatchKeys.fileContent(id));
        store.delete(BatchKeys.fileMeta(id));
        return true;
    }

    private byte[] bytes(FileObject file) {
        try {
            return json.writeValueAsBytes(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private FileObject read(byte[] bytes) {
        try {
            return json.readValue(bytes, FileObject.class);
        } catch (IOException e) {
            throw new UncheckedIOException("a file's metadata is unreadable", e);
        }
    }
}
