package dev.moa.testing.lambda;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.moa.testing.TestStore;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * The packaged function ({@code target/function.zip}) running as Lambda runs it, against a {@link LambdaRuntimeApi}
 * on loopback: {@link #call} hands it an API Gateway HTTP API event and returns what API Gateway would read. Used by
 * the end-to-end tests, and reusable by anything that needs the real artifact (benchmarks: see
 * {@link LambdaRuntimeApi.Timing}, {@link #initDuration()} and {@link FunctionProcess#process()} for the pid).
 *
 * <pre>{@code
 * try (PackagedFunction function = PackagedFunction.fromMavenBuild()
 *         .environment("MOA_STORE", "file:" + storeDir).start()) {
 *     HttpApiResponse models = function.call(HttpApiEvent.of("GET", "/v1/models"));
 * }
 * }</pre>
 *
 * Every wait is bounded, and a wait for the function ends as soon as its process exits.
 */
public final class PackagedFunction implements AutoCloseable {

    /** The handler the template names for the JVM build. */
    public static final String QUARKUS_HANDLER = "io.quarkus.amazon.lambda.runtime.QuarkusStreamHandler::handleRequest";

    /** Generous: a JVM starting on a busy two-core machine. */
    public static final Duration INIT_TIMEOUT = Duration.ofMinutes(2);
    public static final Duration CALL_TIMEOUT = Duration.ofMinutes(1);

    private static final AtomicInteger INSTANCES = new AtomicInteger();

    private final LambdaRuntimeApi runtimeApi;
    private final FunctionProcess process;
    private final Path taskRoot;
    private final Duration functionTimeout;
    private final ObjectMapper json = new ObjectMapper();

    private PackagedFunction(LambdaRuntimeApi runtimeApi, FunctionProcess process, Path taskRoot,
                             Duration functionTimeout) {
        this.runtimeApi = runtimeApi;
        this.process = process;
        this.taskRoot = taskRoot;
        this.functionTimeout = functionTimeout;
    }

    public static Builder builder(Path functionZip, String runtimeClasspath, Path workDir) {
        return new Builder(functionZip, runtimeClasspath, workDir);
    }

    /**
     * The artifact and runtime client of this Maven build, from the system properties failsafe sets
     * ({@code moa.function.zip}, {@code moa.lambda.runtime.classpath}, {@code moa.lambda.work.dir}).
     */
    public static Builder fromMavenBuild() {
        Path zip = Path.of(property("moa.function.zip"));
        if ("native".equals(System.getProperty("moa.function.expect")) && !isNative(zip)) {
            throw new IllegalStateException(zip + " holds no native bootstrap, but this run (-Pnative-it) tests the "
                    + "native build: build it with -Dnative");
        }
        return builder(zip, property("moa.lambda.runtime.classpath"), Path.of(property("moa.lambda.work.dir")));
    }

    /** Whether a deployment zip is a native build: a {@code bootstrap} executable at its root. */
    public static boolean isNative(Path zip) {
        try (java.util.zip.ZipFile file = new java.util.zip.ZipFile(zip.toFile())) {
            return file.getEntry("bootstrap") != null;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + zip, e);
        }
    }

    private static String property(String name) {
        String value = System.getProperty(name);
        if (value == null || value.isBlank()) {
            throw new IllegalStateException("system property " + name + " is not set: run through `./mvnw verify`");
        }
        return value;
    }

    public static final class Builder {
        private final Path functionZip;
        private final String runtimeClasspath;
        private final Path workDir;
        private final Map<String, String> environment = new LinkedHashMap<>();
        private final List<String> jvmOptions = new ArrayList<>();
        private String handler = QUARKUS_HANDLER;
        private int memoryMb = 1024;
        private Duration timeout = Duration.ofSeconds(29);
        private Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        private boolean extensionsApi = true;

        private Builder(Path functionZip, String runtimeClasspath, Path workDir) {
            this.functionZip = functionZip;
            this.runtimeClasspath = runtimeClasspath;
            this.workDir = workDir;
        }

        /** Batches and eval runs kept in {@code dir} and run in process, {@code concurrency} calls at once. */
        public Builder embeddedBatches(Path dir, int concurrency) {
            return environment("MOA_BATCH_DIR", dir.toString())
                    .environment("MOA_BATCH_CONCURRENCY", Integer.toString(concurrency));
        }

        /** A variable of the function's configuration (the template's {@code Environment.Variables}). */
        public Builder environment(String name, String value) {
            environment.put(name, value);
            return this;
        }

        /** The test store as the function's mix store, the fake upstream's key in the variable it names. */
        public Builder store(TestStore store) {
            return environment("MOA_STORE", "file:" + store.dir())
                    .environment(TestStore.KEY_VARIABLE, TestStore.SECRET_KEY);
        }

        public Builder jvmOption(String option) {
            jvmOptions.add(option);
            return this;
        }

        public Builder handler(String handler) {
            this.handler = handler;
            return this;
        }

        public Builder memoryMb(int memoryMb) {
            this.memoryMb = memoryMb;
            return this;
        }

        /** The function's timeout: sets each invocation's deadline. */
        public Builder timeout(Duration timeout) {
            this.timeout = timeout;
            return this;
        }

        /** Runs the function where Lambda's Extensions API is not served (its paths answer 404). */
        public Builder withoutExtensionsApi() {
            this.extensionsApi = false;
            return this;
        }

        public Builder java(Path java) {
            this.java = java;
            return this;
        }

        /** Unpacks the zip into a fresh task root, starts the Runtime API and then the function's process. */
        public PackagedFunction start() {
            Path instance = workDir.resolve("function-" + ProcessHandle.current().pid() + "-"
                    + INSTANCES.incrementAndGet());
            Path taskRoot = FunctionProcess.unpack(functionZip, instance.resolve("task"));
            LambdaRuntimeApi api = new LambdaRuntimeApi(extensionsApi);
            try {
                FunctionProcess process = FunctionProcess.start(new FunctionProcess.Launch(taskRoot, runtimeClasspath,
                        handler, api.address(), memoryMb, Map.copyOf(environment), List.copyOf(jvmOptions), java,
                        instance.resolve("function.log")));
                return new PackagedFunction(api, process, taskRoot, timeout);
            } catch (RuntimeException e) {
                api.close();
                throw e;
            }
        }
    }

    /** Whether this is a native build (a {@code bootstrap} at the task root), run as the custom runtime runs it. */
    public boolean isNative() {
        return Files.isRegularFile(taskRoot.resolve("bootstrap"));
    }

    public LambdaRuntimeApi runtimeApi() {
        return runtimeApi;
    }

    public FunctionProcess process() {
        return process;
    }

    /** Hands the function one raw event; the future completes with its answer or error. */
    public CompletableFuture<LambdaRuntimeApi.Outcome> invoke(byte[] event) {
        return runtimeApi.invoke(event, functionTimeout);
    }

    /** Invokes the function with an HTTP API event and reads its answer as API Gateway does. */
    public HttpApiResponse call(HttpApiEvent event) {
        LambdaRuntimeApi.Outcome outcome = await(invoke(event.toJson(json)), CALL_TIMEOUT,
                event.routeKey() + " " + event.path());
        if (outcome instanceof LambdaRuntimeApi.Response response) {
            return HttpApiResponse.parse(json, response.body());
        }
        LambdaRuntimeApi.FunctionError error = (LambdaRuntimeApi.FunctionError) outcome;
        throw new IllegalStateException("the function reported " + error.errorType() + " for " + event.path() + ": "
                + error.body() + "\n" + process.logTail(60));
    }

    /** Waits until the function asks for its first event, and returns how long after its process started. */
    public Duration initDuration() {
        long firstPoll = await(runtimeApi.firstPoll(), INIT_TIMEOUT, "the end of init");
        return Duration.ofNanos(firstPoll - process.startNanos());
    }

    /** Waits for the function to report an init error; fails as soon as it asks for an event instead. */
    public LambdaRuntimeApi.InitError initError() {
        CompletableFuture<Object> initEnded = CompletableFuture.anyOf(runtimeApi.initError(), runtimeApi.firstPoll());
        await(initEnded, INIT_TIMEOUT, "the end of init");
        if (!runtimeApi.initError().isDone()) {
            throw new IllegalStateException("init succeeded: the function asked for an event\n" + process.logTail(60));
        }
        return runtimeApi.initError().join();
    }

    /** Waits for the function's process to end and returns its exit code. */
    public int exitCode() {
        try {
            return process.onExit().get(INIT_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS).exitValue();
        } catch (TimeoutException e) {
            throw new IllegalStateException("the process did not exit within " + INIT_TIMEOUT + "\n"
                    + process.logTail(60));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted waiting for the process to exit", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        }
    }

    /**
     * Waits for {@code future}, but no longer than the function's process lives. An exit that races a completion
     * still yields the completion.
     */
    private <T> T await(CompletableFuture<T> future, Duration timeout, String what) {
        try {
            CompletableFuture.anyOf(future, process.onExit()).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new IllegalStateException("no " + what + " within " + timeout + "\n" + process.logTail(60));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted waiting for " + what, e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("failed waiting for " + what, e.getCause());
        }
        if (future.isDone()) {
            return future.join();
        }
        throw new IllegalStateException("the function's process exited (code " + process.process().exitValue()
                + ") before " + what + "\n" + process.logTail(60));
    }

    /** Stops the process and the Runtime API and deletes the unpacked zip; the log stays for post-mortems. */
    @Override
    public void close() {
        process.close();
        runtimeApi.close();
        try (Stream<Path> files = Files.walk(taskRoot)) {
            files.sorted(Comparator.reverseOrder()).forEach(file -> file.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + taskRoot, e);
        }
    }
}
