package dev.plumbline.server.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ProviderSettingsTest {

    @Test
    void readsDottedKeysAndTheirEnvironmentForm() {
        Map<String, String> config = Map.of(
                "plumbline.providers.openai.base-url", "http://a/v1",
                "PLUMBLINE_PROVIDERS_OPENAI_BASE_URL", "http://ignored/v1",
                "PLUMBLINE_PROVIDERS_OPENAI_API_KEY", "k",
                "PLUMBLINE_PROVIDERS_OPENAI_MAX_RETRIES", "2",
                "PLUMBLINE_PROVIDERS_ONNX_INTRA_OP_THREADS", "1",
                "plumbline.providers.test-echo.x", "y",
                "PLUMBLINE_PROVIDERS_TEST_ECHO_Z", "w");
        assertThat(ModelCatalog.providerSettings("openai", config.keySet(), k -> Optional.ofNullable(config.get(k))))
                .containsExactlyInAnyOrderEntriesOf(Map.of("base-url", "http://a/v1", "api-key", "k", "max-retries", "2"));
        assertThat(ModelCatalog.providerSettings("test-echo", config.keySet(), k -> Optional.ofNullable(config.get(k))))
                .containsExactlyInAnyOrderEntriesOf(Map.of("x", "y", "z", "w"));
    }
}
