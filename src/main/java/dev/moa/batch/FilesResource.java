package dev.moa.batch;

import dev.moa.model.MoaError;
import io.smallrye.common.annotation.Blocking;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.jboss.resteasy.reactive.RestForm;
import org.jboss.resteasy.reactive.multipart.FileUpload;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** The Files API, for batch inputs and results and eval items. */
@Path("/v1/files")
@Blocking
public class FilesResource {

    private static final Duration LINK_VALIDITY = Duration.ofMinutes(15);

    private final BatchFiles files;
    private final BatchConfig config;

    public FilesResource(BatchFiles files, BatchConfig config) {
        this.files = files;
        this.config = config;
    }

    @POST
    @Consumes(MediaType.MULTIPART_FORM_DATA)
    @Produces(MediaType.APPLICATION_JSON)
    public FileObject upload(@RestForm("file") FileUpload file, @RestForm("purpose") String purpose) {
        if (file == null) {
            throw MoaError.invalidRequest("file", "Missing required parameter: 'file'.");
        }
        if (!FileObject.BATCH.equals(purpose) && !FileObject.EVALS.equals(purpose)) {
            throw MoaError.invalidRequest("purpose", "purpose must be \"batch\" or \"evals\": the only uses of "
                    + "files here.");
        }
        if (file.size() > config.maxFileBytes()) {
            throw new MoaError(MoaError.Kind.REQUEST_TOO_LARGE, "file", "file_too_large", "The file is " + file.size()
                    + " bytes; the limit is " + config.maxFileBytes() + ".");
        }
        try {
            return files.create(file.fileName() == null ? "upload.jsonl" : file.fileName(), purpose,
                    Files.readAllBytes(file.uploadedFile()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    public FileList list() {
        return new FileList("list", files.list(), false);
    }

    @GET
    @Path("/{id}")
    @Produces(MediaType.APPLICATION_JSON)
    public FileObject get(@PathParam("id") String id) {
        return files.find(id).orElseThrow(() -> notFound(id));
    }

    @GET
    @Path("/{id}/content")
    public Response content(@PathParam("id") String id) {
        FileObject file = files.find(id).orElseThrow(() -> notFound(id));
        if (file.bytes() > config.inlineContentBytes()) {
            // httpx (the OpenAI SDKs) and curl -L follow it, and drop the Authorization header on the way.
            Optional<URI> link = files.link(id, LINK_VALIDITY);
            if (link.isPresent()) {
                return Response.temporaryRedirect(link.get()).build();
            }
        }
        // Whole bytes, with a Content-Length: a streamed entity goes out chunked, and Lambda's HTTP adapter then
        // forwards a Transfer-Encoding header that clients reject. (Lambda buffers every response anyway.)
        try (InputStream content = files.content(id).orElseThrow(() -> notFound(id))) {
            return Response.ok(content.readAllBytes(), MediaType.APPLICATION_OCTET_STREAM_TYPE).build();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @DELETE
    @Path("/{id}")
    @Produces(MediaType.APPLICATION_JSON)
    public FileObject.Deleted delete(@PathParam("id") String id) {
        if (!files.delete(id)) {
            throw notFound(id);
        }
        return new FileObject.Deleted(id, "file", true);
    }

    private static MoaError notFound(String id) {
        return new MoaError(MoaError.Kind.NOT_FOUND, "id", "not_found", "No such File object: " + id);
    }

    @io.quarkus.runtime.annotations.RegisterForReflection
    public record FileList(String object, List<FileObject> data,
                           @com.fasterxml.jackson.annotation.JsonProperty("has_more") boolean hasMore) {
    }
}
