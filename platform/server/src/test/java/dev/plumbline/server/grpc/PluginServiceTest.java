package dev.plumbline.server.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.plumbline.proto.v1.ListPluginsRequest;
import dev.plumbline.proto.v1.ParameterSpec;
import dev.plumbline.proto.v1.ParameterType;
import dev.plumbline.proto.v1.Plugin;
import dev.plumbline.proto.v1.PluginKind;
import dev.plumbline.proto.v1.PluginServiceGrpc;
import io.grpc.ManagedChannel;
import io.quarkus.test.junit.QuarkusTest;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

@QuarkusTest
class PluginServiceTest {

    ManagedChannel channel;
    PluginServiceGrpc.PluginServiceBlockingStub plugins;

    @BeforeEach
    void connect() {
        channel = TestChannels.open();
        plugins = PluginServiceGrpc.newBlockingStub(channel);
    }

    @AfterEach
    void close() {
        channel.shutdownNow();
    }

    @Test
    void listsEveryKindWithTypedParameters() {
        List<Plugin> all = plugins.listPlugins(ListPluginsRequest.getDefaultInstance()).getPluginsList();
        assertThat(all).extracting(Plugin::getId).contains("test-keyword", "test-null-models");

        Plugin judge = all.stream().filter(p -> p.getId().equals("test-keyword")).findFirst().orElseThrow();
        assertThat(judge.getKind()).isEqualTo(PluginKind.PLUGIN_KIND_JUDGE);
        assertThat(judge.getDescription()).startsWith("Scores 1");
        ParameterSpec weight = judge.getParametersList().stream()
                .filter(s -> s.getName().equals("weight")).findFirst().orElseThrow();
        assertThat(weight.getType()).isEqualTo(ParameterType.PARAMETER_TYPE_NUMBER);
        assertThat(weight.getDefaultValue().getNumberValue()).isEqualTo(1.0);
        assertThat(weight.getMinimum()).isEqualTo(0.0);
        assertThat(weight.getMaximum()).isEqualTo(10.0);
        assertThat(weight.getDoc()).isEqualTo("Score when found.");
        assertThat(weight.getRequired()).isFalse();
    }

    @Test
    void filtersByKind() {
        List<Plugin> judges = plugins.listPlugins(ListPluginsRequest.newBuilder()
                .setKind(PluginKind.PLUGIN_KIND_JUDGE).build()).getPluginsList();
        assertThat(judges).isNotEmpty().allMatch(p -> p.getKind() == PluginKind.PLUGIN_KIND_JUDGE);
        assertThat(judges).extracting(Plugin::getId).contains("test-keyword").doesNotContain("test-null-models");

        List<Plugin> providers = plugins.listPlugins(ListPluginsRequest.newBuilder()
                .setKind(PluginKind.PLUGIN_KIND_MODEL_PROVIDER).build()).getPluginsList();
        assertThat(providers).extracting(Plugin::getId).contains("test-null-models").doesNotContain("test-keyword");
    }
}
