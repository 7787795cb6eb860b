package dev.plumbline.server.grpc;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.StatusRuntimeException;
import org.eclipse.microprofile.config.ConfigProvider;

/** A plaintext channel to the test server's unified HTTP/gRPC port. */
public final class TestChannels {

    private TestChannels() {}

    public static ManagedChannel open() {
        int port = ConfigProvider.getConfig().getValue("quarkus.http.test-port", Integer.class);
        return ManagedChannelBuilder.forAddress("localhost", port).usePlaintext()
                .maxInboundMessageSize(64 * 1024 * 1024).build();
    }

    /** The field a server error names in its plumbline-field trailer. */
    public static String field(StatusRuntimeException e) {
        Metadata trailers = e.getTrailers();
        return trailers == null ? null : trailers.get(GrpcErrors.FIELD);
    }
}
