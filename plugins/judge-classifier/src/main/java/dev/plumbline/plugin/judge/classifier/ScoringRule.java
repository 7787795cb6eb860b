package dev.plumbline.plugin.judge.classifier;

import dev.plumbline.spi.InvalidInputException;
import java.util.List;
import java.util.Locale;

/**
 * Turns one row of logits into a score: which logit is the positive label and what is applied to
 * it. Resolved against the model's number of labels and its {@code config.json} id2label.
 *
 * @param labelIndex the positive label's logit
 * @param labelName its id2label name, or {@code "#<index>"} without a config.json
 */
record ScoringRule(int labelIndex, String labelName, Transform transform, int numLabels) {

    enum Transform {
        NONE("none"), SIGMOID("sigmoid"), SOFTMAX("softmax");

        final String parameterValue;

        Transform(String parameterValue) {
            this.parameterValue = parameterValue;
        }
    }

    static final String AUTO = "auto";
    static final List<String> APPLY_VALUES = List.of(AUTO, "none", "sigmoid", "softmax");

    /** The score and the raw logit it came from. */
    record Score(double logit, double score) {}

    /**
     * @param positiveLabel empty = the last logit (the only one for a single-logit model), a
     *     decimal index, or an id2label name
     * @param apply {@code auto} = none for one logit, softmax for several
     * @throws InvalidInputException naming {@code parameters.positive_label} or {@code parameters.apply}
     */
    static ScoringRule resolve(String positiveLabel, String apply, int numLabels, List<String> id2label) {
        if (numLabels < 1) {
            throw new IllegalArgumentException("numLabels " + numLabels);
        }
        int index = labelIndex(positiveLabel.strip(), numLabels, id2label);
        Transform transform = switch (apply) {
            case AUTO -> numLabels == 1 ? Transform.NONE : Transform.SOFTMAX;
            case "none" -> Transform.NONE;
            case "sigmoid" -> Transform.SIGMOID;
            case "softmax" -> Transform.SOFTMAX;
            default -> throw new InvalidInputException("parameters.apply", "must be one of " + APPLY_VALUES
                    + ", got \"" + apply + "\"");
        };
        if (transform == Transform.SOFTMAX && numLabels == 1) {
            throw new InvalidInputException("parameters.apply",
                    "softmax over the model's single logit is always 1; use none or sigmoid");
        }
        String name = index < id2label.size() ? id2label.get(index) : "#" + index;
        return new ScoringRule(index, name, transform, numLabels);
    }

    private static int labelIndex(String positiveLabel, int numLabels, List<String> id2label) {
        if (positiveLabel.isEmpty()) {
            return numLabels - 1;
        }
        int byName = id2label.indexOf(positiveLabel);
        if (byName >= 0 && byName < numLabels) {
            return byName;
        }
        if (positiveLabel.chars().allMatch(c -> c >= '0' && c <= '9') && positiveLabel.length() <= 9) {
            int index = Integer.parseInt(positiveLabel);
            if (index < numLabels) {
                return index;
            }
            throw new InvalidInputException("parameters.positive_label", "index " + index
                    + " is out of range: the model has " + numLabels + (numLabels == 1 ? " logit" : " logits"));
        }
        // Label names are matched exactly first; a case-insensitive match is accepted when unambiguous.
        int found = -1;
        for (int i = 0; i < id2label.size(); i++) {
            if (id2label.get(i).equalsIgnoreCase(positiveLabel)) {
                if (found >= 0) {
                    found = -2;
                    break;
                }
                found = i;
            }
        }
        if (found >= 0 && found < numLabels) {
            return found;
        }
        throw new InvalidInputException("parameters.positive_label", "\"" + positiveLabel
                + "\" is not a label index (0.." + (numLabels - 1) + ") or a label name"
                + (id2label.isEmpty() ? " (the model directory has no config.json id2label)"
                        : "; config.json id2label: " + id2label));
    }

    Score apply(float[] logits) {
        double logit = logits[labelIndex];
        double score = switch (transform) {
            case NONE -> logit;
            case SIGMOID -> sigmoid(logit);
            case SOFTMAX -> softmax(logits, labelIndex);
        };
        return new Score(logit, score);
    }

    static double sigmoid(double x) {
        // Two branches so that exp never overflows.
        if (x >= 0) {
            return 1.0 / (1.0 + Math.exp(-x));
        }
        double e = Math.exp(x);
        return e / (1.0 + e);
    }

    static double softmax(float[] logits, int index) {
        double max = Double.NEGATIVE_INFINITY;
        for (float v : logits) {
            max = Math.max(max, v);
        }
        double sum = 0;
        for (float v : logits) {
            sum += Math.exp(v - max);
        }
        return Math.exp(logits[index] - max) / sum;
    }

    /** For provenance and explanations: {@code label=refusal(1/2) softmax}. */
    String describe() {
        return String.format(Locale.ROOT, "label=%s(%d/%d) %s", labelName, labelIndex, numLabels,
                transform.parameterValue);
    }
}
