package dev.moa.store;

import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Where stored Responses API responses live ({@code store: true}): one record per response id, written whole and
 * read whole, its content opaque here (the Responses adapter writes and reads it). A local directory by default, the
 * stack's bucket on AWS, where a lifecycle rule expires records after 30 days.
 */
public interface ResponseStore {

    /** The ids the adapter hands out ({@code resp_} and letters or digits): anything else is not stored here. */
    Pattern ID = Pattern.compile("resp_[A-Za-z0-9]{1,64}");

    void put(String id, byte[] record);

    /** Empty when there is no such record (never stored, deleted, expired) or the id is not one of ours. */
    Optional<byte[]> get(String id);

    /** @return whether a record was there to delete */
    boolean delete(String id);

    /** Where the records are, for messages: never a credential. */
    String describe();

    static boolean validId(String id) {
        return id != null && ID.matcher(id).matches();
    }
}
