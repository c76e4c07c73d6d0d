package dev.moa.testing;

import com.microsoft.playwright.Browser;
import com.microsoft.playwright.BrowserType;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.Playwright;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One tab of a real headless Chromium (Debian's {@code chromium}, driven by Playwright) kept to one origin: every
 * request it makes is recorded and any leaving the origin is aborted; a console error or warning, an uncaught page
 * error or a dialog is recorded as a problem (the dialog dismissed). Both lists stay readable after {@link #close}.
 */
public final class ChromiumTab implements AutoCloseable {

    public static final Path CHROMIUM = Path.of(System.getProperty("moa.test.chromium", "/usr/bin/chromium"));

    private final Playwright playwright;
    private final Browser browser;
    private final Page tab;
    private final List<String> problems = new CopyOnWriteArrayList<>();
    private final List<String> requests = new CopyOnWriteArrayList<>();

    private ChromiumTab(String origin) {
        assertTrue(Files.isExecutable(CHROMIUM), "Chromium is needed for this test and is not at " + CHROMIUM
                + ": install Debian's package (apt-get install -y chromium; .ci/run does so) or set "
                + "-Dmoa.test.chromium=<path>");
        playwright = Playwright.create(new Playwright.CreateOptions()
                .setEnv(Map.of("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")));
        try {
            browser = playwright.chromium().launch(new BrowserType.LaunchOptions()
                    .setExecutablePath(CHROMIUM).setHeadless(true)
                    .setArgs(List.of("--headless", "--no-sandbox", "--disable-gpu",
                            "--disable-background-networking", "--disable-component-update", "--no-first-run")));
        } catch (RuntimeException e) {
            playwright.close();
            throw e;
        }
        tab = browser.newPage();
        tab.onConsoleMessage(message -> {
            if (message.type().equals("error") || message.type().equals("warning")) {
                problems.add(message.type() + ": " + message.text());
            }
        });
        tab.onPageError(error -> problems.add("page error: " + error));
        tab.onDialog(dialog -> {
            problems.add("a dialog opened: " + dialog.message());
            dialog.dismiss();
        });
        tab.onRequest(request -> requests.add(request.url()));
        tab.route("**/*", route -> {
            if (route.request().url().startsWith(origin + "/")) {
                route.resume();
            } else {
                route.abort();
            }
        });
    }

    /** A new tab of a new browser, kept to {@code origin} ({@code scheme://host:port}). */
    public static ChromiumTab open(String origin) {
        return new ChromiumTab(origin);
    }

    public Page page() {
        return tab;
    }

    /** Console errors and warnings, page errors and dialogs, in order. */
    public List<String> problems() {
        return problems;
    }

    /** Every URL the tab asked for, in order (the aborted ones too). */
    public List<String> requests() {
        return requests;
    }

    @Override
    public void close() {
        try {
            browser.close();
        } finally {
            playwright.close();
        }
    }
}
