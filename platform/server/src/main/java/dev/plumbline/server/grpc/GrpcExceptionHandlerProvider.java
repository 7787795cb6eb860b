package dev.plumbline.server.grpc;

import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.StatusRuntimeException;
import io.quarkus.grpc.ExceptionHandler;
import io.quarkus.grpc.ExceptionHandlerProvider;
import jakarta.enterprise.context.ApplicationScoped;

/** Replaces Quarkus' default mapping with {@link GrpcErrors} for unary and streaming calls alike. */
@ApplicationScoped
public class GrpcExceptionHandlerProvider implements ExceptionHandlerProvider {

    @Override
    public <ReqT, RespT> ExceptionHandler<ReqT, RespT> createHandler(
            ServerCall.Listener<ReqT> listener, ServerCall<ReqT, RespT> call, Metadata metadata) {
        return new ExceptionHandler<>(listener, call, metadata) {
            @Override
            protected void handleException(Throwable t, ServerCall<ReqT, RespT> c, Metadata m) {
                StatusRuntimeException s = GrpcErrors.toStatus(t);
                Metadata trailers = s.getTrailers() == null ? new Metadata() : s.getTrailers();
                c.close(s.getStatus(), trailers);
            }
        };
    }

    @Override
    public Throwable transform(Throwable t) {
        return GrpcErrors.toStatus(t);
    }
}
