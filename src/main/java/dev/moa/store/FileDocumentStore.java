package dev.moa.store;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Documents as files: {@code <dir>/mixes/<name>.json}, {@code <dir>/providers/<name>.json} and client-key hashes
 * in {@code <dir>/client-keys/}. Files are read
 * on every request, so an edited mix takes effect at once in dev mode.
 */
public final class FileDocumentStore implements DocumentStore {

    private static final String SUFFIX = ".json";

    private final Path dir;

    /** @throws IllegalArgumentException when {@code dir} is not a directory: a misspelt store must not look empty */
    public FileDocumentStore(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException("store file:" + dir + " is not a directory");
        }
        this.dir = dir;
    }

    @Override
    public Optional<StoredDocument> mix(String selector) {
        return read("mix", dir.resolve("mixes"), selector);
    }

    @Override
    public Optional<StoredDocument> provider(String name) {
        return read("provider", dir.resolve("providers"), name);
    }

    @Override
    public List<StoredDocument> mixes() {
        Path mixes = dir.resolve("mixes");
        List<StoredDocument> documents = new ArrayList<>();
        for (Path file : filesIn(mixes)) {
            String fileName = file.getFileName().toString();
            if (fileName.endsWith(SUFFIX)) {
                read("mix", mixes, fileName.substring(0, fileName.length() - SUFFIX.length()))
                        .ifPresent(documents::add);
            }
        }
        documents.sort(Comparator.comparing(StoredDocument::name));
        return documents;
    }

    /** {@code <dir>/client-keys/*}: one file per key, holding its SHA-256 hex. */
    @Override
    public List<ClientKeyHash> clientKeyHashes() {
        List<ClientKeyHash> hashes = new ArrayList<>();
        for (Path file : filesIn(dir.resolve("client-keys"))) {
            try {
                ClientKeyHash.parse(file.toString(), Files.readString(file, StandardCharsets.UTF_8))
                        .ifPresent(hashes::add);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + file, e);
            }
        }
        return hashes;
    }

    /** The regular files directly in {@code folder}, by name; none when it does not exist. */
    private static List<Path> filesIn(Path folder) {
        if (!Files.isDirectory(folder)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(folder)) {
            return files.filter(Files::isRegularFile).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + folder, e);
        }
    }

    private Optional<StoredDocument> read(String kind, Path folder, String name) {
        if (!DocumentNames.valid(name)) {
            return Optional.empty();
        }
        Path file = folder.resolve(name + SUFFIX);
        try {
            String json = Files.readString(file, StandardCharsets.UTF_8);
            return Optional.of(new StoredDocument(name, kind + " \"" + name + "\" (" + file + ")", json,
                    Files.getLastModifiedTime(file).toInstant(), version(json)));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    /**
     * A file has no version number of its own: its content's digest tells revisions apart (the same content, the
     * same version, wherever and whenever it was copied), short as a Git abbreviation is.
     */
    static String version(String json) {
        return "sha256:" + ClientKeys.sha256Hex(json).substring(0, 12);
    }

    @Override
    public String toString() {
        return "file:" + dir;
    }
}
