package dev.moa;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README and the pages under docs/ link each other by relative paths: a moved or renamed page or heading must
 * not leave a dead link behind, and a new page must be reachable from the README's map.
 */
class DocsLinksTest {

    @Test
    void everyRelativeLinkInTheReadmeAndDocsReachesItsFileAndHeading() {
        assertEquals(List.of(), new DocLinks(Path.of("")).dead());
    }

    @Test
    void theReadmeLinksEveryDocsPage() {
        assertEquals(List.of(), new DocLinks(Path.of("")).pagesNotLinkedFromReadme());
    }

    @Test
    void aMissingFileAMissingHeadingAndAnUnlinkedPageAreReported(@TempDir Path root) throws IOException {
        Files.createDirectories(root.resolve("docs"));
        Files.writeString(root.resolve("README.md"), """
                # Title
                [ok](docs/a.md) [gone](docs/gone.md) [anchor](docs/a.md#real-heading) [bad](docs/a.md#no-such)
                [web](https://example.com/x.md) `[code](docs/code.md)`
                ```
                [fenced](docs/fenced.md)
                ```
                """);
        Files.writeString(root.resolve("docs/a.md"), """
                # Real heading
                [self](#real-heading) [up](../README.md#title) [nope](#missing)
                """);
        Files.writeString(root.resolve("docs/orphan.md"), "# Orphan\n");

        DocLinks links = new DocLinks(root);

        assertEquals(List.of(
                "README.md: docs/gone.md (no such file)",
                "README.md: docs/a.md#no-such (no such heading)",
                "docs/a.md: #missing (no such heading)"), links.dead());
        assertEquals(List.of("docs/orphan.md"), links.pagesNotLinkedFromReadme());
    }

    /** Markdown files of one checkout and the links between them. */
    record DocLinks(Path root) {
        private static final Pattern LINK = Pattern.compile("\\[[^\\]]*]\\(([^)\\s]+)(?:\\s+\"[^\"]*\")?\\)");
        private static final Pattern INLINE_CODE = Pattern.compile("`[^`]*`");
        private static final Pattern HEADING = Pattern.compile("^#{1,6}\\s+(.*?)\\s*#*\\s*$");

        List<String> dead() {
            List<String> dead = new ArrayList<>();
            for (Path page : pages()) {
                for (String target : links(page)) {
                    String problem = problem(page, target);
                    if (problem != null) {
                        dead.add(relative(page) + ": " + target + " (" + problem + ")");
                    }
                }
            }
            return dead;
        }

        List<String> pagesNotLinkedFromReadme() {
            Set<Path> linked = new LinkedHashSet<>();
            Path readme = root.resolve("README.md");
            for (String target : links(readme)) {
                if (!external(target)) {
                    linked.add(resolve(readme, target).normalize());
                }
            }
            return docsPages().stream()
                    .filter(page -> !linked.contains(page.toAbsolutePath().normalize()))
                    .map(this::relative)
                    .toList();
        }

        private String problem(Path page, String target) {
            if (external(target)) {
                return null;
            }
            int hash = target.indexOf('#');
            String file = hash < 0 ? target : target.substring(0, hash);
            Path resolved = file.isEmpty() ? page.toAbsolutePath().normalize() : resolve(page, target);
            if (!Files.exists(resolved)) {
                return "no such file";
            }
            if (hash >= 0 && resolved.toString().endsWith(".md")
                    && !anchors(resolved).contains(target.substring(hash + 1))) {
                return "no such heading";
            }
            return null;
        }

        private Path resolve(Path page, String target) {
            int hash = target.indexOf('#');
            String file = hash < 0 ? target : target.substring(0, hash);
            return page.toAbsolutePath().getParent().resolve(file).normalize();
        }

        private static boolean external(String target) {
            return target.matches("^[a-zA-Z][a-zA-Z0-9+.-]*:.*");
        }

        private List<Path> pages() {
            List<Path> pages = new ArrayList<>();
            pages.add(root.resolve("README.md"));
            pages.addAll(docsPages());
            return pages;
        }

        private List<Path> docsPages() {
            Path docs = root.resolve("docs");
            if (!Files.isDirectory(docs)) {
                return List.of();
            }
            try (Stream<Path> files = Files.list(docs)) {
                return files.filter(file -> file.toString().endsWith(".md")).sorted().toList();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        /** Link targets outside code blocks and inline code, in order. */
        private static List<String> links(Path page) {
            List<String> targets = new ArrayList<>();
            for (String line : prose(page)) {
                Matcher link = LINK.matcher(INLINE_CODE.matcher(line).replaceAll(""));
                while (link.find()) {
                    targets.add(link.group(1));
                }
            }
            return targets;
        }

        /** GitHub's heading anchors: lower case, punctuation dropped, spaces as hyphens, repeats numbered. */
        private static Set<String> anchors(Path page) {
            Set<String> anchors = new LinkedHashSet<>();
            Map<String, Integer> seen = new HashMap<>();
            for (String line : prose(page)) {
                Matcher heading = HEADING.matcher(line);
                if (heading.matches()) {
                    String slug = heading.group(1).toLowerCase(Locale.ROOT)
                            .replaceAll("[^\\p{L}\\p{N} _-]", "")
                            .replace(' ', '-');
                    int count = seen.merge(slug, 1, Integer::sum);
                    anchors.add(count == 1 ? slug : slug + "-" + (count - 1));
                }
            }
            return anchors;
        }

        /** The page's lines outside fenced code blocks. */
        private static List<String> prose(Path page) {
            List<String> lines = new ArrayList<>();
            boolean fenced = false;
            try {
                for (String line : Files.readAllLines(page)) {
                    if (line.stripLeading().startsWith("```")) {
                        fenced = !fenced;
                    } else if (!fenced) {
                        lines.add(line);
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return lines;
        }

        private String relative(Path page) {
            return root.toAbsolutePath().normalize().relativize(page.toAbsolutePath().normalize())
                    .toString().replace('\\', '/');
        }
    }
}
