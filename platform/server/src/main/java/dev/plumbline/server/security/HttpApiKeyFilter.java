package dev.plumbline.server.security;

import io.vertx.ext.web.Router;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/**
 * HTTP side of API-key auth: every route but /q/health needs a key when keys are configured.
 * gRPC requests are left to {@link ApiKeyInterceptor}, which knows the health service.
 */
@ApplicationScoped
public class HttpApiKeyFilter {

    private static final java.util.regex.Pattern GRPC_PATH =
            java.util.regex.Pattern.compile("/[A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z_][A-Za-z0-9_]*)+/[A-Za-z_][A-Za-z0-9_]*");

    private final ApiKeys keys;

    public HttpApiKeyFilter(ApiKeys keys) {
        this.keys = keys;
    }

    void install(@Observes Router router) {
        router.route().order(Integer.MIN_VALUE).handler(ctx -> {
            String path = ctx.normalizedPath();
            String contentType = ctx.request().getHeader("content-type");
            // Only real gRPC calls (/<package.Service>/<Method>) are left to the interceptor; a gRPC
            // content type on any other path must not skip the check.
            boolean grpc = contentType != null && contentType.startsWith("application/grpc")
                    && GRPC_PATH.matcher(path).matches();
            if (!keys.enabled() || grpc || path.equals("/q/health") || path.startsWith("/q/health/")
                    || keys.accepts(ctx.request().getHeader(ApiKeys.HEADER), ctx.request().getHeader("authorization"))) {
                ctx.next();
                return;
            }
            ctx.response().setStatusCode(401)
                    .putHeader("WWW-Authenticate", "Bearer")
                    .putHeader("content-type", "application/json")
                    .end("{\"error\":\"" + ApiKeys.CHALLENGE + "\"}");
        });
    }
}
