package dev.moa.testing;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The Python command-line tools the tests drive: moto's server and the AWS CLI. Found, in this order:
 * <ol>
 *   <li>on the PATH;</li>
 *   <li>as a module of the machine's {@code python3} (e.g. installed without its scripts on the PATH), through a
 *       small wrapper script under {@code target/python-tools/wrappers};</li>
 *   <li>installed by the build itself: a virtual environment under {@code target/python-tools/venv} and
 *       {@code pip install "moto[server]"} / {@code awscli}, so a fresh machine with only Python 3 and pip's
 *       index runs the same tests.</li>
 * </ol>
 * {@code -Dmoa.test.python-tools=module} or {@code =venv} starts the search at that step (to check it).
 */
public final class PythonTools {

    private static final Path ROOT = Path.of(System.getProperty("user.dir"), "target", "python-tools");
    private static final long INSTALL_MINUTES = 15;

    private record Tool(String command, String module, String pipPackage, String probe) {
    }

    private static final Tool MOTO = new Tool("moto_server", "moto.server", "moto[server]", "--help");
    private static final Tool AWS = new Tool("aws", "awscli", "awscli", "--version");

    private PythonTools() {
    }

    public static Path motoServer() {
        return find(MOTO);
    }

    public static Path awsCli() {
        return find(AWS);
    }

    /**
     * A Python interpreter that can {@code import openai} (the official SDK): the machine's {@code python3} if it
     * has the package, else the build's virtual environment with {@code pip install openai}.
     */
    public static Path pythonWithOpenAi() {
        return pythonWith("openai");
    }

    /** A Python interpreter that can {@code import anthropic} (the official SDK), found or installed the same way. */
    public static Path pythonWithAnthropic() {
        return pythonWith("anthropic");
    }

    private static synchronized Path pythonWith(String module) {
        String start = System.getProperty("moa.test.python-tools", "path");
        if (!start.equals("venv")) {
            Optional<Path> python = onPath("python3");
            if (python.isPresent() && runs(List.of(python.get().toString(), "-c", "import " + module))) {
                return python.get();
            }
        }
        Path venv = ROOT.resolve("venv");
        Path python = venv.resolve("bin").resolve("python");
        if (!Files.isExecutable(venv.resolve("bin").resolve("pip"))) {
            install(List.of("python3", "-m", "venv", venv.toString()));
        }
        if (!runs(List.of(python.toString(), "-c", "import " + module))) {
            install(List.of(venv.resolve("bin").resolve("pip").toString(), "install", "--quiet", module));
        }
        return python;
    }

    /** @return a PATH for a child process that finds these tools first */
    public static String pathWith(Path... tools) {
        StringBuilder path = new StringBuilder();
        for (Path tool : tools) {
            path.append(tool.getParent()).append(File.pathSeparator);
        }
        return path.append(System.getenv().getOrDefault("PATH", "/usr/bin:/bin")).toString();
    }

    private static synchronized Path find(Tool tool) {
        String start = System.getProperty("moa.test.python-tools", "path");
        if (start.equals("path")) {
            Optional<Path> onPath = onPath(tool.command()).filter(path -> runs(List.of(path.toString(), tool.probe())));
            if (onPath.isPresent()) {
                return onPath.get();
            }
        }
        if (!start.equals("venv")) {
            Optional<Path> python = onPath("python3");
            if (python.isPresent() && runs(List.of(python.get().toString(), "-m", tool.module(), tool.probe()))) {
                return wrapper(tool, python.get());
            }
        }
        return installed(tool);
    }

    private static Path wrapper(Tool tool, Path python) {
        Path wrapper = ROOT.resolve("wrappers").resolve(tool.command());
        try {
            Files.createDirectories(wrapper.getParent());
            Files.writeString(wrapper, "#!/bin/sh\nexec '" + python + "' -m " + tool.module() + " \"$@\"\n");
            Files.setPosixFilePermissions(wrapper, PosixFilePermissions.fromString("rwxr-xr-x"));
        } catch (IOException e) {
            throw new IllegalStateException("cannot write " + wrapper, e);
        }
        return wrapper;
    }

    private static Path installed(Tool tool) {
        Path venv = ROOT.resolve("venv");
        Path command = venv.resolve("bin").resolve(tool.command());
        if (!Files.isExecutable(command)) {
            if (!Files.isExecutable(venv.resolve("bin").resolve("pip"))) {
                install(List.of("python3", "-m", "venv", venv.toString()));
            }
            install(List.of(venv.resolve("bin").resolve("pip").toString(), "install", "--quiet", tool.pipPackage()));
        }
        if (!Files.isExecutable(command)) {
            throw new IllegalStateException("pip installed " + tool.pipPackage() + " but " + command + " is missing");
        }
        return command;
    }

    private static Optional<Path> onPath(String command) {
        String path = System.getenv("PATH");
        if (path == null) {
            return Optional.empty();
        }
        for (String dir : path.split(File.pathSeparator)) {
            Path candidate = Path.of(dir).resolve(command);
            if (Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    /** A pyenv shim exists even when the active Python lacks the package: only a tool that runs counts. */
    private static boolean runs(List<String> command) {
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (!process.waitFor(2, TimeUnit.MINUTES)) {
                process.destroyForcibly();
                return false;
            }
            return process.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static void install(List<String> command) {
        try {
            Files.createDirectories(ROOT);
            Path log = ROOT.resolve("install.log");
            Process process = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
            if (!process.waitFor(INSTALL_MINUTES, TimeUnit.MINUTES)) {
                process.destroyForcibly();
                throw new IllegalStateException(String.join(" ", command) + " did not finish; see " + log);
            }
            if (process.exitValue() != 0) {
                throw new IllegalStateException(String.join(" ", command) + " failed; see " + log);
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + String.join(" ", command), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
