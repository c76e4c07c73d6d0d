package dev.moa.store;

import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.ssm.SsmClient;
import software.amazon.awssdk.services.ssm.model.GetParametersByPathResponse;
import software.amazon.awssdk.services.ssm.model.Parameter;
import software.amazon.awssdk.services.ssm.model.ParameterNotFoundException;
import software.amazon.awssdk.services.ssm.model.ParameterVersionNotFoundException;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Documents as SSM parameters under a prefix: {@code <prefix>/mixes/<name>}, {@code <prefix>/providers/<name>} and
 * client-key hashes under {@code <prefix>/client-keys/}. A mix may be asked for as {@code name:<version>} or
 * {@code name:<label>}, which is SSM's own parameter selector syntax, so SSM resolves it. Every read asks SSM;
 * {@link CachingDocumentStore} keeps a warm instance from doing so on every request.
 */
public final class SsmDocumentStore implements DocumentStore {

    /**
     * A version number, or a label as SSM allows it: letters, digits, '.', '-', '_', not starting with a digit,
     * "aws" or "ssm". Anything else is no mix, without asking SSM (which would answer with a validation error).
     */
    private static final Pattern SELECTOR = Pattern.compile(
            "[0-9]{1,9}|(?!(?i:aws|ssm))[A-Za-z._-][A-Za-z0-9._-]{0,99}");
    private static final Pattern PREFIX = Pattern.compile("(/[A-Za-z0-9._-]+)+");
    /** The most GetParametersByPath returns per page. */
    private static final int PAGE = 10;

    private final SsmClient ssm;
    private final String prefix;

    /** @param prefix e.g. {@code /moa/prod} (a trailing slash is ignored) */
    public SsmDocumentStore(SsmClient ssm, String prefix) {
        String trimmed = prefix.endsWith("/") ? prefix.substring(0, prefix.length() - 1) : prefix;
        if (!PREFIX.matcher(trimmed).matches()) {
            throw new IllegalArgumentException("an SSM store prefix is a parameter path such as /moa/prod, found \""
                    + prefix + "\"");
        }
        this.ssm = ssm;
        this.prefix = trimmed;
    }

    @Override
    public Optional<StoredDocument> mix(String selector) {
        int colon = selector.indexOf(':');
        String name = colon < 0 ? selector : selector.substring(0, colon);
        String version = colon < 0 ? null : selector.substring(colon + 1);
        if (!DocumentNames.valid(name) || (version != null && !SELECTOR.matcher(version).matches())) {
            return Optional.empty();
        }
        String parameter = prefix + "/mixes/" + name;
        return get(version == null ? parameter : parameter + ":" + version)
                .map(p -> document("mix", selector, p));
    }

    @Override
    public Optional<StoredDocument> provider(String name) {
        if (!DocumentNames.valid(name)) {
            return Optional.empty();
        }
        return get(prefix + "/providers/" + name).map(p -> document("provider", name, p));
    }

    @Override
    public List<StoredDocument> mixes() {
        String path = prefix + "/mixes";
        List<StoredDocument> documents = new ArrayList<>();
        for (Parameter parameter : byPath(path)) {
            String name = parameter.name().substring(path.length() + 1);
            if (DocumentNames.valid(name)) {
                documents.add(document("mix", name, parameter));
            }
        }
        documents.sort(Comparator.comparing(StoredDocument::name));
        return documents;
    }

    @Override
    public List<ClientKeyHash> clientKeyHashes() {
        List<ClientKeyHash> hashes = new ArrayList<>();
        for (Parameter parameter : byPath(prefix + "/client-keys")) {
            ClientKeyHash.parse(parameter.name(), parameter.value()).ifPresent(hashes::add);
        }
        return hashes;
    }

    /** Decrypts too, so a team may keep any document as a SecureString. */
    private Optional<Parameter> get(String name) {
        try {
            return Optional.of(ssm.getParameter(r -> r.name(name).withDecryption(true)).parameter());
        } catch (ParameterNotFoundException | ParameterVersionNotFoundException e) {
            return Optional.empty();
        } catch (SdkException e) {
            throw StoreUnavailableException.reading(name, e);
        }
    }

    /** Every parameter directly under {@code path}, following NextToken page by page. */
    private List<Parameter> byPath(String path) {
        try {
            List<Parameter> parameters = new ArrayList<>();
            String next = null;
            do {
                String token = next;
                GetParametersByPathResponse page = ssm.getParametersByPath(r -> r.path(path).recursive(false)
                        .withDecryption(true).maxResults(PAGE).nextToken(token));
                parameters.addAll(page.parameters());
                next = page.nextToken();
            } while (next != null && !next.isEmpty());
            return parameters;
        } catch (SdkException e) {
            throw StoreUnavailableException.reading(path + "/*", e);
        }
    }

    private static StoredDocument document(String kind, String name, Parameter parameter) {
        Instant modified = parameter.lastModifiedDate() == null ? Instant.EPOCH : parameter.lastModifiedDate();
        return new StoredDocument(name, kind + " \"" + name + "\" (SSM parameter " + parameter.name() + ", version "
                + parameter.version() + ")", parameter.value(), modified, String.valueOf(parameter.version()));
    }

    @Override
    public String toString() {
        return "ssm:" + prefix;
    }
}
