package dev.moa.batch;

import dev.moa.testing.lambda.HttpApiEvent;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

/** API Gateway events for the Files and Batches API, as a client's requests arrive at the function. */
final class BatchEvents {

    private BatchEvents() {
    }

    /** {@code POST /v1/files} with a multipart body, base64-encoded as API Gateway hands over binary content. */
    static HttpApiEvent upload(String filename, String content) {
        String boundary = "moa-test-boundary";
        String body = "--" + boundary + "\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\nbatch\r\n"
                + "--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"" + filename
                + "\"\r\nContent-Type: application/octet-stream\r\n\r\n" + content + "\r\n--" + boundary + "--\r\n";
        HttpApiEvent event = HttpApiEvent.of("POST", "/v1/files")
                .withHeader("content-type", "multipart/form-data; boundary=" + boundary);
        return new HttpApiEvent(event.method(), event.routeKey(), event.path(), event.pathParameters(),
                event.headers(), Base64.getEncoder().encodeToString(body.getBytes(StandardCharsets.UTF_8)), true);
    }

    static HttpApiEvent createBatch(String fileId) {
        return HttpApiEvent.postJson("/v1/batches", "{\"input_file_id\": \"" + fileId
                + "\", \"endpoint\": \"/v1/chat/completions\", \"completion_window\": \"24h\"}");
    }

    static HttpApiEvent get(String routeKey, String path, String id) {
        return HttpApiEvent.route(routeKey, path, java.util.Map.of("id", id));
    }

    static String line(String customId, String mix, String content) {
        return "{\"custom_id\": \"" + customId + "\", \"method\": \"POST\", \"url\": \"/v1/chat/completions\", "
                + "\"body\": {\"model\": \"" + mix + "\", \"messages\": [{\"role\": \"user\", \"content\": \""
                + content + "\"}]}}";
    }
}
