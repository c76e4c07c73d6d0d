package dev.moa.store;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.moa.testing.MotoServer;
import dev.moa.testing.MotoSsm;
import dev.moa.testing.PythonTools;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.ssm.model.Parameter;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** infra/push-documents.sh and infra/create-client-key.sh, run with the AWS CLI against moto's server. */
class InfraScriptsTest {

    private static final Path INFRA = Path.of(System.getProperty("user.dir"), "infra");

    @RegisterExtension
    static final MotoSsm moto = new MotoSsm();
    private static Path aws;

    @TempDir
    static Path work;

    @BeforeAll
    static void start() {
        aws = PythonTools.awsCli();
    }

    private record Run(int exit, String out, String err) {
    }

    private static Run run(String script, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("bash", INFRA.resolve(script).toString()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command);
        Map<String, String> env = builder.environment();
        env.keySet().removeIf(name -> name.startsWith("AWS_"));
        env.put("PATH", PythonTools.pathWith(aws));
        env.put("AWS_ENDPOINT_URL", moto.server().endpoint());
        env.put("AWS_REGION", MotoServer.REGION);
        env.put("AWS_DEFAULT_REGION", MotoServer.REGION);
        env.put("AWS_ACCESS_KEY_ID", MotoServer.ACCESS_KEY);
        env.put("AWS_SECRET_ACCESS_KEY", MotoServer.SECRET_ACCESS_KEY);
        env.put("AWS_CONFIG_FILE", work.resolve("no-config").toString());
        env.put("AWS_SHARED_CREDENTIALS_FILE", work.resolve("no-credentials").toString());
        Path err = Files.createTempFile(work, "stderr", ".txt");
        Process process = builder.redirectError(err.toFile()).start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(5, TimeUnit.MINUTES), script + " finished");
        return new Run(process.exitValue(), out, Files.readString(err));
    }

    private static Path copyOfShippedDocuments() throws IOException {
        Path dir = Files.createTempDirectory(work, "docs");
        for (String kind : List.of("mixes", "providers")) {
            Files.createDirectories(dir.resolve(kind));
            try (Stream<Path> files = Files.list(INFRA.resolve(kind))) {
                files.forEach(file -> copy(file, dir.resolve(kind).resolve(file.getFileName())));
            }
        }
        return dir;
    }

    private static void copy(Path from, Path to) {
        try {
            Files.copy(from, to);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<String> names(Path dir, String kind) throws IOException {
        try (Stream<Path> files = Files.list(dir.resolve(kind))) {
            return files.map(f -> f.getFileName().toString().replace(".json", "")).sorted().toList();
        }
    }

    @Test
    void pushWritesEveryDocumentOnceAndOnlyChangedOnesAfterwards() throws Exception {
        Path docs = copyOfShippedDocuments();
        List<String> mixes = names(docs, "mixes");
        List<String> providers = names(docs, "providers");
        int total = mixes.size() + providers.size();

        Run first = run("push-documents.sh", "/scripts/", docs.toString());
        assertEquals(0, first.exit(), first.err());
        for (String mix : mixes) {
            assertTrue(first.out().contains("/scripts/mixes/" + mix + ": version 1\n"), first.out());
        }
        for (String provider : providers) {
            assertTrue(first.out().contains("/scripts/providers/" + provider + ": version 1\n"), first.out());
        }
        assertTrue(first.out().endsWith(total + " pushed, 0 unchanged\n"), first.out());

        // What was pushed is what the function reads: every shipped mix resolves from SSM.
        MixCatalog catalog = new MixCatalog(new SsmDocumentStore(moto.client(), "/scripts"), new ObjectMapper());
        for (String mix : mixes) {
            assertTrue(catalog.resolve(mix).isPresent(), mix);
            Parameter parameter = moto.client().getParameter(r -> r.name("/scripts/mixes/" + mix)).parameter();
            assertEquals(Files.readString(docs.resolve("mixes/" + mix + ".json")).strip(), parameter.value().strip());
        }

        Run again = run("push-documents.sh", "/scripts", docs.toString());
        assertEquals(0, again.exit(), again.err());
        assertTrue(again.out().endsWith("0 pushed, " + total + " unchanged\n"), again.out());

        String edited = mixes.get(0);
        Path file = docs.resolve("mixes/" + edited + ".json");
        Files.writeString(file, Files.readString(file).replace("\"layers\"", "\"description\": \"edited\", \"layers\""));
        Run third = run("push-documents.sh", "/scripts", docs.toString());
        assertEquals(0, third.exit(), third.err());
        assertTrue(third.out().contains("/scripts/mixes/" + edited + ": version 2\n"), third.out());
        assertTrue(third.out().endsWith("1 pushed, " + (total - 1) + " unchanged\n"), third.out());
        assertEquals(1L, moto.client().getParameter(r -> r.name("/scripts/mixes/" + mixes.get(1))).parameter().version());
    }

    @Test
    void createClientKeyPrintsTheKeyOnceAndStoresOnlyItsHash() throws Exception {
        Run created = run("create-client-key.sh", "/keys-by-script", "alice");
        assertEquals(0, created.exit(), created.err());
        String key = created.out().strip();
        assertTrue(key.matches("moa-[0-9a-f]{64}"), created.out());
        assertFalse(created.err().contains(key), "the key is printed once, on standard output");

        String stored = moto.client().getParameter(r -> r.name("/keys-by-script/client-keys/alice")).parameter().value();
        assertEquals(ClientKeys.sha256Hex(key), stored);
        assertNotEquals(key, stored);
        ClientKeys keys = new ClientKeys(new SsmDocumentStore(moto.client(), "/keys-by-script"), true);
        assertEquals(ClientKeys.Verdict.ACCEPTED, keys.check("Bearer " + key));

        Run duplicate = run("create-client-key.sh", "/keys-by-script", "alice");
        assertNotEquals(0, duplicate.exit(), "an existing key is not replaced");
        assertEquals("", duplicate.out(), "and no key is printed");
        assertEquals(stored, moto.client().getParameter(r -> r.name("/keys-by-script/client-keys/alice")).parameter().value());
    }

    @Test
    void createClientKeyWithLimitsStoresAKeyDocument() throws Exception {
        Run created = run("create-client-key.sh", "/keys-by-script", "bot", "--rpm", "60", "--tpm", "400000",
                "--max-cost-per-request", "0.5", "--day-budget", "5", "--month-budget", "100", "--mixes",
                "paper-moa,coding*");
        assertEquals(0, created.exit(), created.err());
        String key = created.out().strip();
        String stored = moto.client().getParameter(r -> r.name("/keys-by-script/client-keys/bot")).parameter().value();
        assertFalse(stored.contains(key));
        ClientKeys keys = new ClientKeys(new SsmDocumentStore(moto.client(), "/keys-by-script"), true);
        ClientKeyHash found = keys.identify("Bearer " + key).orElseThrow();
        assertEquals("bot", found.name());
        assertEquals(java.util.Optional.empty(), found.problem());
        assertEquals(java.util.Optional.of(60), found.limits().rpm());
        assertEquals(java.util.Optional.of(400000L), found.limits().tpm());
        assertEquals(0, new java.math.BigDecimal("0.5").compareTo(found.limits().maxCostPerRequestUsd().orElseThrow()));
        assertEquals(0, new java.math.BigDecimal("5").compareTo(found.limits().dayBudgetUsd().orElseThrow()));
        assertEquals(0, new java.math.BigDecimal("100").compareTo(found.limits().monthBudgetUsd().orElseThrow()));
        assertEquals(java.util.Optional.of(java.util.List.of("paper-moa", "coding*")), found.limits().mixes());
        assertTrue(found.limits().allows("coding-fast") && !found.limits().allows("chat"));

        Run wrong = run("create-client-key.sh", "/keys-by-script", "bot2", "--rpm", "sixty");
        assertNotEquals(0, wrong.exit());
        assertEquals("", wrong.out(), "no key is printed for a refused limit");
    }
}
