package dev.moa.testing;

import dev.moa.store.SsmDocumentStore;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.services.ssm.SsmClient;

/**
 * Run in a child JVM: an SSM client configured only by the process environment, as on Lambda, listing the mixes
 * under {@code args[0]}.
 */
public final class ListMixesFromEnvironment {

    private ListMixesFromEnvironment() {
    }

    public static void main(String[] args) {
        try (SsmClient ssm = SsmClient.builder().httpClient(UrlConnectionHttpClient.create()).build()) {
            new SsmDocumentStore(ssm, args[0]).mixes().forEach(mix -> System.out.println(mix.name()));
        }
    }
}
