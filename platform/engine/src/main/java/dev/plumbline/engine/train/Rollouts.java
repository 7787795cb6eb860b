package dev.plumbline.engine.train;

import dev.plumbline.engine.model.checkpoint.LocalCheckpoint;
import dev.plumbline.engine.model.generate.FinishReason;
import dev.plumbline.engine.model.generate.GenerationListener;
import dev.plumbline.engine.model.generate.GenerationResult;
import dev.plumbline.engine.model.generate.Generator;
import dev.plumbline.spi.GenerationSettings;
import dev.plumbline.spi.InvalidInputException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Rollouts of the online trainers: prompts rendered once as {@link
 * dev.plumbline.engine.model.local.LocalLanguageModel} renders them, and completions sampled for a
 * batch of them.
 *
 * <p>Rendering: a conversational prompt is {@code chatFormat.render(messages, true)} encoded without
 * special tokens, stopping at the checkpoint's stop ids ({@link LocalCheckpoint#stopTokenIds()}) and,
 * when the end-of-turn marker is not a single token, at it as a stop string; a plain prompt is
 * encoded with the tokenizer's special tokens (BOS) and stops at the EOS ids. Prompts longer than
 * {@code max_prompt_length} (or the context minus one) keep their end, as TRL's
 * {@code prompt_ids[:, -max_prompt_length:]}.
 *
 * <p>Sampling: {@code max_completion_length} new tokens at the trainer's temperature, top-k and top-p,
 * seeded by the caller (a function of the run's seed and the step, see
 * {@link TrainingContext#seed}); conversational and plain rows are generated in two calls with
 * derived seeds, so a row's sample depends only on the seed and its position.
 */
final class Rollouts {

    private Rollouts() {}

    /** A prompt's ids and how it stops. */
    record EncodedPrompt(long[] ids, boolean chat) {}

    /**
     * One sampled completion.
     *
     * @param prompt index into the plan's prompts
     * @param completionIds generated ids, including the final stop token when there is one
     * @param text decoded completion without special tokens, cut before a stop string (what the judge reads)
     */
    record Rollout(int prompt, long[] promptIds, long[] completionIds, String text, FinishReason finish) {

        /** Ended by a stop token or stop string (TRL: the completion contains EOS). */
        boolean terminated() {
            return finish != FinishReason.LENGTH;
        }

        int length() {
            return completionIds.length;
        }
    }

    static List<EncodedPrompt> encodeAll(LocalCheckpoint policy, List<TrainingData.Prompt> prompts, int maxPromptLength) {
        List<EncodedPrompt> out = new ArrayList<>(prompts.size());
        for (TrainingData.Prompt p : prompts) {
            out.add(encode(policy, p, maxPromptLength));
        }
        return out;
    }

    static EncodedPrompt encode(LocalCheckpoint policy, TrainingData.Prompt prompt, int maxPromptLength) {
        boolean chat = prompt.messages() != null;
        long[] ids = chat ? policy.tokenizer().encode(policy.chatFormat().render(prompt.messages(), true), false)
                : policy.tokenizer().encode(prompt.text(), true);
        int limit = Math.max(1, Math.min(maxPromptLength, policy.model().config().maxPositionEmbeddings() - 1));
        if (ids.length > limit) {
            ids = Arrays.copyOfRange(ids, ids.length - limit, ids.length);
        }
        if (ids.length == 0) {
            throw new InvalidInputException(prompt.source() + " prompt", "encodes to no tokens");
        }
        int vocab = policy.model().config().vocabSize();
        for (long id : ids) {
            if (id < 0 || id >= vocab) {
                throw new InvalidInputException(prompt.source() + " prompt", "token id " + id
                        + " is outside the model's vocabulary (" + vocab + ")");
            }
        }
        return new EncodedPrompt(ids, chat);
    }

    static Set<Long> stopIds(LocalCheckpoint policy, boolean chat) {
        if (chat) {
            return policy.stopTokenIds();
        }
        Set<Long> ids = new LinkedHashSet<>(policy.model().config().eosTokenIds());
        Long eos = policy.tokenizer().specialTokens().eosId();
        if (eos != null) {
            ids.add(eos);
        }
        return ids;
    }

    static List<String> stopStrings(LocalCheckpoint policy, boolean chat) {
        String end = policy.chatFormat().endOfTurn();
        if (chat && end != null && !end.isEmpty() && policy.endOfTurnId().isEmpty()) {
            return List.of(end);
        }
        return List.of();
    }

    /**
     * Samples one completion for each entry of {@code rows} (prompt indexes; repeat one for several
     * completions of a prompt) with {@code generator} (the policy, or a mixture with the reference).
     */
    static List<Rollout> sample(TrainingContext context, Generator generator, List<EncodedPrompt> encoded,
            List<Integer> rows, long seed) {
        TrainerSettings s = context.settings();
        LocalCheckpoint policy = context.policy();
        Rollout[] out = new Rollout[rows.size()];
        for (boolean chat : new boolean[] {true, false}) {
            List<Integer> positions = new ArrayList<>();
            List<long[]> ids = new ArrayList<>();
            for (int i = 0; i < rows.size(); i++) {
                EncodedPrompt p = encoded.get(rows.get(i));
                if (p.chat() == chat) {
                    positions.add(i);
                    ids.add(p.ids());
                }
            }
            if (ids.isEmpty()) {
                continue;
            }
            GenerationSettings settings = new GenerationSettings(s.temperature(), s.maxCompletionLength(), s.topK(),
                    s.topP(), stopStrings(policy, chat), chat ? seed : seed ^ 0x5DEECE66DL);
            List<GenerationResult> results = generator.generate(ids, settings, stopIds(policy, chat),
                    GenerationListener.NONE);
            for (int k = 0; k < results.size(); k++) {
                GenerationResult r = results.get(k);
                int row = positions.get(k);
                out[row] = new Rollout(rows.get(row), ids.get(k), r.tokenIds(), r.text(), r.finishReason());
            }
        }
        return Arrays.asList(out);
    }

    /** The policy's generator (generation detaches weights that record gradients). */
    static Generator policyGenerator(TrainingContext context) {
        return new Generator(context.policy().model(), context.policy().tokenizer());
    }
}
