package dev.plumbline.plugin.model.openai;

import dev.plumbline.openai.ChatCompletion;
import dev.plumbline.openai.ChatMessage;
import dev.plumbline.openai.ChatRequest;
import dev.plumbline.openai.CompletionRequest;
import dev.plumbline.openai.OpenAiClient;
import dev.plumbline.openai.OpenAiException;
import dev.plumbline.openai.Sampling;
import dev.plumbline.openai.TextCompletion;
import dev.plumbline.openai.TokenLogProbs;
import dev.plumbline.openai.Usage;
import dev.plumbline.spi.ChatTurn;
import dev.plumbline.spi.Generation;
import dev.plumbline.spi.GenerationSettings;
import dev.plumbline.spi.InvalidInputException;
import dev.plumbline.spi.LanguageModel;
import dev.plumbline.spi.ModelDescriptor;
import dev.plumbline.spi.SequenceLogProbs;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

/**
 * One model of an OpenAI-compatible endpoint. Chat and raw completion are streamed
 * ({@code stream: true}), so {@code onText} sees text as the endpoint produces it.
 *
 * <p>{@link Generation#tokenIds()} is always empty: the OpenAI API returns text, not token ids.
 * {@link Generation#promptTokens()} is the endpoint's {@code usage.prompt_tokens}, 0 when it
 * reports none. Endpoint failures (unreachable after retries, HTTP errors, garbage answers) are
 * {@link OpenAiException}s whose message names the request and the cause; they never become an
 * empty answer.
 */
final class OpenAiLanguageModel implements LanguageModel {

    static final String NO_PROMPT_LOG_PROBS = "endpoint does not expose prompt log-probs";

    /** Statuses that mean "this endpoint has no such route" rather than "this request was wrong". */
    private static final Set<Integer> NO_ROUTE = Set.of(404, 405, 501);

    private final ModelDescriptor descriptor;
    private final OpenAiClient client;
    /** Why prompt log-probs are unavailable, once the endpoint has shown it; saves a doomed request per sample. */
    private volatile String promptLogProbsMissing;

    OpenAiLanguageModel(ModelDescriptor descriptor, OpenAiClient client) {
        this.descriptor = descriptor;
        this.client = client;
    }

    @Override
    public ModelDescriptor descriptor() {
        return descriptor;
    }

    @Override
    public Generation chat(List<ChatTurn> messages, GenerationSettings settings, Consumer<String> onText) {
        if (messages == null || messages.isEmpty()) {
            throw new InvalidInputException("messages", "at least one message is required");
        }
        List<ChatMessage> wire = messages.stream().map(m -> new ChatMessage(m.role(), m.content())).toList();
        ChatCompletion c = client.streamChat(new ChatRequest(descriptor.id(), wire, sampling(settings), null), onText);
        return generation(c.content(), c.usage(), c.finishedByLength());
    }

    @Override
    public Generation complete(String prompt, GenerationSettings settings, Consumer<String> onText) {
        if (prompt == null) {
            throw new InvalidInputException("prompt", "is required");
        }
        try {
            TextCompletion c = client.streamComplete(CompletionRequest.of(descriptor.id(), prompt, sampling(settings)), onText);
            return generation(c.text(), c.usage(), c.finishedByLength());
        } catch (OpenAiException e) {
            if (NO_ROUTE.contains(e.status())) {
                throw new InvalidInputException("model", "model '" + descriptor.id() + "': endpoint "
                        + client.endpoint().baseUrl() + " does not serve raw completion (" + e.getMessage() + ")");
            }
            throw e;
        }
    }

