package dev.moa.api;

import io.vertx.ext.web.Router;
import jakarta.enterprise.event.Observes;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * The Lambda Web Adapter's readiness check: it GETs {@code AWS_LWA_READINESS_CHECK_PATH} (here {@code /health}
 * unless set) until the app answers, and only then forwards invocations. Answered before routing and without a
 * client key: the adapter has none, and the answer says nothing but "up".
 */
public class ReadinessRoute {

    void register(@Observes Router router,
                  @ConfigProperty(name = "AWS_LWA_READINESS_CHECK_PATH", defaultValue = "/health") String path) {
        router.get(path).order(Integer.MIN_VALUE).handler(context -> context.response()
                .putHeader("Content-Type", "application/json").end("{\"status\":\"ready\"}"));
    }
}
