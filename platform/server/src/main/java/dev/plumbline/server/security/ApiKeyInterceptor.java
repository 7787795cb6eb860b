package dev.plumbline.server.security;

import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.quarkus.grpc.GlobalInterceptor;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.spi.Prioritized;

/** gRPC side of API-key auth: every service but the standard health service needs a key when keys are configured. */
@ApplicationScoped
@GlobalInterceptor
public class ApiKeyInterceptor implements ServerInterceptor, Prioritized {

    private static final Metadata.Key<String> API_KEY = Metadata.Key.of(ApiKeys.HEADER, Metadata.ASCII_STRING_MARSHALLER);
    private static final Metadata.Key<String> AUTHORIZATION =
            Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

    private final ApiKeys keys;

    public ApiKeyInterceptor(ApiKeys keys) {
        this.keys = keys;
    }

    @Override
    public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(
            ServerCall<ReqT, RespT> call, Metadata headers, ServerCallHandler<ReqT, RespT> next) {
        if (!keys.enabled()
                || "grpc.health.v1.Health".equals(call.getMethodDescriptor().getServiceName())
                || keys.accepts(headers.get(API_KEY), headers.get(AUTHORIZATION))) {
            return next.startCall(call, headers);
        }
        call.close(Status.UNAUTHENTICATED.withDescription(ApiKeys.CHALLENGE), new Metadata());
        return new ServerCall.Listener<>() {};
    }

    @Override
    public int getPriority() {
        return Integer.MAX_VALUE; // before every other interceptor
    }
}
