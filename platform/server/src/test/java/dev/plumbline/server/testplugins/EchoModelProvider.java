package dev.plumbline.server.testplugins;

import dev.plumbline.spi.ChatTurn;
import dev.plumbline.spi.Generation;
import dev.plumbline.spi.GenerationSettings;
import dev.plumbline.spi.InvalidInputException;
import dev.plumbline.spi.LanguageModel;
import dev.plumbline.spi.ModelDescriptor;
import dev.plumbline.spi.ModelProvider;
import dev.plumbline.spi.ProviderContext;
import dev.plumbline.spi.SequenceLogProbs;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Test-scope provider with one deterministic model ("echo": replies "echo: <last user message>",
 * one code point per token), to exercise the model RPCs and the OpenAI endpoint without weights.
 */
public final class EchoModelProvider implements ModelProvider {

    @Override
    public String id() {
        return "test-echo";
    }

    @Override
    public String description() {
        return "A deterministic echo model (test plugin).";
    }

    @Override
    public List<ModelDescriptor> listModels(ProviderContext context) {
        return List.of(new ModelDescriptor("echo", id(), "echoes the last user message", 4096,
                Map.of("models_dir", context.modelsDir().toString())));
    }

    @Override
    public LanguageModel open(String modelId, ProviderContext context) {
        if (!modelId.equals("echo")) {
            throw new InvalidInputException("model", "no model " + modelId);
        }
        ModelDescriptor d = listModels(context).get(0);
        return new LanguageModel() {
            @Override
            public ModelDescriptor descriptor() {
                return d;
            }

            @Override
            public Generation chat(List<ChatTurn> messages, GenerationSettings settings, Consumer<String> onText) {
                String last = messages.get(messages.size() - 1).content();
                String full = "echo: " + last;
                for (String stop : settings.stop()) {
                    int at = full.indexOf(stop);
                    if (at >= 0) {
                        full = full.substring(0, at);
                    }
                }
                int[] cps = full.codePoints().toArray();
                boolean cut = cps.length > settings.maxNewTokens();
                int n = Math.min(cps.length, settings.maxNewTokens());
                List<Long> ids = new ArrayList<>();
                StringBuilder text = new StringBuilder();
                for (int i = 0; i < n; i++) {
                    String piece = new String(Character.toChars(cps[i]));
                    onText.accept(piece);
                    text.append(piece);
                    ids.add((long) cps[i]);
                }
                int prompt = messages.stream().mapToInt(m -> m.content().length()).sum();
                return new Generation(text.toString(), ids, prompt, cut);
            }

            @Override
            public List<SequenceLogProbs> logProbs(List<List<ChatTurn>> prompts, List<String> completions) {
                return completions.stream().map(c -> new SequenceLogProbs(
                        c.codePoints().mapToObj(cp -> -1.0).toList(),
                        c.codePoints().mapToObj(cp -> (long) cp).toList(),
                        c.codePoints().mapToObj(cp -> new String(Character.toChars(cp))).toList())).toList();
            }

            @Override
            public void close() {}
        };
    }
}
