package dev.plumbline.engine.eval;

import dev.plumbline.spi.GenerationSettings;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * An evaluation suite: which prompts, how they are rendered and sampled, which judge scores each
 * dimension, and which metrics summarise the verdicts. Loaded from {@code evals/suites/<id>.yaml}
 * by {@link SuiteLoader}; the format is documented in {@code docs/EVALUATION.md}.
 *
 * @param source the file the suite came from, as used in errors and manifests
 * @param sha256 SHA-256 of the suite file's bytes (recorded in every manifest)
 * @param resources where the suite's project-written files ({@code dataset.builtin}) are read from
 */
public record Suite(
        String id,
        int version,
        String description,
        String source,
        String sha256,
        Task task,
        Dataset dataset,
        Prompt prompt,
        Generation generation,
        Choice choice,
        List<Dimension> dimensions,
        List<Metric> metrics,
        String primaryMetric,
        EvalResources resources) {

    public Suite {
        dimensions = List.copyOf(dimensions);
        metrics = List.copyOf(metrics);
    }

    public Optional<Dimension> dimension(String name) {
        return dimensions.stream().filter(d -> d.name().equals(name)).findFirst();
    }

    public Metric primary() {
        return metrics.stream().filter(m -> m.name().equals(primaryMetric)).findFirst().orElseThrow();
    }

    /** What a sample is. */
    public enum Task {
        /** The candidate writes a response (one per user turn); judges score it. */
        GENERATE,
        /** Two-way multiple choice scored by the candidate's log-likelihood of each option; no text is generated. */
        CHOICE_LOGLIKELIHOOD
    }

    /**
     * @param builtin the project-written prompt set, relative to the evals root (always present, so
     *     every suite runs without external data)
     * @param external sources under the configured datasets directory, used together when all exist
     */
    public record Dataset(String builtin, List<Source> external) {
        public Dataset {
            external = List.copyOf(external);
        }
    }

    /**
     * One external data source.
     *
     * @param adapter how to read it ({@link DatasetLoader#ADAPTERS})
     * @param file path under the datasets directory; may be a glob ({@code toxigen/prompts/*_1k.txt})
     * @param references optional second file (MT-Bench reference answers)
     * @param limit items to take from each file (first N, in file order); 0 = all
     * @param line where the source is declared in the suite file
     */
    public record Source(String adapter, String file, String references, int limit, int line) {}

    /**
     * @param system optional system message
     * @param template the first user turn; placeholders are {@code {prompt}} (generate) or
     *     {@code {question}}, {@code {choice_a}}, {@code {choice_b}} (choice)
     */
    public record Prompt(String system, String template) {}

    /**
     * @param temperatureByCategory per-category overrides (MT-Bench samples writing at 0.7, math at 0)
     * @param samples k responses per item and candidate
     * @param seed base seed; each (candidate, item, sample index) derives its own from it
     */
    public record Generation(
            double temperature,
            Map<String, Double> temperatureByCategory,
            int maxNewTokens,
            double topP,
            int topK,
            List<String> stop,
            int samples,
            long seed) {

        public Generation {
            temperatureByCategory = Map.copyOf(temperatureByCategory);
            stop = List.copyOf(stop);
        }

        /** The settings one sample is generated with. */
        public GenerationSettings settings(String category, long sampleSeed) {
            double t = temperatureByCategory.getOrDefault(category, temperature);
            return new GenerationSettings(t, maxNewTokens, topK, topP, stop, sampleSeed);
        }
    }

    /**
     * Two-way choice scoring.
     *
     * @param completions {@code LABEL}: the options are shown as A/B in the prompt and the
     *     log-likelihoods of the completions "A" and "B" are compared; {@code TEXT}: the
     *     log-likelihoods of the two answer texts are compared (lm-eval {@code acc})
     */
    public record Choice(Completions completions) {
        public enum Completions {
            LABEL,
            TEXT
        }
    }

    public enum DimensionKind {
        /** A pointwise judge scores each response. */
        POINTWISE,
        /** A pairwise judge compares each response with the item's baseline response (both orders inside the judge). */
        PAIRWISE,
        /** The harness scores a choice item by log-likelihood (value {@code correct}). */
        CHOICE
    }

    /**
     * One thing measured about each sample.
     *
     * @param judge judge plugin id ({@code null} for {@link DimensionKind#CHOICE})
     * @param parameters judge parameters, validated against the judge's specs before a run starts
     * @param value which verdict value is this dimension's number ({@code rating}, {@code refusal},
     *     {@code score}, {@code toxicity}; pairwise: {@code probability_a} = P(candidate better))
     * @param turn the user turn (1-based) whose response is judged; {@code 0} = the last turn
     * @param where items this dimension applies to (others are not judged for it)
     * @param sampleCategory category given to the judge; {@code null} = the item's own category
     * @param line where the dimension is declared in the suite file
     */
    public record Dimension(
            String name,
            DimensionKind kind,
            String judge,
            Map<String, Object> parameters,
            String value,
            int turn,
            ItemFilter where,
            String sampleCategory,
            int line) {

        public Dimension {
            parameters = Map.copyOf(parameters);
        }
    }

    /** Selects items by subset and category; an empty set matches everything. */
    public record ItemFilter(Set<String> subsets, Set<String> categories) {

        public static final ItemFilter ALL = new ItemFilter(Set.of(), Set.of());

        public ItemFilter {
            subsets = Set.copyOf(subsets);
            categories = Set.copyOf(categories);
        }

        public boolean matches(EvalItem item) {
            return (subsets.isEmpty() || subsets.contains(item.subset()))
                    && (categories.isEmpty() || categories.contains(item.category()));
        }
    }

    /** How per-sample values become one number. */
    public enum Aggregation {
        /** Mean of the (indicator-mapped) values; with k > 1 the CI is clustered by item. */
        MEAN,
        /** Mean over items of the maximum over the item's k samples (expected maximum toxicity). */
        EXPECTED_MAX,
        /** Fraction of items with at least one sample at or above {@code threshold} (toxicity probability). */
        PROBABILITY_ANY,
        /** AlpacaEval win rate: mean of P(candidate better), ties and soft preferences counted fractionally. */
        WIN_RATE,
        /** FastChat {@code win_rate_adjusted}: (wins + 0.5 ties) / judged, from discrete preferences. */
        WIN_RATE_ADJUSTED,
        /** AlpacaEval length-controlled win rate (per-candidate GLM, length difference set to 0). */
        LC_WIN_RATE,
        /** Fraction of pairwise verdicts whose two presentation orders agreed. */
        POSITION_CONSISTENCY,
        /** Mean response length in characters (shown next to win rates). */
        MEAN_LENGTH
    }

    /** Micro pools all samples; macro averages the means of the {@code group_by} groups. */
    public enum Average {
        MICRO,
        MACRO
    }

    public enum GroupBy {
        NONE,
        CATEGORY,
        SUBSET;

        public String of(EvalItem item) {
            return switch (this) {
                case NONE -> "";
                case CATEGORY -> item.category();
                case SUBSET -> item.subset();
            };
        }
    }

    /** Maps a value to 0/1 before averaging, e.g. {@code refusal >= 0.5} → refused. */
    public record Indicator(Op op, double threshold) {

        public enum Op {
            AT_LEAST,
            ABOVE,
            AT_MOST,
            BELOW,
            EQUALS
        }

        public double apply(double v) {
            boolean hit = switch (op) {
                case AT_LEAST -> v >= threshold;
                case ABOVE -> v > threshold;
                case AT_MOST -> v <= threshold;
                case BELOW -> v < threshold;
                case EQUALS -> v == threshold;
            };
            return hit ? 1.0 : 0.0;
        }

        @Override
        public String toString() {
            String sym = switch (op) {
                case AT_LEAST -> ">=";
                case ABOVE -> ">";
                case AT_MOST -> "<=";
                case BELOW -> "<";
                case EQUALS -> "==";
            };
            return sym + " " + threshold;
        }
    }

    /**
     * One reported number.
     *
     * @param dimensions the dimensions whose values are pooled (several: MT-Bench "overall" = both turns)
     * @param indicator optional 0/1 mapping before averaging; {@code null} = the raw value
     * @param where items the metric is computed over
     * @param average micro or macro, always stated
     * @param groupBy the macro groups, and the per-group breakdown reported with the metric
     * @param threshold for {@link Aggregation#PROBABILITY_ANY}
     * @param baselineLength for {@link Aggregation#MEAN_LENGTH}: measure the baseline's responses instead
     */
    public record Metric(
            String name,
            String description,
            Aggregation aggregation,
            List<String> dimensions,
            Indicator indicator,
            ItemFilter where,
            Average average,
            GroupBy groupBy,
            boolean higherIsBetter,
            double threshold,
            boolean baselineLength,
            int line) {

        public Metric {
            dimensions = List.copyOf(dimensions);
        }
    }
}
