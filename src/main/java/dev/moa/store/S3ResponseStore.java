package dev.moa.store;

import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;

import java.util.Optional;

/**
 * A {@link ResponseStore} in the stack's bucket ({@code moa.responses.bucket}): {@code responses/<id>.json}. The
 * stack's lifecycle rule on the {@code responses/} prefix deletes records 30 days after they were written.
 */
public final class S3ResponseStore implements ResponseStore {

    /** The key prefix the lifecycle rule and the streaming function's role name (template.yaml). */
    public static final String PREFIX = "responses/";

    private final S3Client s3;
    private final String bucket;

    public S3ResponseStore(S3Client s3, String bucket) {
        this.s3 = s3;
        this.bucket = bucket;
    }

    @Override
    public void put(String id, byte[] record) {
        if (!ResponseStore.validId(id)) {
            throw new IllegalArgumentException("not a response id: " + id);
        }
        s3.putObject(put -> put.bucket(bucket).key(key(id)).contentType("application/json"),
                RequestBody.fromBytes(record));
    }

    @Override
    public Optional<byte[]> get(String id) {
        if (!ResponseStore.validId(id)) {
            return Optional.empty();
        }
        try {
            return Optional.of(s3.getObjectAsBytes(get -> get.bucket(bucket).key(key(id))).asByteArray());
        } catch (NoSuchKeyException e) {
            return Optional.empty();
        }
    }

    /** S3 deletes say nothing about whether the object was there: a HEAD first tells. */
    @Override
    public boolean delete(String id) {
        if (!ResponseStore.validId(id)) {
            return false;
        }
        try {
            s3.headObject(head -> head.bucket(bucket).key(key(id)));
        } catch (NoSuchKeyException e) {
            return false;
        }
        s3.deleteObject(delete -> delete.bucket(bucket).key(key(id)));
        return true;
    }

    @Override
    public String describe() {
        return "S3 bucket " + bucket + " under " + PREFIX;
    }

    private static String key(String id) {
        return PREFIX + id + ".json";
    }
}
