package dev.moa.testing;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Node.js clients the tests drive (the OpenAI Agents SDK for JavaScript): the build installs the npm packages
 * itself, pinned, into {@code target/node-tools} with the machine's {@code npm}, once; scripts from the test
 * resources are copied next to them so they resolve those packages.
 */
public final class NodeTools {

    private static final Path ROOT = Path.of(System.getProperty("user.dir"), "target", "node-tools");
    /** Pinned so a fresh machine runs what was checked here. */
    public static final List<String> AGENTS_SDK = List.of("openai@7.59.0", "@openai/agents@0.20.0");
    private static final long INSTALL_MINUTES = 10;

    private NodeTools() {
    }

    /** Installs {@code packages} unless they are there; returns the directory to run scripts in. */
    public static synchronized Path install(List<String> packages) {
        Path marker = ROOT.resolve(".installed-" + Integer.toHexString(String.join(" ", packages).hashCode()));
        if (Files.exists(marker)) {
            return ROOT;
        }
        try {
            Files.createDirectories(ROOT);
            if (!Files.exists(ROOT.resolve("package.json"))) {
                Files.writeString(ROOT.resolve("package.json"), "{\"name\": \"moa-test-node-tools\", \"private\": true}\n");
            }
            List<String> command = new ArrayList<>(List.of("npm", "install", "--no-audit", "--no-fund",
                    "--save-exact"));
            command.addAll(packages);
            Path log = ROOT.resolve("install.log");
            Process process = new ProcessBuilder(command).directory(ROOT.toFile()).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
            if (!process.waitFor(INSTALL_MINUTES, TimeUnit.MINUTES)) {
                process.destroyForcibly();
                throw new IllegalStateException("npm install did not finish; see " + log);
            }
            if (process.exitValue() != 0) {
                throw new IllegalStateException("npm install " + packages + " failed; see " + log);
            }
            Files.writeString(marker, String.join("\n", packages));
            return ROOT;
        } catch (IOException e) {
            throw new IllegalStateException("cannot run npm (Node.js 18+ and npm must be on the PATH)", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Copies a script from the test resources (e.g. {@code agents/weather-agent.mjs}) into {@code dir}. */
    public static Path script(Path dir, String resource) {
        Path target = dir.resolve(Path.of(resource).getFileName());
        try (InputStream in = NodeTools.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("no test resource " + resource);
            }
            Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
            return target;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The result of running a script: its exit code and everything it printed. */
    public record Run(int exitCode, String stdout, String stderr) {
    }

    public static Run node(Path dir, List<String> arguments, long timeoutSeconds) {
        List<String> command = new ArrayList<>(List.of("node"));
        command.addAll(arguments);
        try {
            Path out = Files.createTempFile("node-out", ".txt");
            Path err = Files.createTempFile("node-err", ".txt");
            Process process = new ProcessBuilder(command).directory(dir.toFile())
                    .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException("node " + arguments + " did not finish within " + timeoutSeconds
                        + " s; stderr: " + Files.readString(err));
            }
            return new Run(process.exitValue(), Files.readString(out), Files.readString(err));
        } catch (IOException e) {
            throw new IllegalStateException("cannot run node", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
