package dev.moa.playground;

import dev.moa.MoaConfig;
import dev.moa.api.ResponseTransport;
import dev.moa.model.MoaError;
import dev.moa.store.ClientKeys;
import io.quarkus.runtime.LaunchMode;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.core.Response;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * {@code GET /playground}: one page to try a mix and watch it run (docs/playground.md). The page, its script and its
 * style come from the function itself; the page asks the browser to load nothing else and to send requests nowhere
 * but here (its Content-Security-Policy). It runs a prompt through {@code /v1/chat/completions} with progress events.
 *
 * <p>On by default where answers stream (the server build) and in dev mode; on the Lambda build, whose responses are
 * buffered, only with {@code MOA_PLAYGROUND=true}. {@code MOA_PLAYGROUND=false} turns it off everywhere. When off,
 * its URLs are unknown URLs (404).
 */
@Path("/playground")
public class PlaygroundResource {

    /** Nothing from anywhere else: no CDN, font, frame or form target; scripts and fetches to this origin only. */
    static final String POLICY = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
            + "img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    private final boolean enabled;
    private final String page;
    private final String script;
    private final String style;

    public PlaygroundResource(MoaConfig config, ResponseTransport transport, ClientKeys keys) {
        this.enabled = config.playground()
                .orElse(transport.streams() || LaunchMode.current() == LaunchMode.DEVELOPMENT);
        // Whether the page shows its key field: the filter asks /v1/* for a key exactly when this is true.
        this.page = enabled ? read("index.html").replace("data-keys-required=\"false\"",
                "data-keys-required=\"" + keys.required() + "\"") : null;
        this.script = enabled ? read("playground.js") : null;
        this.style = enabled ? read("playground.css") : null;
    }

    @GET
    public Response page() {
        return asset(page, "text/html; charset=utf-8", "");
    }

    @GET
    @Path("/playground.js")
    public Response script() {
        return asset(script, "text/javascript; charset=utf-8", "/playground.js");
    }

    @GET
    @Path("/playground.css")
    public Response style() {
        return asset(style, "text/css; charset=utf-8", "/playground.css");
    }

    private Response asset(String body, String type, String path) {
        if (!enabled) {
            // As for any URL we do not serve.
            throw new MoaError(MoaError.Kind.NOT_FOUND, null, "unknown_url",
                    "Invalid URL (GET /playground" + path + ")");
        }
        return Response.ok(body).type(type)
                .header("Content-Security-Policy", POLICY)
                .header("X-Content-Type-Options", "nosniff")
                .header("Referrer-Policy", "no-referrer")
                .header("Cache-Control", "no-cache")
                .build();
    }

    private static String read(String name) {
        try (InputStream in = PlaygroundResource.class.getClassLoader().getResourceAsStream("playground/" + name)) {
            if (in == null) {
                throw new IllegalStateException("playground/" + name + " is missing from the build");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
