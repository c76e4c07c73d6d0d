package dev.moa.api;

import dev.moa.testing.UpstreamResource;
import dev.moa.testing.UpstreamTest;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every method and sub-path of every real route that no method serves answers as any unknown URL does: the
 * {@code unknown_url} error object naming the method and path (in Anthropic's shape under {@code /v1/messages}),
 * never the framework's own refusal. A path no route template matches is a 404; a template served for other methods
 * keeps its 405, as does OPTIONS, which no route serves.
 */
@QuarkusTest
@WithTestResource(UpstreamResource.class)
class RoutesTest extends UpstreamTest {

    /** The routes we serve: a path template ({x} one segment, {x+} the rest of the path) and its methods. */
    private static final Map<String, Set<String>> ROUTES = Map.ofEntries(
            Map.entry("/v1/chat/completions", Set.of("POST")),
            Map.entry("/v1/responses", Set.of("POST")),
            Map.entry("/v1/responses/{id}", Set.of("GET", "DELETE")),
            Map.entry("/v1/responses/{id}/input_items", Set.of("GET")),
            Map.entry("/v1/messages", Set.of("POST")),
            Map.entry("/v1/messages/count_tokens", Set.of("POST")),
            Map.entry("/v1/models", Set.of("GET")),
            Map.entry("/v1/models/{id+}", Set.of("GET")),
            Map.entry("/v1/moa/usage", Set.of("GET")),
            Map.entry("/v1/files", Set.of("GET", "POST")),
            Map.entry("/v1/files/{id}", Set.of("GET", "DELETE")),
            Map.entry("/v1/files/{id}/content", Set.of("GET")),
            Map.entry("/v1/batches", Set.of("GET", "POST")),
            Map.entry("/v1/batches/{id}", Set.of("GET")),
            Map.entry("/v1/batches/{id}/cancel", Set.of("POST")),
            Map.entry("/v1/evals", Set.of("GET", "POST")),
            Map.entry("/v1/evals/{id}", Set.of("GET", "POST", "DELETE")),
            Map.entry("/v1/evals/{id}/runs", Set.of("GET", "POST")),
            Map.entry("/v1/evals/{id}/runs/{run}", Set.of("GET", "POST", "DELETE")),
            Map.entry("/v1/evals/{id}/runs/{run}/output_items", Set.of("GET")),
            Map.entry("/v1/evals/{id}/runs/{run}/output_items/{item}", Set.of("GET")),
            Map.entry("/v1/evals/{id}/report", Set.of("GET")));

    private static final List<String> METHODS = List.of("GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS");

    @Test
    void everyUnservedMethodAndSubPathOfARealRouteIsAnUnknownUrl() {
        Set<String> paths = new LinkedHashSet<>();
        for (String template : ROUTES.keySet()) {
            String path = template.replaceAll("\\{[a-z]+\\+?}", "x1");
            paths.add(path);
            paths.add(path + "/x");
        }
        List<String> failures = new ArrayList<>();
        int checked = 0;
        for (String path : paths) {
            for (String method : METHODS) {
                Set<String> served = servedMethods(path);
                if (served.contains(method)) {
                    continue;
                }
                checked++;
                Response response = given().contentType(ContentType.JSON).body("{}").when().request(method, path);
                String problem = problem(method, path, !served.isEmpty(), response);
                if (problem != null) {
                    failures.add(method + " " + path + ": " + problem + " -> " + response.statusCode() + " "
                            + response.asString());
                }
            }
        }
        assertTrue(checked > 100, "combinations checked: " + checked);
        assertTrue(failures.isEmpty(), failures.size() + " of " + checked + " answered otherwise:\n"
                + String.join("\n", failures));
        assertTrue(upstream.requests().isEmpty(), "no upstream call");
    }

    /** The case that was found: the framework's 405 had {@code code: null} and a message naming nothing. */
    @Test
    void aPostToAStoredResponsesIdIsTheUnknownUrlObject() {
        given().contentType(ContentType.JSON).body("{}").when().post("/v1/responses/x").then()
                .statusCode(405).contentType(ContentType.JSON)
                .body("error.code", org.hamcrest.Matchers.equalTo("unknown_url"))
                .body("error.type", org.hamcrest.Matchers.equalTo("invalid_request_error"))
                .body("error.message", org.hamcrest.Matchers.equalTo("Invalid URL (POST /v1/responses/x)"));
    }

    private static Set<String> servedMethods(String path) {
        Set<String> methods = new LinkedHashSet<>();
        ROUTES.forEach((template, served) -> {
            String regex = Pattern.quote(template).replaceAll("\\{[a-z]+\\+}", "\\\\E.+\\\\Q")
                    .replaceAll("\\{[a-z]+}", "\\\\E[^/]+\\\\Q");
            if (path.matches(regex)) {
                methods.addAll(served);
            }
        });
        return methods;
    }

    private static String problem(String method, String path, boolean templateServed, Response response) {
        // OPTIONS is served nowhere: refused before routing, always a 405.
        int expected = templateServed || method.equals("OPTIONS") ? 405 : 404;
        if (response.statusCode() != expected) {
            return "status, wanted " + expected;
        }
        if (!String.valueOf(response.contentType()).startsWith("application/json")) {
            return "content type " + response.contentType();
        }
        String message = "Invalid URL (" + method + " " + path + ")";
        if (path.startsWith("/v1/messages")) {
            String type = expected == 404 ? "not_found_error" : "invalid_request_error";
            if (!"error".equals(response.path("type")) || !type.equals(response.path("error.type"))) {
                return "not Anthropic's " + type;
            }
            return message.equals(response.path("error.message")) ? null : "message";
        }
        if (!"unknown_url".equals(response.path("error.code"))) {
            return "code";
        }
        if (!"invalid_request_error".equals(response.path("error.type"))) {
            return "type";
        }
        return message.equals(response.path("error.message")) ? null : "message";
    }
}
