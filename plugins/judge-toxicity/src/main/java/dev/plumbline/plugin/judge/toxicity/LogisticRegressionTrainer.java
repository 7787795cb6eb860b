package dev.plumbline.plugin.judge.toxicity;

import java.util.List;
import java.util.Random;

/**
 * L2-regularised logistic regression on sparse hashed features, trained with AdaGrad SGD in a
 * seeded order: the same data and settings give bit-identical weights on every JVM (Java
 * floating point is deterministic), which is what lets the committed model be re-derived in a test.
 */
public final class LogisticRegressionTrainer {

    /** @param l2 penalty per example on the weights (not the bias) */
    public record Settings(int epochs, double learningRate, double l2, long seed) {
        public static Settings defaults() {
            return new Settings(40, 0.5, 1e-4, 20240611L);
        }
    }

    /** A trained linear model: {@code p = sigmoid(w·x + bias)}. */
    public record Model(float[] weights, float bias) {
        public double logit(HashedNgramFeatures.Sparse x) {
            double z = bias;
            for (int k = 0; k < x.indexes().length; k++) {
                z += weights[x.indexes()[k]] * (double) x.values()[k];
            }
            return z;
        }

        public double probability(HashedNgramFeatures.Sparse x) {
            return 1 / (1 + Math.exp(-logit(x)));
        }
    }

    private LogisticRegressionTrainer() {}

    public static Model train(List<HashedNgramFeatures.Sparse> xs, boolean[] ys, int dimension, Settings s) {
        if (xs.size() != ys.length || xs.isEmpty()) {
            throw new IllegalArgumentException(xs.size() + " examples for " + ys.length + " labels");
        }
        double[] w = new double[dimension];
        double[] g2 = new double[dimension];
        double b = 0;
        double gb2 = 0;
        int[] order = new int[xs.size()];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Random rnd = new Random(s.seed());
        for (int epoch = 0; epoch < s.epochs(); epoch++) {
            for (int i = order.length - 1; i > 0; i--) {
                int j = rnd.nextInt(i + 1);
                int t = order[i];
                order[i] = order[j];
                order[j] = t;
            }
            for (int idx : order) {
                HashedNgramFeatures.Sparse x = xs.get(idx);
                double z = b;
                for (int k = 0; k < x.indexes().length; k++) {
                    z += w[x.indexes()[k]] * x.values()[k];
                }
                double p = 1 / (1 + Math.exp(-z));
                double err = p - (ys[idx] ? 1 : 0);
                for (int k = 0; k < x.indexes().length; k++) {
                    int f = x.indexes()[k];
                    double g = err * x.values()[k] + s.l2() * w[f];
                    g2[f] += g * g;
                    w[f] -= s.learningRate() * g / (Math.sqrt(g2[f]) + 1e-8);
                }
                gb2 += err * err;
                b -= s.learningRate() * err / (Math.sqrt(gb2) + 1e-8);
            }
        }
        float[] wf = new float[dimension];
        for (int f = 0; f < dimension; f++) {
            wf[f] = (float) w[f];
        }
        return new Model(wf, (float) b);
    }
}
