package dev.plumbline.spi;

import java.util.List;

/** Teacher-forced log-probabilities of each completion token. */
public record SequenceLogProbs(List<Double> tokenLogProbs, List<Long> tokenIds, List<String> tokens) {

    public SequenceLogProbs {
        tokenLogProbs = List.copyOf(tokenLogProbs);
        tokenIds = List.copyOf(tokenIds);
        tokens = List.copyOf(tokens);
    }

    public double total() {
        double s = 0;
        for (double v : tokenLogProbs) {
            s += v;
        }
        return s;
    }
}
