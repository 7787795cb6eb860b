package dev.plumbline.server.grpc;

import dev.plumbline.engine.run.IllegalRunTransitionException;
import dev.plumbline.server.run.RunNotFoundException;
import dev.plumbline.spi.InvalidInputException;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.StatusRuntimeException;
import io.quarkus.logging.Log;

/**
 * The one place that turns exceptions into gRPC statuses: client mistakes become
 * INVALID_ARGUMENT / NOT_FOUND / FAILED_PRECONDITION with the field path, never INTERNAL.
 */
public final class GrpcErrors {

    /** Trailer naming the offending field, e.g. {@code parameters.beta}. */
    public static final Metadata.Key<String> FIELD = Metadata.Key.of("plumbline-field", Metadata.ASCII_STRING_MARSHALLER);

    private GrpcErrors() {}

    public static StatusRuntimeException toStatus(Throwable t) {
        Throwable cause = unwrap(t);
        if (cause instanceof StatusRuntimeException sre) {
            return sre;
        }
        if (cause instanceof StatusException se) {
            return new StatusRuntimeException(se.getStatus(), se.getTrailers());
        }
        if (cause instanceof dev.plumbline.server.model.ModelNotFoundException mnf) {
            Metadata trailers = new Metadata();
            trailers.put(FIELD, mnf.field());
            return Status.NOT_FOUND.withDescription(mnf.getMessage()).asRuntimeException(trailers);
        }
        if (cause instanceof InvalidInputException iie) {
            Metadata trailers = new Metadata();
            trailers.put(FIELD, iie.field());
            return Status.INVALID_ARGUMENT.withDescription(iie.getMessage()).asRuntimeException(trailers);
        }
        if (cause instanceof RunNotFoundException) {
            Metadata trailers = new Metadata();
            trailers.put(FIELD, "run_id");
            return Status.NOT_FOUND.withDescription(cause.getMessage()).asRuntimeException(trailers);
        }
        if (cause instanceof IllegalRunTransitionException || cause instanceof FeatureUnavailableException
                || cause instanceof dev.plumbline.server.eval.ReportUnavailableException) {
            return Status.FAILED_PRECONDITION.withDescription(cause.getMessage()).asRuntimeException();
        }
        if (cause instanceof UnsupportedOperationException) {
            return Status.UNIMPLEMENTED.withDescription(cause.getMessage()).asRuntimeException();
        }
        Log.error("Internal error serving a gRPC call", cause);
        return Status.INTERNAL.withDescription("internal error: " + cause.getClass().getSimpleName()
                + (cause.getMessage() == null ? "" : ": " + cause.getMessage())).asRuntimeException();
    }

    private static Throwable unwrap(Throwable t) {
        Throwable c = t;
        while ((c instanceof java.util.concurrent.CompletionException
                || c instanceof java.util.concurrent.ExecutionException
                || c.getClass().getName().equals("io.quarkus.arc.ArcUndeclaredThrowableException"))
                && c.getCause() != null) {
            c = c.getCause();
        }
        return c;
    }

    /** The answer of an RPC whose behaviour a later release delivers. */
    public static UnsupportedOperationException notYet(String rpc) {
        return new UnsupportedOperationException(rpc + " is not implemented by this server version yet");
    }
}
