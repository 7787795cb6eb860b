package dev.plumbline.plugin.judge.classifier;

import dev.plumbline.spi.TextChecks;
import dev.plumbline.spi.InvalidInputException;
import dev.plumbline.spi.Judge;
import dev.plumbline.spi.JudgeSample;
import dev.plumbline.spi.ParameterSpec;
import dev.plumbline.spi.Parameters;
import dev.plumbline.spi.Provenance;
import dev.plumbline.spi.Verdict;
import dev.plumbline.spi.VerdictStatus;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code classifier}: any ONNX sequence-classification reward model in the Hugging Face export
 * layout (a directory with {@code tokenizer.json}, {@code model.onnx} and optionally
 * {@code config.json} / {@code tokenizer_config.json}), run with ONNX Runtime.
 *
 * <p>Values: {@code score} (the positive label's logit, its sigmoid, or its softmax probability)
 * and {@code logit} (the raw logit). Provenance: {@code rubricHash} = SHA-256 of model.onnx,
 * {@code model} = the directory's name, {@code judgeVersion} = version plus the scoring settings.
 */
public final class ClassifierJudge implements Judge {

    public static final String ID = "classifier";
    static final String VERSION = "1";

    static final String MODEL_DIR = "model_dir";
    static final String POSITIVE_LABEL = "positive_label";
    static final String APPLY = "apply";
    static final String MAX_LENGTH = "max_length";
    static final String BATCH_SIZE = "batch_size";
    static final String TEMPLATE = "template";

    private static final List<ParameterSpec> PARAMETERS = List.of(
            ParameterSpec.string(MODEL_DIR, null, "directory of a Hugging Face sequence-classification export: "
                    + "tokenizer.json and model.onnx (inputs input_ids, attention_mask[, token_type_ids]; output "
                    + "logits [batch, labels]), optional config.json (id2label) and tokenizer_config.json"),
            ParameterSpec.string(POSITIVE_LABEL, "", "the logit that is the reward: an index or a config.json "
                    + "id2label name; empty = the last (the only one for a single-logit reward model)"),
            ParameterSpec.choice(APPLY, ScoringRule.AUTO, ScoringRule.APPLY_VALUES, "what turns the logit into the "
                    + "score: auto = none for one logit, softmax for several"),
            ParameterSpec.integer(MAX_LENGTH, 512L, 4L, 1_000_000L, "truncation length in tokens, special tokens "
                    + "included; capped by tokenizer_config.json model_max_length"),
            ParameterSpec.integer(BATCH_SIZE, 16L, 1L, 4096L, "sequences per ONNX Runtime call"),
            ParameterSpec.choice(TEMPLATE, InputTemplate.PAIR.parameterValue, InputTemplate.NAMES, "pair = "
                    + "tokenizer pair encoding (prompt, response); response = the response alone; chat = one text "
                    + "\"User: <prompt>\\nAssistant: <response>\""));

    private final RewardModelCache models;

    public ClassifierJudge() {
        this(RewardModelCache.SHARED);
    }

    ClassifierJudge(RewardModelCache models) {
        this.models = models;
    }

    @Override
    public String id() {
        return ID;
    }

    @Override
    public String version() {
        return VERSION;
    }

    @Override
    public String description() {
        return "Reward/classifier model: any Hugging Face sequence-classification export (tokenizer.json + model.onnx) "
                + "run with ONNX Runtime";
    }

    @Override
    public List<ParameterSpec> parameters() {
        return PARAMETERS;
    }

    @Override
    public List<Verdict> score(List<JudgeSample> samples, Parameters parameters) {
        TextChecks.checkSamples(samples);
        InputTemplate template = InputTemplate.fromParameter(parameters.string(TEMPLATE));
        String positiveLabel = parameters.string(POSITIVE_LABEL);
        String apply = parameters.string(APPLY);
        int batchSize = parameters.intValue(BATCH_SIZE);
        String modelDir = parameters.string(MODEL_DIR);

        RewardModel model;
        try {
            model = models.get(modelDir);
        } catch (RuntimeUnavailableException | LinkageError e) {
            // A server fault, not the client's: every verdict fails, none is a score.
            return failAll(samples, e instanceof RuntimeUnavailableException ? e.getMessage()
                    : "the classifier runtime is unavailable: " + e, new Provenance(ID, VERSION, "", nameOf(modelDir)));
        }
        int maxLength = model.effectiveMaxLength(parameters.intValue(MAX_LENGTH));
        String settings = String.format(Locale.ROOT, "template=%s;max_length=%d", template.parameterValue, maxLength);
        // With a static label count, a bad positive_label or apply is the request's fault, found before any work.
        ScoringRule knownRule = model.numLabels() > 0
                ? ScoringRule.resolve(positiveLabel, apply, model.numLabels(), model.directory().id2label()) : null;
        Provenance baseProvenance = provenance(model, settings, knownRule);

        Verdict[] out = new Verdict[samples.size()];
        EncodedInput[] encoded = new EncodedInput[samples.size()];
        List<Integer> pending = encodeAll(model, template, maxLength, samples, encoded, out, baseProvenance);
        // Similar lengths share a batch, so little of each batch is padding.
        pending.sort(Comparator.comparingInt((Integer i) -> encoded[i].length()).reversed());
        for (int from = 0; from < pending.size(); from += batchSize) {
            List<Integer> batch = pending.subList(from, Math.min(pending.size(), from + batchSize));
            List<EncodedInput> inputs = new ArrayList<>(batch.size());
            for (int i : batch) {
                inputs.add(encoded[i]);
            }
            float[][] logits;
            ScoringRule rule;
            try {
                logits = model.logits(inputs);
                rule = knownRule != null ? knownRule
                        : ScoringRule.resolve(positiveLabel, apply, logits[0].length, model.directory().id2label());
            } catch (Exception e) {
                String error = "inference failed: " + (e instanceof InvalidInputException ? ""
                        : e.getClass().getSimpleName() + ": ") + e.getMessage();
                for (int i : batch) {
                    out[i] = Verdict.failed(samples.get(i).id(), VerdictStatus.ERROR, error, baseProvenance);
                }
                continue;
            }
            Provenance provenance = knownRule != null ? baseProvenance : provenance(model, settings, rule);
            for (int k = 0; k < batch.size(); k++) {
                int i = batch.get(k);
                out[i] = verdict(samples.get(i).id(), i, rule, logits[k], encoded[i], provenance);
            }
        }
        return List.of(out);
    }

    /**
     * Tokenizes every sample into {@code encoded}; samples that cannot be scored get a failed verdict
     * in {@code out}. Returns the indices left to score.
     */
    private static List<Integer> encodeAll(RewardModel model, InputTemplate template, int maxLength,
            List<JudgeSample> samples, EncodedInput[] encoded, Verdict[] out, Provenance provenance) {
        List<Integer> pending = new ArrayList<>(samples.size());
        for (int i = 0; i < samples.size(); i++) {
            String id = samples.get(i).id();
            try {
                encoded[i] = model.encode(template.render(samples.get(i)), maxLength);
            } catch (RuntimeException e) {
                out[i] = Verdict.failed(id, VerdictStatus.ERROR, "samples[" + i + "] could not be tokenized: "
                        + e.getMessage(), provenance);
                continue;
            }
            if (encoded[i].responseCutAway()) {
                // Scoring the conversation without the response would score the wrong thing.
                out[i] = Verdict.failed(id, VerdictStatus.ERROR, "samples[" + i + "]: the conversation fills "
                        + "max_length=" + maxLength + " tokens before the response starts, so the model would not see "
                        + "the response; raise max_length (up to the model's limit) or use template=pair, which "
                        + "truncates the longer of prompt and response first", provenance);
            } else {
                pending.add(i);
            }
        }
        return pending;
    }

    private static Verdict verdict(String id, int index, ScoringRule rule, float[] logits, EncodedInput input,
            Provenance provenance) {
        ScoringRule.Score score = rule.apply(logits);
        if (!Double.isFinite(score.logit()) || !Double.isFinite(score.score())) {
            return Verdict.failed(id, VerdictStatus.ERROR, "samples[" + index + "]: the model produced a non-finite "
                    + "logit (" + score.logit() + ")", provenance);
        }
        String explanation = String.format(Locale.ROOT, "%s logit=%.4f score=%.4f; %d tokens%s", rule.describe(),
                score.logit(), score.score(), input.length(), input.truncated() ? " (truncated)" : "");
        return Verdict.valid(id, Map.of("score", score.score(), "logit", score.logit()), explanation, provenance);
    }

    private static Provenance provenance(RewardModel model, String settings, ScoringRule rule) {
        String version = VERSION + "+" + settings + (rule == null ? "" : ";" + rule.describe().replace(' ', ';'));
        return new Provenance(ID, version, model.sha256(), model.directory().name());
    }

    private static List<Verdict> failAll(List<JudgeSample> samples, String error, Provenance provenance) {
        List<Verdict> out = new ArrayList<>(samples.size());
        for (JudgeSample s : samples) {
            out.add(Verdict.failed(s.id(), VerdictStatus.ERROR, error, provenance));
        }
        return out;
    }

    private static String nameOf(String modelDir) {
        String trimmed = modelDir.replaceAll("[/\\\\]+$", "");
        int slash = Math.max(trimmed.lastIndexOf('/'), trimmed.lastIndexOf('\\'));
        return trimmed.substring(slash + 1);
    }
}
