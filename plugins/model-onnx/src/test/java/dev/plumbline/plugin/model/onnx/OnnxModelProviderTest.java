package dev.plumbline.plugin.model.onnx;

import static dev.plumbline.plugin.model.onnx.TinyOnnxModels.NO_PAST;
import static dev.plumbline.plugin.model.onnx.TinyOnnxModels.WITH_PAST;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.plumbline.spi.GenerationSettings;
import dev.plumbline.spi.InvalidInputException;
import dev.plumbline.spi.LanguageModel;
import dev.plumbline.spi.ModelDescriptor;
import dev.plumbline.spi.ModelProvider;
import dev.plumbline.spi.PluginKind;
import dev.plumbline.spi.ProviderContext;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Discovery, listing, opening, sharing and closing. */
class OnnxModelProviderTest {

    @TempDir
    Path models;

    @Test
    void isDiscoveredThroughServiceLoaderAsOnnx() {
        List<ModelProvider> providers = ServiceLoader.load(ModelProvider.class).stream()
                .map(ServiceLoader.Provider::get).filter(p -> p.id().equals("onnx")).toList();
        assertThat(providers).hasSize(1);
        assertThat(providers.get(0).kind()).isEqualTo(PluginKind.MODEL_PROVIDER);
        assertThat(providers.get(0)).isInstanceOf(OnnxModelProvider.class);
    }

    @Test
    void listsDirectoriesWithModelOnnxButNotLocalCheckpoints() throws Exception {
        TinyOnnxModels.copy(WITH_PAST, models.resolve("tiny/llama-with-past"));
        TinyOnnxModels.copy(NO_PAST, models.resolve("plain"));
        Path local = Files.createDirectories(models.resolve("local-checkpoint"));
        Files.copy(TinyOnnxModels.dir(WITH_PAST).resolve("config.json"), local.resolve("config.json"));
        Files.write(local.resolve("model.safetensors"), new byte[16]);
        Path broken = Files.createDirectories(models.resolve("broken"));
        Files.write(broken.resolve("model.onnx"), new byte[] {1, 2, 3});
        Files.writeString(broken.resolve("config.json"), "{\"num_hidden_layers\": 2}");

        List<ModelDescriptor> listed = new OnnxModelProvider().listModels(new ProviderContext(models, Map.of()));

        assertThat(listed).extracting(ModelDescriptor::id).containsExactly("plain", "tiny/llama-with-past");
        ModelDescriptor d = listed.get(1);
        assertThat(d.provider()).isEqualTo("onnx");
        assertThat(d.contextLength()).isEqualTo(64);
        assertThat(d.description()).isEqualTo("ONNX llama, 2 layers, context 64 tokens");
        assertThat(d.metadata()).containsEntry("format", "onnx").containsEntry("model_type", "llama")
                .containsEntry("layers", "2").containsEntry("vocab_size", "263").containsEntry("chat_format",
                        "plumbline").containsEntry("chat_format_source", "chat_template")
                .containsEntry("path", models.resolve("tiny/llama-with-past").toString());
    }

    @Test
    void missingModelsDirectoryListsNothing() {
        assertThat(new OnnxModelProvider().listModels(new ProviderContext(models.resolve("absent"), Map.of())))
                .isEmpty();
        assertThat(new OnnxModelProvider().listModels(new ProviderContext(null, Map.of()))).isEmpty();
    }

