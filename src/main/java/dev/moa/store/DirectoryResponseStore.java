package dev.moa.store;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;

/**
 * A {@link ResponseStore} in a local directory ({@code moa.responses.dir}, beside the batches under {@code .moa}):
 * one {@code <id>.json} file per response. Writes go to a temporary file renamed over the target, so a reader sees
 * the old record or the new one. Records are kept until deleted.
 */
public final class DirectoryResponseStore implements ResponseStore {

    private final Path root;

    public DirectoryResponseStore(Path root) {
        this.root = root.toAbsolutePath().normalize();
    }

    @Override
    public void put(String id, byte[] record) {
        Path target = file(id).orElseThrow(() -> new IllegalArgumentException("not a response id: " + id));
        try {
            Files.createDirectories(root);
            Path temporary = Files.createTempFile(root, ".tmp-", ".part");
            Files.write(temporary, record);
            try {
                Files.move(temporary, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temporary, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write response " + id + " in " + root, e);
        }
    }

    @Override
    public Optional<byte[]> get(String id) {
        Optional<Path> file = file(id);
        if (file.isEmpty()) {
            return Optional.empty();
        }
        try {
            return Optional.of(Files.readAllBytes(file.get()));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read response " + id + " in " + root, e);
        }
    }

    @Override
    public boolean delete(String id) {
        Optional<Path> file = file(id);
        try {
            return file.isPresent() && Files.deleteIfExists(file.get());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete response " + id + " in " + root, e);
        }
    }

    @Override
    public String describe() {
        return "directory " + root;
    }

    /** Only our own ids name a file: no path a client sends can leave the directory. */
    private Optional<Path> file(String id) {
        return ResponseStore.validId(id) ? Optional.of(root.resolve(id + ".json")) : Optional.empty();
    }
}
