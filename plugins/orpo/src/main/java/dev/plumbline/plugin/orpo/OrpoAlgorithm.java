package dev.plumbline.plugin.orpo;

import ai.djl.ndarray.NDArray;
import dev.plumbline.spi.Algorithm;
import dev.plumbline.spi.InvalidInputException;
import dev.plumbline.spi.LossInput;
import dev.plumbline.spi.LossOutput;
import dev.plumbline.spi.ParameterSpec;
import dev.plumbline.spi.TensorSpec;
import dev.plumbline.spi.loss.MaskedStatistics;
import dev.plumbline.spi.loss.Metrics;
import dev.plumbline.spi.loss.PreferenceMetrics;
import dev.plumbline.spi.loss.Scalars;
import dev.plumbline.spi.loss.StableMath;
import dev.plumbline.spi.loss.TensorChecks;
import java.util.List;
import java.util.Map;

/**
 * Odds Ratio Preference Optimization — TRL {@code trl/experimental/orpo/orpo_trainer.py::odds_ratio_loss}
 * and {@code get_batch_loss_metrics} (defaults from {@code ORPOConfig}); no reference model.
 *
 * <pre>
 * l_w, l_l  = length-averaged completion log-probs
 * log_odds  = (l_w - l_l) - (log1mexp(l_w) - log1mexp(l_l))      log1mexp(x) = log(1 - e^x), two-branch stable
 * ratio     = log sigmoid(log_odds)
 * loss      = NLL_w - beta * mean(ratio)                            beta is the paper's lambda
 * </pre>
 *
 * The NLL is either given ({@code nll_loss}) or computed here from the chosen sequence's token
 * log-probs. TRL's NLL covers the <em>whole</em> chosen sequence, prompt included (as the authors'
 * code; a completion-only "fix" was reverted, TRL #1516/#2527): {@code nll_includes_prompt=true}.
 */
public final class OrpoAlgorithm implements Algorithm {

    static final String BETA = "beta";
    static final String NLL_INCLUDES_PROMPT = "nll_includes_prompt";

    static final String CHOSEN_AVG_LOGPS = "policy_chosen_avg_logps";
    static final String REJECTED_AVG_LOGPS = "policy_rejected_avg_logps";
    static final String NLL_LOSS = "nll_loss";
    static final String CHOSEN_TOKEN_LOGPS = "chosen_token_logps";
    static final String CHOSEN_ATTENTION_MASK = "chosen_attention_mask";
    static final String CHOSEN_COMPLETION_MASK = "chosen_completion_mask";

    private static final List<ParameterSpec> PARAMETERS = List.of(
            ParameterSpec.number(BETA, 0.1, 0.0, 1000.0,
                    "weight lambda of the odds-ratio term (TRL ORPOConfig.beta)"),
            ParameterSpec.bool(NLL_INCLUDES_PROMPT, true,
                    "when the NLL is computed from chosen_token_logps: average it over prompt + completion tokens"
                            + " (chosen_attention_mask; TRL and the ORPO authors) or, if false, over completion tokens"
                            + " only (chosen_completion_mask)"));

    private static final List<TensorSpec> TENSORS = List.of(
            TensorSpec.input(CHOSEN_AVG_LOGPS, List.of("B"),
                    "log pi(y_w|x) averaged over the chosen completion tokens; must be < 0"),
            TensorSpec.input(REJECTED_AVG_LOGPS, List.of("B"),
                    "log pi(y_l|x) averaged over the rejected completion tokens; must be < 0"),
            TensorSpec.input(NLL_LOSS, List.of(),
                    "precomputed token-mean cross-entropy of the chosen sequence; give this or chosen_token_logps")
                    .optional(),
            TensorSpec.input(CHOSEN_TOKEN_LOGPS, List.of("B", "T"),
                    "per-token log-probs of the chosen sequence (prompt and completion, shifted: position t holds"
                            + " log pi(token_t | tokens_<t)), any value at padding; give this or nll_loss").optional(),
            TensorSpec.constant(CHOSEN_ATTENTION_MASK, List.of("B", "T"),
                    "1 on every real (non-padding) token of chosen_token_logps, prompt included").optional(),
            TensorSpec.constant(CHOSEN_COMPLETION_MASK, List.of("B", "T"),
                    "1 on the completion tokens of chosen_token_logps").optional());

    @Override
    public String id() {
        return "orpo";
    }

    @Override
    public String description() {
        return "Odds Ratio Preference Optimization: NLL on the chosen response plus a log-odds-ratio penalty";
    }

    @Override
    public List<ParameterSpec> parameters() {
        return PARAMETERS;
    }

    @Override
    public List<TensorSpec> tensors() {
        return TENSORS;
    }

    @Override
    public LossOutput loss(LossInput input) {
        double beta = input.parameters().number(BETA);
        for (String name : List.of(CHOSEN_AVG_LOGPS, REJECTED_AVG_LOGPS)) {
            TensorChecks.requireBelow(input, name, 0.0, "a probability of 1 has infinite odds");
        }
        NDArray chosen = input.tensor(CHOSEN_AVG_LOGPS);
        NDArray rejected = input.tensor(REJECTED_AVG_LOGPS);
        NDArray nll = negativeLogLikelihood(input);

        NDArray logOdds = chosen.sub(rejected)
                .sub(StableMath.log1mexp(chosen).sub(StableMath.log1mexp(rejected)));
        NDArray ratio = StableMath.logSigmoid(logOdds);
        NDArray b = Scalars.of(ratio, beta);
        NDArray losses = ratio.mul(b);
        NDArray loss = nll.sub(losses.mean());

        Map<String, Double> metrics = Metrics.builder()
                .putAll(PreferenceMetrics.rewards(chosen.mul(b), rejected.mul(b)))
                .putAll(PreferenceMetrics.logps(chosen, rejected))
                .put(Metrics.NLL_LOSS, nll)
                .putMean("log_odds_ratio", ratio)
                .putMean("log_odds_chosen", logOdds)
                .build();
        return new LossOutput(loss, metrics, Map.of(
                "log_odds", logOdds.stopGradient(),
                "logsigmoid_log_odds", ratio.stopGradient(),
                "odds_ratio_losses", losses));
    }

    private NDArray negativeLogLikelihood(LossInput input) {
        boolean given = input.has(NLL_LOSS);
        boolean tokens = input.has(CHOSEN_TOKEN_LOGPS);
        if (given == tokens) {
            throw new InvalidInputException(given ? "tensors." + CHOSEN_TOKEN_LOGPS : "tensors." + NLL_LOSS,
                    "give exactly one of nll_loss or chosen_token_logps");
        }
        if (given) {
            return input.tensor(NLL_LOSS);
        }
        String maskName = input.parameters().bool(NLL_INCLUDES_PROMPT) ? CHOSEN_ATTENTION_MASK : CHOSEN_COMPLETION_MASK;
        if (!input.has(maskName)) {
            throw new InvalidInputException("tensors." + maskName, "required with chosen_token_logps when "
                    + NLL_INCLUDES_PROMPT + "=" + input.parameters().bool(NLL_INCLUDES_PROMPT));
        }
        TensorChecks.requireBinary(input, maskName);
        TensorChecks.requireMaskCount(input, maskName, 1, "the NLL averages over these tokens");
        // nn.CrossEntropyLoss() over labels != -100: one mean over all unmasked tokens of the batch.
        return MaskedStatistics.mean(input.tensor(CHOSEN_TOKEN_LOGPS), input.tensor(maskName)).neg();
    }
}