    @Test
    void opensShareOneSessionPerDirectoryAndTheLastCloseReleasesIt() throws Exception {
        TinyOnnxModels.copy(WITH_PAST, models.resolve("m"));
        OnnxModelCache cache = new OnnxModelCache();
        OnnxModelProvider provider = new OnnxModelProvider(cache);
        ProviderContext context = new ProviderContext(models, Map.of());
        Path real = models.resolve("m").toRealPath();

        OnnxLanguageModel a = (OnnxLanguageModel) provider.open("m", context);
        OnnxLanguageModel b = (OnnxLanguageModel) provider.open("./m/../m", context);
        assertThat(cache.openHandles(real)).isEqualTo(2);
        assertThat(a.model()).isSameAs(b.model());
        assertThat(a.descriptor().metadata()).containsEntry("kv_cache", "true");

        a.close();
        a.close(); // idempotent
        assertThat(cache.openHandles(real)).isEqualTo(1);
        assertThatThrownBy(() -> a.complete("Hi", GenerationSettings.greedy(1), null))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
        assertThat(b.complete("Hi", GenerationSettings.greedy(2), null).tokenIds()).hasSize(2);
        b.close();
        assertThat(cache.openHandles(real)).isZero();

        try (LanguageModel c = provider.open("m", context)) {
            assertThat(((OnnxLanguageModel) c).model()).isNotSameAs(a.model());
            assertThat(cache.openHandles(real)).isEqualTo(1);
        }
    }

    @Test
    void aChangedDirectoryIsLoadedAfreshWhileOldHandlesKeepWorking() throws Exception {
        Path dir = TinyOnnxModels.copy(WITH_PAST, models.resolve("m"));
        OnnxModelCache cache = new OnnxModelCache();
        OnnxModelProvider provider = new OnnxModelProvider(cache);
        ProviderContext context = new ProviderContext(models, Map.of());
        try (OnnxLanguageModel before = (OnnxLanguageModel) provider.open("m", context)) {
            Files.copy(TinyOnnxModels.dir(NO_PAST).resolve("model.onnx"), dir.resolve("model.onnx"),
                    StandardCopyOption.REPLACE_EXISTING);
            try (OnnxLanguageModel after = (OnnxLanguageModel) provider.open("m", context)) {
                assertThat(after.model()).isNotSameAs(before.model());
                assertThat(after.model().graph().hasKvCache()).isFalse();
                assertThat(before.complete("Hi", GenerationSettings.greedy(3), null).tokenIds())
                        .isEqualTo(after.complete("Hi", GenerationSettings.greedy(3), null).tokenIds());
            }
        }
    }

    @Test
    void unknownOrEscapingIdsAreClientErrorsOnModel() {
        OnnxModelProvider provider = new OnnxModelProvider();
        ProviderContext context = new ProviderContext(models, Map.of());
        for (String id : new String[] {"absent", "../outside", "/etc", "", "."}) {
            assertThatThrownBy(() -> provider.open(id, context)).as(id).isInstanceOf(InvalidInputException.class)
                    .satisfies(e -> assertThat(((InvalidInputException) e).field()).isEqualTo("model"));
        }
        assertThatThrownBy(() -> provider.open("absent", context)).hasMessageContaining("no model.onnx in");
    }

    @Test
    void badProviderSettingsNameTheSetting() {
        TinyOnnxModels.copy(WITH_PAST, models.resolve("m"));
        OnnxModelProvider provider = new OnnxModelProvider();
        assertThatThrownBy(() -> provider.open("m", new ProviderContext(models,
                Map.of("prefill-chunk-tokens", "0")))).isInstanceOf(InvalidInputException.class)
                .satisfies(e -> assertThat(((InvalidInputException) e).field())
                        .isEqualTo("plumbline.providers.onnx.prefill-chunk-tokens"));
        assertThatThrownBy(() -> provider.open("m", new ProviderContext(models,
                Map.of("intra-op-threads", "two")))).isInstanceOf(InvalidInputException.class)
                .satisfies(e -> assertThat(((InvalidInputException) e).field())
                        .isEqualTo("plumbline.providers.onnx.intra-op-threads"));
        assertThatThrownBy(() -> provider.open("m", new ProviderContext(models, Map.of("threads", "2"))))
                .isInstanceOf(InvalidInputException.class)
                .satisfies(e -> assertThat(((InvalidInputException) e).field())
                        .isEqualTo("plumbline.providers.onnx.threads"));
        try (LanguageModel m = provider.open("m", new ProviderContext(models, Map.of("intra-op-threads", "1",
                "prefill-chunk-tokens", "8")))) {
            assertThat(m.complete("Hi", GenerationSettings.greedy(2), null).tokenIds()).hasSize(2);
        }
    }
}
