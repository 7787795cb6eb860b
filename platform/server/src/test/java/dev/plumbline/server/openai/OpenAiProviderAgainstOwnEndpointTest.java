package dev.plumbline.server.openai;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.plumbline.engine.plugin.PluginRegistry;
import dev.plumbline.spi.ChatTurn;
import dev.plumbline.spi.Generation;
import dev.plumbline.spi.GenerationSettings;
import dev.plumbline.spi.InvalidInputException;
import dev.plumbline.spi.LanguageModel;
import dev.plumbline.spi.ModelProvider;
import dev.plumbline.spi.ProviderContext;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;

/** The [openai] model provider plugin, pointed at this server's own OpenAI-compatible /v1 endpoint. */
@QuarkusTest
class OpenAiProviderAgainstOwnEndpointTest {

    @Inject
    PluginRegistry registry;

    LanguageModel open() {
        int port = ConfigProvider.getConfig().getValue("quarkus.http.test-port", Integer.class);
        ModelProvider openai = registry.modelProvider("openai");
        ProviderContext context = new ProviderContext(Path.of("target"), Map.of(
                "base-url", "http://127.0.0.1:" + port + "/v1", "models", "test-echo:echo", "max-retries", "1"));
        assertThat(openai.listModels(context)).extracting(d -> d.id()).containsExactly("test-echo:echo");
        return openai.open("test-echo:echo", context);
    }

    @Test
    void chatsAndStreamsThroughTheOwnEndpoint() {
        try (LanguageModel model = open()) {
            List<String> deltas = new ArrayList<>();
            Generation g = model.chat(List.of(ChatTurn.system("be brief"), ChatTurn.user("hello there")),
                    new GenerationSettings(0, 64, 0, 1.0, List.of(), 1L), deltas::add);
            assertThat(g.text()).isEqualTo("echo: hello there");
            assertThat(String.join("", deltas)).isEqualTo(g.text());
            assertThat(deltas.size()).as("streamed in pieces").isGreaterThan(1);
            assertThat(g.finishedByLength()).isFalse();

            Generation cut = model.chat(List.of(ChatTurn.user("hello there")),
                    new GenerationSettings(0, 5, 0, 1.0, List.of(), null), d -> {});
            assertThat(cut.text()).isEqualTo("echo:");
            assertThat(cut.finishedByLength()).isTrue();
        }
    }

    @Test
    void unsupportedRoutesAreClearErrors() {
        try (LanguageModel model = open()) {
            assertThatThrownBy(() -> model.complete("raw", GenerationSettings.greedy(4), d -> {}))
                    .isInstanceOf(InvalidInputException.class);
        }
    }
}
