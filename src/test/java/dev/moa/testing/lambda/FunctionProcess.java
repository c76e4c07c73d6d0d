package dev.moa.testing.lambda;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

/**
 * An unpacked {@code function.zip} running as its own process, started as Lambda starts it:
 * <ul>
 *   <li>a JVM build under the Java runtime interface client ({@code AWSLambda <handler>}) with the client's jars on
 *       the system class path, the JVM options of Lambda's Java runtime and the task root as working directory
 *       (the client loads the task root and its {@code lib/*.jar} in a class loader of their own);</li>
 *   <li>a native build ({@code bootstrap} at the zip's root) as the custom runtime does: {@code ./bootstrap}.</li>
 * </ul>
 * The environment is Lambda's reserved variables plus the function's own, nothing inherited. Output goes to a log
 * file, which failure messages quote.
 */
public final class FunctionProcess implements AutoCloseable {

    public static final String RUNTIME_CLIENT_MAIN = "com.amazonaws.services.lambda.runtime.api.client.AWSLambda";

    /**
     * @param taskRoot          the unpacked zip ({@code /var/task} on Lambda)
     * @param runtimeClasspath  the runtime interface client's jar (its manifest names the jars it needs next to it)
     * @param handler           {@code _HANDLER}, e.g. Quarkus' {@code QuarkusStreamHandler::handleRequest}
     * @param runtimeApi        {@code AWS_LAMBDA_RUNTIME_API}
     * @param environment       the function's own variables (the template's {@code Environment})
     * @param jvmOptions        extra JVM options, after Lambda's own (ignored for a native build)
     */
    public record Launch(Path taskRoot, String runtimeClasspath, String handler, String runtimeApi, int memoryMb,
                         Map<String, String> environment, List<String> jvmOptions, Path java, Path log) {
    }

    private final Process process;
    private final Path log;
    private final long startNanos;
    /** Ends the process if the JVM that started it ends first, so no function outlives a crashed test run. */
    private final Thread reaper;

    private FunctionProcess(Process process, Path log, long startNanos) {
        this.process = process;
        this.log = log;
        this.startNanos = startNanos;
        this.reaper = new Thread(process::destroyForcibly, "function-process-reaper");
        Runtime.getRuntime().addShutdownHook(reaper);
    }

    public static FunctionProcess start(Launch launch) {
        List<String> command = new ArrayList<>();
        boolean nativeBuild = Files.isRegularFile(launch.taskRoot().resolve("bootstrap"));
        if (nativeBuild) {
            command.add(launch.taskRoot().resolve("bootstrap").toString());
        } else {
            command.add(launch.java().toString());
            // What Lambda's java21 runtime passes (heap at 85% of the function's memory), then ours.
            command.add("-XX:MaxHeapSize=" + (launch.memoryMb() * 85 / 100) + "m");
            command.add("-XX:+UseSerialGC");
            command.add("-XX:+TieredCompilation");
            command.add("-XX:TieredStopAtLevel=1");
            command.add("-Djava.net.preferIPv4Stack=true");
            command.add("--add-opens=java.base/java.io=ALL-UNNAMED");
            command.add("-XX:+ErrorFileToStderr");
            command.addAll(launch.jvmOptions());
            command.add("-classpath");
            command.add(launch.runtimeClasspath());
            command.add(RUNTIME_CLIENT_MAIN);
            command.add(launch.handler());
        }
        ProcessBuilder builder = new ProcessBuilder(command)
                .directory(launch.taskRoot().toFile())
                .redirectErrorStream(true)
                .redirectOutput(launch.log().toFile());
        Map<String, String> env = builder.environment();
        env.clear();
        env.put("PATH", "/usr/local/bin:/usr/bin:/bin");
        env.put("LANG", "en_US.UTF-8");
        env.put("TZ", ":UTC");
        env.put("AWS_LAMBDA_RUNTIME_API", launch.runtimeApi());
        env.put("LAMBDA_TASK_ROOT", launch.taskRoot().toString());
        env.put("_HANDLER", launch.handler());
        env.put("AWS_EXECUTION_ENV", nativeBuild ? "AWS_Lambda_provided.al2023" : "AWS_Lambda_java21");
        env.put("AWS_LAMBDA_FUNCTION_NAME", "moa-function");
        env.put("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST");
        env.put("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", Integer.toString(launch.memoryMb()));
        env.put("AWS_LAMBDA_INITIALIZATION_TYPE", "on-demand");
        env.put("AWS_LAMBDA_LOG_GROUP_NAME", "/aws/lambda/moa-function");
        env.put("AWS_LAMBDA_LOG_STREAM_NAME", "local");
        env.put("AWS_REGION", "us-east-1");
        env.put("AWS_DEFAULT_REGION", "us-east-1");
        if (!nativeBuild) {
            // What the stack gives the JVM build on top of the runtime's own options (template.yaml).
            env.put("JAVA_TOOL_OPTIONS", deployedJavaToolOptions());
        }
        env.putAll(launch.environment());
        try {
            Files.createDirectories(launch.log().getParent());
            long start = System.nanoTime();
            return new FunctionProcess(builder.start(), launch.log(), start);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + command, e);
        }
    }

    private static final Pattern JAVA_TOOL_OPTIONS = Pattern.compile("(?m)^\\s*JAVA_TOOL_OPTIONS:\\s*\"([^\"]*)\"");

    /** The function's {@code JAVA_TOOL_OPTIONS} in the stack's template: the JVM build runs with them on Lambda. */
    public static String deployedJavaToolOptions() {
        Path template = Path.of("template.yaml");
        try {
            Matcher options = JAVA_TOOL_OPTIONS.matcher(Files.readString(template));
            if (!options.find()) {
                throw new IllegalStateException(template.toAbsolutePath() + " gives the function no JAVA_TOOL_OPTIONS");
            }
            return options.group(1);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Unpacks a deployment zip into {@code dir} as Lambda does into {@code /var/task}. */
    public static Path unpack(Path zip, Path dir) {
        try (InputStream in = Files.newInputStream(zip); ZipInputStream entries = new ZipInputStream(in)) {
            Files.createDirectories(dir);
            for (ZipEntry entry; (entry = entries.getNextEntry()) != null; ) {
                Path target = dir.resolve(entry.getName()).normalize();
                if (!target.startsWith(dir)) {
                    throw new IOException("zip entry outside the task root: " + entry.getName());
                }
                if (entry.isDirectory()) {
                    Files.createDirectories(target);
                } else {
                    Files.createDirectories(target.getParent());
                    Files.copy(entries, target, StandardCopyOption.REPLACE_EXISTING);
                }
            }
            Path bootstrap = dir.resolve("bootstrap");
            if (Files.isRegularFile(bootstrap) && !bootstrap.toFile().setExecutable(true)) {
                throw new IOException("cannot make " + bootstrap + " executable");
            }
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot unpack " + zip, e);
        }
    }

    public Process process() {
        return process;
    }

    /** When the process was started, as {@link System#nanoTime()}. */
    public long startNanos() {
        return startNanos;
    }

    public CompletableFuture<Process> onExit() {
        return process.onExit();
    }

    public Path log() {
        return log;
    }

    /** The last lines the process wrote, for failure messages. */
    public String logTail(int lines) {
        try {
            List<String> all = Files.readAllLines(log);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    @Override
    public void close() {
        try {
            Runtime.getRuntime().removeShutdownHook(reaper);
        } catch (IllegalStateException shuttingDown) {
            // the hook is running or about to: it ends the process
        }
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }
}
