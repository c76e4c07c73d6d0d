package dev.moa.api.responses;

import dev.moa.store.DirectoryResponseStore;
import dev.moa.store.ResponseStore;
import dev.moa.store.S3ResponseStore;
import jakarta.enterprise.inject.Instance;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import software.amazon.awssdk.services.s3.S3Client;

import java.nio.file.Path;

/** Wires the stored responses from {@code moa.responses.*}: the bucket when one is set, else the local directory. */
public class ResponsesBeans {

    @Produces
    @Singleton
    ResponseStore responseStore(ResponsesConfig config, Instance<S3Client> s3) {
        return config.bucket().filter(bucket -> !bucket.isBlank())
                .<ResponseStore>map(bucket -> new S3ResponseStore(s3.get(), bucket))
                .orElseGet(() -> new DirectoryResponseStore(Path.of(config.dir())));
    }
}
