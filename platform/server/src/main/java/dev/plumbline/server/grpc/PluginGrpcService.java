package dev.plumbline.server.grpc;

import dev.plumbline.engine.plugin.PluginRegistry;
import dev.plumbline.proto.v1.ListPluginsRequest;
import dev.plumbline.proto.v1.ListPluginsResponse;
import dev.plumbline.proto.v1.PluginService;
import io.quarkus.grpc.GrpcService;
import io.smallrye.mutiny.Uni;

@GrpcService
public class PluginGrpcService implements PluginService {

    private final PluginRegistry registry;

    public PluginGrpcService(PluginRegistry registry) {
        this.registry = registry;
    }

    @Override
    public Uni<ListPluginsResponse> listPlugins(ListPluginsRequest request) {
        return Uni.createFrom().item(() -> {
            ListPluginsResponse.Builder b = ListPluginsResponse.newBuilder();
            registry.list(ProtoMapping.kind(request.getKind(), "kind")).forEach(p -> b.addPlugins(ProtoMapping.plugin(p)));
            return b.build();
        });
    }
}