    /**
     * Teacher-forced log-probs through {@code /completions} with {@code echo} and {@code logprobs}:
     * the conversation is rendered with {@link PlainTranscript} (the served model's chat template is
     * unknown here), the completion appended, and the log-probs of the tokens covering the
     * completion's characters are returned. Token ids are empty (the API gives token strings).
     */
    @Override
    public List<SequenceLogProbs> logProbs(List<List<ChatTurn>> messages, List<String> completions) {
        if (messages.size() != completions.size()) {
            throw new InvalidInputException("completions", "has " + completions.size() + " entries for "
                    + messages.size() + " conversations");
        }
        List<SequenceLogProbs> out = new ArrayList<>(messages.size());
        for (int i = 0; i < messages.size(); i++) {
            if (messages.get(i) == null || messages.get(i).isEmpty()) {
                throw new InvalidInputException("messages[" + i + "]", "is empty");
            }
            if (completions.get(i) == null || completions.get(i).isEmpty()) {
                throw new InvalidInputException("completions[" + i + "]", "is empty");
            }
            out.add(scoreCompletion(messages.get(i), completions.get(i), i));
        }
        return out;
    }

    private SequenceLogProbs scoreCompletion(List<ChatTurn> conversation, String completion, int index) {
        String missing = promptLogProbsMissing;
        if (missing != null) {
            throw new InvalidInputException("model", NO_PROMPT_LOG_PROBS + " (" + missing + ")");
        }
        String context = PlainTranscript.prompt(conversation);
        String text = context + PlainTranscript.continuation(completion);
        TextCompletion c;
        try {
            // One generated token at temperature 0: some servers refuse max_tokens 0; it is ignored below.
            c = client.complete(new CompletionRequest(descriptor.id(), text,
                    new Sampling(0.0, 1, null, null, List.of(), null), true, 1));
        } catch (OpenAiException e) {
            if (NO_ROUTE.contains(e.status())) {
                throw logProbsMissing(e.getMessage());
            }
            if (e.status() == 400 || e.status() == 422) {
                throw new InvalidInputException("completions[" + index + "]",
                        "the endpoint rejected the log-probs request (echo + logprobs on /completions): " + e.getMessage());
            }
            throw e;
        }
        TokenLogProbs lp = c.logProbs();
        if (lp == null) {
            throw logProbsMissing("its answer has no logprobs");
        }
        if (!c.text().startsWith(text)) {
            throw logProbsMissing("its answer does not echo the prompt");
        }
        // Offsets count code points; the completion covers [start, end) of the echoed text.
        int start = context.codePointCount(0, context.length());
        int end = text.codePointCount(0, text.length());
        int total = c.text().codePointCount(0, c.text().length());
        List<Double> values = new ArrayList<>();
        List<String> tokens = new ArrayList<>();
        for (int t = 0; t < lp.tokens().size(); t++) {
            int from = lp.textOffsets().get(t);
            int to = t + 1 < lp.tokens().size() ? lp.textOffsets().get(t + 1) : total;
            if (from < end && to > start) {
                Double value = lp.logProbs().get(t);
                if (value == null || !Double.isFinite(value)) {
                    throw logProbsMissing("no log-prob for completion token '" + lp.tokens().get(t) + "'");
                }
                values.add(value);
                tokens.add(lp.tokens().get(t));
            }
        }
        if (values.isEmpty()) {
            throw logProbsMissing("no echoed token covers the completion");
        }
        return new SequenceLogProbs(values, List.of(), tokens);
    }

    private InvalidInputException logProbsMissing(String reason) {
        promptLogProbsMissing = reason;
        return new InvalidInputException("model", NO_PROMPT_LOG_PROBS + " (" + reason + ")");
    }

    /** Endpoint defaults where the SPI says "off": max tokens 0, top-k 0, top-p 1. */
    static Sampling sampling(GenerationSettings s) {
        if (s == null) {
            return Sampling.DEFAULTS;
        }
        return new Sampling(s.temperature(), s.maxNewTokens() > 0 ? s.maxNewTokens() : null,
                s.topP() > 0 && s.topP() < 1 ? s.topP() : null, s.topK() > 0 ? s.topK() : null, s.stop(), s.seed());
    }

    private static Generation generation(String text, Usage usage, boolean finishedByLength) {
        return new Generation(text, List.of(), usage == null ? 0 : usage.promptTokens(), finishedByLength);
    }

    /** Nothing to free: connections belong to the client shared by every user of the endpoint. */
    @Override
    public void close() {}
}
