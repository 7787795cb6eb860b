package dev.plumbline.spi.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.index.NDIndex;

/**
 * Generalized Advantage Estimation over per-token rewards and values {@code [B, T]}:
 * {@code delta_t = r_t + gamma * V_{t+1} - V_t}, {@code A_t = delta_t + gamma * lambda * A_{t+1}},
 * {@code returns = A + V}. Inputs are constants (rollout data); the result carries no gradient.
 */
public final class GeneralizedAdvantageEstimation {

    private GeneralizedAdvantageEstimation() {
    }

    /** How masked positions take part in the backward recursion (algorithms.md §6.2/§6.3, §12). */
    public enum Masking {
        /**
         * TRL {@code PPOTrainer.train}: plain recursion over every position ({@code V_T = 0}); the
         * caller has already zeroed rewards and values on padding.
         */
        NONE("none"),
        /**
         * verl {@code compute_gae_advantage_return}: the recursion skips masked positions —
         * {@code V_{t+1}} and {@code A_{t+1}} only advance where {@code mask = 1}, so masked
         * (observation / tool) tokens between response tokens do not break the chain.
         */
        SKIP_MASKED("skip_masked");

        private final String parameterValue;

        Masking(String parameterValue) {
            this.parameterValue = parameterValue;
        }

        public String parameterValue() {
            return parameterValue;
        }

        public static java.util.List<String> parameterValues() {
            return java.util.Arrays.stream(values()).map(Masking::parameterValue).toList();
        }

        public static Masking fromParameter(String value) {
            for (Masking m : values()) {
                if (m.parameterValue.equals(value)) {
                    return m;
                }
            }
            throw new IllegalArgumentException("unknown GAE masking " + value);
        }
    }

    /** Raw (unwhitened) advantages and returns {@code [B, T]}. */
    public record Result(NDArray advantages, NDArray returns) {
    }

    /**
     * @param rewards per-token rewards {@code [B, T]}
     * @param values value estimates of the rollout {@code [B, T]}
     * @param mask 0/1 response mask {@code [B, T]} (only read by {@link Masking#SKIP_MASKED})
     */
    public static Result compute(NDArray rewards, NDArray values, NDArray mask, double gamma, double lambda,
            Masking masking) {
        NDArray r = rewards.stopGradient();
        NDArray v = values.stopGradient();
        long steps = r.getShape().get(1);
        NDArray nextValue = column(v, 0).zerosLike();
        NDArray lastAdvantage = nextValue.zerosLike();
        NDArray[] reversed = new NDArray[(int) steps];
        NDArray discount = Scalars.of(r, gamma);
        NDArray traceDecay = Scalars.of(r, gamma * lambda);
        NDArray one = Scalars.of(r, 1.0);
        for (long t = steps - 1; t >= 0; t--) {
            NDArray valueT = column(v, t);
            NDArray delta = column(r, t).add(nextValue.mul(discount)).sub(valueT);
            NDArray advantageT = delta.add(lastAdvantage.mul(traceDecay));
            if (masking == Masking.SKIP_MASKED) {
                NDArray m = column(mask.stopGradient(), t);
                NDArray keep = m.neg().add(one);
                nextValue = valueT.mul(m).add(nextValue.mul(keep));
                lastAdvantage = advantageT.mul(m).add(lastAdvantage.mul(keep));
            } else {
                nextValue = valueT;
                lastAdvantage = advantageT;
            }
            reversed[(int) t] = lastAdvantage;
        }
        NDArray advantages = NDArrays.stack(new NDList(reversed), 1);
        return new Result(advantages, advantages.add(v));
    }

    private static NDArray column(NDArray x, long t) {
        return x.get(new NDIndex(":, {}", t));
    }
}
