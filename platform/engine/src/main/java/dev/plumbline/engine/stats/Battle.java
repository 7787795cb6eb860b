package dev.plumbline.engine.stats;

import java.util.Objects;

/**
 * One pairwise comparison between two models, as Chatbot Arena battles and MT-Bench pairwise verdicts are recorded.
 *
 * @param modelA first model
 * @param modelB second model (must differ from {@code modelA})
 * @param outcome score of {@code modelA}: 1 = A wins, 0 = B wins, 0.5 = tie; values strictly in between are soft
 *     preferences (accepted by {@link BradleyTerry} and {@link WinRates#matrix}, rejected where W/L/T counts are
 *     needed)
 * @param weight how many battles this row stands for ({@code > 0}, finite); 1 for a single verdict
 */
public record Battle(String modelA, String modelB, double outcome, double weight) {

    public static final double A_WINS = 1.0;
    public static final double B_WINS = 0.0;
    public static final double TIE = 0.5;

    public Battle {
        Objects.requireNonNull(modelA, "modelA");
        Objects.requireNonNull(modelB, "modelB");
        if (modelA.equals(modelB)) {
            throw new IllegalArgumentException("a model cannot battle itself: " + modelA);
        }
        if (!(outcome >= 0 && outcome <= 1)) {
            throw new IllegalArgumentException("outcome must be in [0, 1], got " + outcome);
        }
        if (!(weight > 0) || !Double.isFinite(weight)) {
            throw new IllegalArgumentException("weight must be positive and finite, got " + weight);
        }
    }

    /** A single battle of weight 1. */
    public Battle(String modelA, String modelB, double outcome) {
        this(modelA, modelB, outcome, 1.0);
    }

    /** The same battle seen from the other side: (B, A, 1 − outcome). */
    public Battle swapped() {
        return new Battle(modelB, modelA, 1 - outcome, weight);
    }
}
