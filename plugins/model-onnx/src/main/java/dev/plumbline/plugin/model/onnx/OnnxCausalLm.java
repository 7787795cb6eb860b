package dev.plumbline.plugin.model.onnx;

import ai.onnxruntime.OrtException;
import dev.plumbline.spi.ChatTurn;
import dev.plumbline.spi.Generation;
import dev.plumbline.spi.GenerationSettings;
import dev.plumbline.spi.InvalidInputException;
import dev.plumbline.spi.SequenceLogProbs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.OptionalLong;
import java.util.Set;
import java.util.function.Consumer;

/**
 * A loaded model directory: graph, tokenizer, config and chat format. Stateless per call and
 * thread-safe (each call has its own sequence state; the session and tokenizer are shared), so
 * one instance serves every {@link OnnxLanguageModel} opened on the directory.
 */
final class OnnxCausalLm implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(OnnxCausalLm.class.getName());

    private final Path dir;
    private final DecoderConfig config;
    private final TextTokenizer tokenizer;
    private final ChatTemplates.Choice chat;
    private final DecoderGraph graph;
    private final Set<Long> eosIds;
    private final OptionalLong endOfTurnId;

    private OnnxCausalLm(Path dir, DecoderConfig config, TextTokenizer tokenizer, ChatTemplates.Choice chat,
            DecoderGraph graph, Set<Long> eosIds, OptionalLong endOfTurnId) {
        this.dir = dir;
        this.config = config;
        this.tokenizer = tokenizer;
        this.chat = chat;
        this.graph = graph;
        this.eosIds = eosIds;
        this.endOfTurnId = endOfTurnId;
    }

    /** Reads config.json, tokenizer_config.json, tokenizer.json and model.onnx from {@code dir}. */
    static OnnxCausalLm load(Path dir, ProviderSettings settings) {
        DecoderConfig config = DecoderConfig.read(requireFile(dir, DecoderConfig.FILE));
        TokenizerSettings tokenizerSettings = TokenizerSettings.read(dir.resolve(TokenizerSettings.FILE));
        ChatTemplates.Choice chat = chatFormat(dir, tokenizerSettings);
        TextTokenizer tokenizer = TextTokenizer.load(dir, tokenizerSettings);
        try {
            DecoderGraph graph = DecoderGraph.load(dir, config, settings);
            Set<Long> eos = new LinkedHashSet<>(config.eosTokenIds());
            tokenizer.singleTokenId(tokenizerSettings.eosToken()).ifPresent(eos::add);
            return new OnnxCausalLm(dir, config, tokenizer, chat, graph, Set.copyOf(eos),
                    tokenizer.singleTokenId(chat.format().endOfTurn()));
        } catch (RuntimeException e) {
            tokenizer.close();
            throw e;
        }
    }

    /** The chat format named by {@code dir}'s tokenizer_config.json; a fallback is logged. */
    static ChatTemplates.Choice chatFormat(Path dir, TokenizerSettings settings) {
        ChatTemplates.Choice choice = ChatTemplates.choose(settings.chatTemplate(), settings.bosToken(),
                settings.eosToken());
        if (choice.fallback()) {
            LOG.log(System.Logger.Level.WARNING, "{0}: the chat_template is not a recognised family (ChatML, "
                    + "Llama 3, Zephyr, Phi-3); Plumbline does not execute Jinja and renders chats in its own "
                    + "format (<|user|>\\n...<|end|>\\n<|assistant|>\\n), which this model may not follow",
                    dir.resolve(TokenizerSettings.FILE));
        }
        return choice;
    }

    static Path requireFile(Path dir, String name) {
        Path file = dir.resolve(name);
        if (!Files.isRegularFile(file)) {
            throw new ModelFileException(file, null, "is missing");
        }
        return file;
    }

    DecoderConfig config() {
        return config;
    }

    DecoderGraph graph() {
        return graph;
    }

    TextTokenizer tokenizer() {
        return tokenizer;
    }

    ChatTemplates.Choice chat() {
        return chat;
    }

    int contextLength() {
        return config.maxPositionEmbeddings();
    }

    Generation chat(List<ChatTurn> messages, GenerationSettings settings, Consumer<String> onText,
            boolean useKvCache) {
        if (messages == null || messages.isEmpty()) {
            throw new InvalidInputException("messages", "is empty");
        }
        TokenSampler.validate(settings);
        long[] prompt = tokenizer.encode(chat.format().renderForReply(messages), false);
        Set<Long> stopIds = new LinkedHashSet<>(eosIds);
        List<String> stops = new ArrayList<>(settings.stop());
        if (endOfTurnId.isPresent()) {
            stopIds.add(endOfTurnId.getAsLong());
        } else if (!stops.contains(chat.format().endOfTurn())) {
            // An end marker the tokenizer splits into pieces can only be caught as text.
            stops.add(chat.format().endOfTurn());
        }
        GenerationSettings effective = new GenerationSettings(settings.temperature(), settings.maxNewTokens(),
                settings.topK(), settings.topP(), stops, settings.seed());
        return generator().generate("messages", prompt, effective, stopIds, onText, useKvCache);
    }

    Generation complete(String prompt, GenerationSettings settings, Consumer<String> onText, boolean useKvCache) {
        if (prompt == null || prompt.isEmpty()) {
            throw new InvalidInputException("prompt", "is empty");
        }
        TokenSampler.validate(settings);
        return generator().generate("prompt", tokenizer.encode(prompt, true), settings, eosIds, onText, useKvCache);
    }

    private TokenGenerator generator() {
        return new TokenGenerator(graph, tokenizer, contextLength());
    }

    /** Teacher-forced log-probs of each completion's tokens after its rendered conversation. */
    List<SequenceLogProbs> logProbs(List<List<ChatTurn>> messages, List<String> completions) {
        if (messages == null || completions == null) {
            throw new InvalidInputException(messages == null ? "messages" : "completions", "is required");
        }
        if (messages.size() != completions.size()) {
            throw new InvalidInputException("completions", "has " + completions.size() + " entries for "
                    + messages.size() + " conversations");
        }
        List<long[]> prompts = new ArrayList<>();
        List<long[]> targets = new ArrayList<>();
        for (int i = 0; i < messages.size(); i++) {
            if (messages.get(i) == null || messages.get(i).isEmpty()) {
                throw new InvalidInputException("messages[" + i + "]", "is empty");
            }
            if (completions.get(i) == null || completions.get(i).isEmpty()) {
                throw new InvalidInputException("completions[" + i + "]", "is empty");
            }
            long[] prompt = tokenizer.encode(chat.format().renderForReply(messages.get(i)), false);
            long[] completion = tokenizer.encode(completions.get(i), false);
            if (prompt.length == 0 || completion.length == 0) {
                throw new InvalidInputException(prompt.length == 0 ? "messages[" + i + "]" : "completions[" + i + "]",
                        "encodes to no tokens");
            }
            if (prompt.length + completion.length > contextLength()) {
                throw new InvalidInputException("completions[" + i + "]", "conversation plus completion is "
                        + (prompt.length + completion.length) + " tokens; the model's context is " + contextLength()
                        + " tokens");
            }
            prompts.add(prompt);
            targets.add(completion);
        }
        List<SequenceLogProbs> out = new ArrayList<>();
        for (int i = 0; i < prompts.size(); i++) {
            out.add(score(prompts.get(i), targets.get(i)));
        }
        return out;
    }

    private SequenceLogProbs score(long[] prompt, long[] completion) {
        double[] logProbs = new double[completion.length];
        try (DecoderGraph.Sequence sequence = graph.newSequence(true)) {
            float[] last = sequence.append(prompt, null);
            logProbs[0] = TokenSampler.logProb(last, 0, last.length, completion[0]);
            if (completion.length > 1) {
                // Feeding completion[0 .. n-2] yields the distributions of completion[1 .. n-1].
                long[] fed = Arrays.copyOf(completion, completion.length - 1);
                sequence.append(fed, (position, logits, offset, vocab) -> {
                    int j = position - prompt.length + 1;
                    logProbs[j] = TokenSampler.logProb(logits, offset, vocab, completion[j]);
                });
            }
        } catch (OrtException e) {
            throw new IllegalStateException("ONNX Runtime failed while scoring: " + e.getMessage(), e);
        }
        List<Double> values = new ArrayList<>();
        List<Long> ids = new ArrayList<>();
        List<String> texts = new ArrayList<>();
        for (int j = 0; j < completion.length; j++) {
            values.add(logProbs[j]);
            ids.add(completion[j]);
            texts.add(tokenizer.decode(new long[] {completion[j]}, false));
        }
        return new SequenceLogProbs(values, ids, texts);
    }

    Path dir() {
        return dir;
    }

    @Override
    public void close() {
        try {
            graph.close();
        } finally {
            tokenizer.close();
        }
    }
}
