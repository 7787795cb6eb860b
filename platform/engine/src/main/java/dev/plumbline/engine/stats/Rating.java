package dev.plumbline.engine.stats;

import java.util.Locale;

/**
 * One leaderboard row from {@link BradleyTerry#bootstrap}.
 *
 * @param rating point MLE on the Elo-like display scale (not the bootstrap median)
 * @param ciLow lower percentile bound of the bootstrap ratings ({@code (1 − level)/2})
 * @param ciHigh upper percentile bound ({@code 1 − (1 − level)/2})
 * @param rank Chatbot Arena "Rank (UB)": 1 + number of models whose {@code ciLow} exceeds this model's
 *     {@code ciHigh}; models whose intervals overlap share a rank
 */
public record Rating(String model, double rating, double ciLow, double ciHigh, int rank) {

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "%d %s %.1f [%.1f, %.1f]", rank, model, rating, ciLow, ciHigh);
    }
}
