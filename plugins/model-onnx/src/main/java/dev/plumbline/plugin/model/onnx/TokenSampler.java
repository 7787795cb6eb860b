package dev.plumbline.plugin.model.onnx;

import dev.plumbline.spi.GenerationSettings;
import dev.plumbline.spi.InvalidInputException;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Picks the next token from one position's logits, in transformers' order (as the local model
 * layer does): temperature, then top-k, then top-p (keep the most likely tokens until their mass
 * reaches p), then a draw from the renormalised distribution. Temperature 0 (or top-k 1) is
 * greedy, ties going to the lowest id.
 */
final class TokenSampler {

    private final double temperature;
    private final int topK;
    private final double topP;

    TokenSampler(GenerationSettings settings) {
        validate(settings);
        this.temperature = settings.temperature();
        this.topK = settings.topK();
        this.topP = settings.topP();
    }

    /** Rejects settings no sampler can honour, naming the field. */
    static void validate(GenerationSettings s) {
        if (s == null) {
            throw new InvalidInputException("settings", "is required");
        }
        if (!(s.temperature() >= 0) || Double.isInfinite(s.temperature())) {
            throw new InvalidInputException("settings.temperature", "must be >= 0, got " + s.temperature());
        }
        if (s.topK() < 0) {
            throw new InvalidInputException("settings.top_k", "must be >= 0 (0 disables it), got " + s.topK());
        }
        if (!(s.topP() > 0)) {
            throw new InvalidInputException("settings.top_p", "must be in (0, 1] (1 disables it), got " + s.topP());
        }
        if (s.maxNewTokens() < 1) {
            throw new InvalidInputException("settings.max_new_tokens", "must be >= 1, got " + s.maxNewTokens());
        }
        for (int i = 0; i < s.stop().size(); i++) {
            if (s.stop().get(i) == null || s.stop().get(i).isEmpty()) {
                throw new InvalidInputException("settings.stop[" + i + "]", "must be a non-empty string");
            }
        }
    }

    boolean greedy() {
        return temperature == 0 || topK == 1;
    }

    int sample(float[] logits, SplittableRandom random) {
        int vocab = logits.length;
        if (greedy()) {
            return argMax(logits);
        }
        // Candidates sorted by logit, descending: the id packed under an order-preserving key.
        long[] order = new long[vocab];
        for (int i = 0; i < vocab; i++) {
            int bits = Float.floatToIntBits(logits[i]);
            int key = bits ^ ((bits >> 31) & 0x7fffffff);
            order[i] = ((long) ~key << 32) | i;
        }
        Arrays.sort(order);
        int kept = topK > 0 ? Math.min(topK, vocab) : vocab;
        double max = logits[(int) order[0]] / temperature;
        double[] p = new double[kept];
        double sum = 0;
        for (int j = 0; j < kept; j++) {
            p[j] = Math.exp(logits[(int) order[j]] / temperature - max);
            sum += p[j];
        }
        if (topP < 1) {
            double mass = 0;
            int j = 0;
            while (j < kept && mass < topP * sum) {
                mass += p[j++];
            }
            kept = Math.max(1, j);
            sum = mass == 0 ? p[0] : mass;
        }
        double u = random.nextDouble() * sum;
        double acc = 0;
        for (int j = 0; j < kept; j++) {
            acc += p[j];
            if (u < acc) {
                return (int) order[j];
            }
        }
        return (int) order[kept - 1];
    }

    static int argMax(float[] logits) {
        int best = 0;
        for (int i = 1; i < logits.length; i++) {
            if (logits[i] > logits[best]) {
                best = i;
            }
        }
        return best;
    }

    /** {@code log softmax(logits)[token]} in double precision. */
    static double logProb(float[] logits, int offset, int vocab, long token) {
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < vocab; i++) {
            max = Math.max(max, logits[offset + i]);
        }
        double sum = 0;
        for (int i = 0; i < vocab; i++) {
            sum += Math.exp(logits[offset + i] - max);
        }
        return logits[offset + (int) token] - max - Math.log(sum);
    }
}
