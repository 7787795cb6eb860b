package dev.plumbline.plugin.judge.classifier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.plumbline.spi.ChatTurn;
import dev.plumbline.spi.InvalidInputException;
import dev.plumbline.spi.Judge;
import dev.plumbline.spi.JudgeSample;
import dev.plumbline.spi.Parameters;
import dev.plumbline.spi.Verdict;
import dev.plumbline.spi.VerdictStatus;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClassifierJudgeTest {

    private static final String HELPFUL = "Sure, here are the steps. First, try this simple example; I recommend it.";
    private static final String REFUSAL = "Sorry, I cannot help with that. It is illegal and dangerous.";

    private final ClassifierJudge judge = new ClassifierJudge();

    private static Parameters parameters(Path dir, Map<String, ?> more) {
        Map<String, Object> given = new HashMap<>(more);
        given.put("model_dir", dir.toString());
        return Parameters.resolve(new ClassifierJudge().parameters(), given, "parameters");
    }

    private List<Verdict> score(Path dir, Map<String, ?> more, List<JudgeSample> samples) {
        return judge.score(samples, parameters(dir, more));
    }

    private Verdict scoreOne(Path dir, Map<String, ?> more, String prompt, String response) {
        return score(dir, more, List.of(JudgeSample.of("s", prompt, response))).get(0);
    }

    private static double value(Verdict v, String name) {
        assertThat(v.status()).as(v.error()).isEqualTo(VerdictStatus.VALID);
        return v.values().get(name);
    }

    @Test
    void isDiscoveredWithItsParameters() {
        List<Judge> judges = ServiceLoader.load(Judge.class).stream().map(ServiceLoader.Provider::get)
                .filter(j -> j.id().equals(ClassifierJudge.ID)).toList();
        assertThat(judges).hasSize(1);
        assertThat(judges.get(0).parameters()).extracting(p -> p.name())
                .containsExactly("model_dir", "positive_label", "apply", "max_length", "batch_size", "template");
        assertThat(judges.get(0).parameters().get(0).required()).isTrue();
        assertThatThrownBy(() -> Parameters.resolve(judges.get(0).parameters(), Map.of(), "parameters"))
                .isInstanceOf(InvalidInputException.class)
                .extracting(e -> ((InvalidInputException) e).field()).isEqualTo("parameters.model_dir");
    }

    @Test
    void tokenIdsAndLogitsMatchPyTorch() {
        JsonObject models = TinyRewardModels.expected().getAsJsonObject("models");
        for (String name : List.of(TinyRewardModels.SINGLE_LOGIT, TinyRewardModels.TWO_CLASS)) {
            Path dir = TinyRewardModels.dir(name);
            RewardModel model = RewardModelCache.SHARED.get(dir.toString());
            assertThat(model.feedsTokenTypeIds()).isEqualTo(name.equals(TinyRewardModels.SINGLE_LOGIT));
            JsonArray cases = models.getAsJsonArray(name);
            assertThat(cases).hasSize(9);
            for (JsonElement element : cases) {
                JsonObject c = element.getAsJsonObject();
                String template = c.get("template").getAsString();
                int maxLength = c.get("max_length").getAsInt();
                JudgeSample sample = JudgeSample.of("case", c.get("prompt").getAsString(),
                        c.get("response").getAsString());
                String what = name + " " + template + " " + sample;

                EncodedInput encoded = model.encode(InputTemplate.fromParameter(template).render(sample),
                        model.effectiveMaxLength(maxLength));
                assertThat(encoded.ids()).as("token ids of %s", what).containsExactly(longs(c, "input_ids"));
                assertThat(encoded.typeIds()).as("type ids of %s", what).containsExactly(longs(c, "token_type_ids"));

                Verdict v = scoreOne(dir, Map.of("template", template, "max_length", maxLength),
                        sample.prompt(), sample.response());
                JsonArray torch = c.getAsJsonArray("logits");
                double last = torch.get(torch.size() - 1).getAsDouble();
                assertThat(value(v, "logit")).as("logit of %s", what).isCloseTo(last, within(1e-4));
                if (torch.size() == 2) {
                    double softmax = 1 / (1 + Math.exp(torch.get(0).getAsDouble() - last));
                    assertThat(value(v, "score")).as("softmax of %s", what).isCloseTo(softmax, within(1e-4));
                } else {
                    assertThat(value(v, "score")).isEqualTo(value(v, "logit"));
                }
            }
        }
    }

    @Test
    void batchedScoresEqualPyTorchToo() {
        // All cases of one template in one padded batch: padding must not change a logit.
        JsonArray cases = TinyRewardModels.expected().getAsJsonObject("models")
                .getAsJsonArray(TinyRewardModels.SINGLE_LOGIT);
        List<JudgeSample> samples = new ArrayList<>();
        List<Double> torch = new ArrayList<>();
        for (JsonElement element : cases) {
            JsonObject c = element.getAsJsonObject();
            if (c.get("template").getAsString().equals("pair") && c.get("max_length").getAsInt() == 512) {
                samples.add(JudgeSample.of("p" + samples.size(), c.get("prompt").getAsString(),
                        c.get("response").getAsString()));
                torch.add(c.getAsJsonArray("logits").get(0).getAsDouble());
            }
        }
        assertThat(samples).hasSize(3);
        List<Verdict> verdicts = score(TinyRewardModels.dir(TinyRewardModels.SINGLE_LOGIT), Map.of(), samples);
        for (int i = 0; i < samples.size(); i++) {
            assertThat(verdicts.get(i).sampleId()).isEqualTo("p" + i);
            assertThat(value(verdicts.get(i), "logit")).isCloseTo(torch.get(i), within(1e-4));
        }
    }

    @Test
    void helpfulAnswersOutscoreRefusals() {
        Path single = TinyRewardModels.dir(TinyRewardModels.SINGLE_LOGIT);
        for (String template : InputTemplate.NAMES) {
            Map<String, String> t = Map.of("template", template);
            assertThat(value(scoreOne(single, t, "How do I fix my bike?", HELPFUL), "score"))
                    .as(template).isGreaterThan(value(scoreOne(single, t, "How do I fix my bike?", REFUSAL), "score"));
        }
        Path twoClass = TinyRewardModels.dir(TinyRewardModels.TWO_CLASS);
        Map<String, String> acceptable = Map.of("positive_label", "acceptable");
        double helpful = value(scoreOne(twoClass, acceptable, "q", HELPFUL), "score");
        double refusal = value(scoreOne(twoClass, acceptable, "q", REFUSAL), "score");
        // Mean pooling dilutes the lexicon over neutral tokens, so the classes are clear but not extreme.
        assertThat(helpful).isGreaterThan(0.75);
        assertThat(refusal).isLessThan(0.35);
        // Default positive label = the last one, "refusal": the ordering flips.
        assertThat(value(scoreOne(twoClass, Map.of(), "q", HELPFUL), "score")).isCloseTo(1 - helpful, within(1e-6));
        assertThat(value(scoreOne(twoClass, Map.of(), "q", REFUSAL), "score")).isCloseTo(1 - refusal, within(1e-6));
    }

    @Test
    void twoClassLabelsByNameOrIndexAndEveryApplyMode() {
        Path dir = TinyRewardModels.dir(TinyRewardModels.TWO_CLASS);
        Verdict byName = scoreOne(dir, Map.of("positive_label", "acceptable"), "q", HELPFUL);
        Verdict byIndex = scoreOne(dir, Map.of("positive_label", "0"), "q", HELPFUL);
        Verdict caseInsensitive = scoreOne(dir, Map.of("positive_label", "ACCEPTABLE"), "q", HELPFUL);
        assertThat(byIndex.values()).isEqualTo(byName.values());
        assertThat(caseInsensitive.values()).isEqualTo(byName.values());
        assertThat(byName.explanation()).startsWith("label=acceptable(0/2) softmax logit=");
        assertThat(byName.provenance().judgeVersion()).isEqualTo("1+template=pair;max_length=512;label=acceptable(0/2);softmax");

        double logit = value(byName, "logit");
        Verdict none = scoreOne(dir, Map.of("positive_label", "acceptable", "apply", "none"), "q", HELPFUL);
        assertThat(value(none, "score")).isEqualTo(logit);
        Verdict sigmoid = scoreOne(dir, Map.of("positive_label", "acceptable", "apply", "sigmoid"), "q", HELPFUL);
        assertThat(value(sigmoid, "score")).isCloseTo(1 / (1 + Math.exp(-logit)), within(1e-12));

        Verdict other = scoreOne(dir, Map.of("positive_label", "refusal"), "q", HELPFUL);
        assertThat(value(other, "score") + value(byName, "score")).isCloseTo(1.0, within(1e-9));

        assertInvalid(() -> scoreOne(dir, Map.of("positive_label", "harmless"), "q", HELPFUL),
                "parameters.positive_label", "\"harmless\" is not a label index (0..1) or a label name; config.json "
                        + "id2label: [acceptable, refusal]");
        assertInvalid(() -> scoreOne(dir, Map.of("positive_label", "2"), "q", HELPFUL),
                "parameters.positive_label", "index 2 is out of range: the model has 2 logits");
    }

    @Test
    void singleLogitDefaultsToTheRawLogitAndRejectsSoftmax() {
        Path dir = TinyRewardModels.dir(TinyRewardModels.SINGLE_LOGIT);
        Verdict v = scoreOne(dir, Map.of(), "q", HELPFUL);
        assertThat(v.explanation()).startsWith("label=helpful(0/1) none logit=");
        assertThat(value(v, "score")).isEqualTo(value(v, "logit"));
        Verdict sigmoid = scoreOne(dir, Map.of("apply", "sigmoid", "positive_label", "helpful"), "q", HELPFUL);
        assertThat(value(sigmoid, "score")).isCloseTo(1 / (1 + Math.exp(-value(v, "logit"))), within(1e-12));
        assertInvalid(() -> scoreOne(dir, Map.of("apply", "softmax"), "q", HELPFUL), "parameters.apply",
                "softmax over the model's single logit is always 1");
    }

    @Test
    void batchOfFortyWithDifferentLengthsEqualsOneByOne() {
        String[] words = ("sure here help sorry cannot illegal the people house water thanks great steps never "
                + "example zebra quantum").split(" ");
        List<JudgeSample> samples = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            StringBuilder response = new StringBuilder();
            for (int w = 0; w < 1 + (i * 7) % 37; w++) {
                response.append(words[(i * 3 + w * 5) % words.length]).append(w % 4 == 3 ? ". " : " ");
            }
            samples.add(JudgeSample.of("r" + i, "prompt number " + i, response.toString()));
        }
        for (String model : List.of(TinyRewardModels.SINGLE_LOGIT, TinyRewardModels.TWO_CLASS)) {
            Path dir = TinyRewardModels.dir(model);
            List<Verdict> batched = score(dir, Map.of(), samples);
            assertThat(batched).extracting(Verdict::sampleId)
                    .containsExactlyElementsOf(samples.stream().map(JudgeSample::id).toList());
            for (int i = 0; i < samples.size(); i++) {
                Verdict alone = score(dir, Map.of("batch_size", 1), List.of(samples.get(i))).get(0);
                assertThat(value(batched.get(i), "logit")).as("%s sample %d", model, i)
                        .isCloseTo(value(alone, "logit"), within(1e-5));
            }
        }
    }

    @Test
    void truncatesToMaxLengthCappedByTokenizerConfig(@TempDir Path tmp) throws Exception {
        String prefix = "sure here are the steps";
        String longTail = IntStream.range(0, 200).mapToObj(i -> i % 2 == 0 ? "sorry" : "cannot")
                .collect(Collectors.joining(" "));
        Path single = TinyRewardModels.dir(TinyRewardModels.SINGLE_LOGIT);
        Map<String, Object> eight = Map.of("template", "response", "max_length", 8);
        Verdict whole = scoreOne(single, eight, "", prefix + " yes");
        Verdict cut = scoreOne(single, eight, "", prefix + " yes " + longTail);
        assertThat(whole.explanation()).endsWith("; 8 tokens");
        assertThat(cut.explanation()).endsWith("; 8 tokens (truncated)");
        // [CLS] + 6 words + [SEP]: the refusal tail is cut off, so it cannot lower the score.
        assertThat(value(cut, "logit")).isCloseTo(value(whole, "logit"), within(1e-6));

        // tokenizer_config.json's model_max_length caps the requested max_length.
        Path capped64 = copyModel(TinyRewardModels.SINGLE_LOGIT, tmp.resolve("capped-64"));
        Files.writeString(capped64.resolve("tokenizer_config.json"), "{\"model_max_length\": 64}");
        Verdict capped = scoreOne(capped64, Map.of("template", "response"), "", prefix + " " + longTail);
        assertThat(capped.explanation()).endsWith("; 64 tokens (truncated)");
        assertThat(capped.provenance().judgeVersion()).contains("max_length=64");
        Verdict uncapped = scoreOne(single, Map.of("template", "response", "max_length", 1000), "",
                prefix + " " + longTail);
        assertThat(uncapped.explanation()).endsWith("; 207 tokens");
        assertThat(uncapped.provenance().judgeVersion()).contains("max_length=512");
        assertThat(value(capped, "logit")).isLessThan(value(scoreOne(single, Map.of("template", "response"), "",
                prefix), "logit"));

        // transformers writes 1e30 for "no limit": that is not a cap.
        Path unlimited = copyModel(TinyRewardModels.SINGLE_LOGIT, tmp.resolve("unlimited"));
        Files.writeString(unlimited.resolve("tokenizer_config.json"),
                "{\"model_max_length\": 1000000000000000019884624838656}");
        Verdict notCapped = scoreOne(unlimited, Map.of("template", "response", "max_length", 1000), "",
                prefix + " " + longTail);
        assertThat(notCapped.explanation()).endsWith("; 207 tokens");
        assertThat(notCapped.provenance().judgeVersion()).contains("max_length=1000");

        // chat: a conversation that fills max_length before the response starts is a failed verdict, not a score.
        String longPrompt = IntStream.range(0, 30).mapToObj(i -> "question").collect(Collectors.joining(" "));
        Map<String, Object> chat16 = Map.of("template", "chat", "max_length", 16);
        Verdict unseen = scoreOne(single, chat16, longPrompt, "sure, happy to help");
        assertThat(unseen.status()).isEqualTo(VerdictStatus.ERROR);
        assertThat(unseen.error()).contains("fills max_length=16 tokens before the response starts");
        assertThat(scoreOne(single, chat16, longPrompt, "").status()).isEqualTo(VerdictStatus.VALID);
        assertThat(scoreOne(single, Map.of("template", "pair", "max_length", 16), longPrompt, "sure, happy to help")
                .status()).isEqualTo(VerdictStatus.VALID);
        Verdict partlySeen = scoreOne(single, chat16, "hi", "sure " + longTail);
        assertThat(partlySeen.explanation()).endsWith("; 16 tokens (truncated)");

        // A pair is cut longest-first: the long response loses tokens, the short prompt keeps all of its own.
        RewardModel model = RewardModelCache.SHARED.get(single.toString());
        EncodedInput pair = model.encode(new InputTemplate.Rendered("how do i start", longTail), 20);
        assertThat(pair.truncated()).isTrue();
        assertThat(pair.ids()).hasSize(20);
        assertThat(java.util.Arrays.stream(pair.typeIds()).filter(t -> t == 0).count()).isEqualTo(6);
    }

    @Test
    void emptyAndOddResponsesAreScored() {
        Path dir = TinyRewardModels.dir(TinyRewardModels.SINGLE_LOGIT);
        List<Verdict> verdicts = score(dir, Map.of(), List.of(
                JudgeSample.of("empty", "Say something", ""),
                JudgeSample.of("blank", "Say something", "  \n "),
                JudgeSample.of("surrogate", "Hi \uD83D", "Broken emoji \uDE00 here"),
                new JudgeSample("no-prompt", null, "sure", "", "", List.of(), Map.of())));
        assertThat(verdicts).allSatisfy(v -> assertThat(v.status()).as(v.error()).isEqualTo(VerdictStatus.VALID));
        assertThat(verdicts.get(0).explanation()).endsWith("; 5 tokens");
        assertThat(verdicts.get(0).values().get("score")).isEqualTo(verdicts.get(1).values().get("score"));
    }

    @Test
    void historyIsPartOfThePromptForPairAndChat() {
        Path dir = TinyRewardModels.dir(TinyRewardModels.SINGLE_LOGIT);
        JudgeSample withHistory = new JudgeSample("h", "and now?", "ok", "", "",
                List.of(ChatTurn.user("hello there"), ChatTurn.assistant("sorry no")), Map.of());
        RewardModel model = RewardModelCache.SHARED.get(dir.toString());
        assertThat(InputTemplate.CHAT.render(withHistory).first())
                .isEqualTo("User: hello there\nAssistant: sorry no\nUser: and now?\nAssistant: ok");
        assertThat(InputTemplate.PAIR.render(withHistory))
                .isEqualTo(new InputTemplate.Rendered("User: hello there\nAssistant: sorry no\nand now?", "ok"));
        assertThat(InputTemplate.RESPONSE.render(withHistory)).isEqualTo(new InputTemplate.Rendered("ok", null));
        double with = value(score(dir, Map.of(), List.of(withHistory)).get(0), "logit");
        double without = value(scoreOne(dir, Map.of(), "and now?", "ok"), "logit");
        assertThat(with).isNotCloseTo(without, within(1e-3));
        assertThat(model.encode(InputTemplate.PAIR.render(withHistory), 512).length())
                .isGreaterThan(model.encode(InputTemplate.PAIR.render(JudgeSample.of("x", "and now?", "ok")), 512).length());
    }

    @Test
    void provenanceNamesTheModelAndHashesItsBytes() throws Exception {
        Path dir = TinyRewardModels.dir(TinyRewardModels.SINGLE_LOGIT);
        Verdict v = scoreOne(dir, Map.of(), "q", HELPFUL);
        String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                .digest(Files.readAllBytes(dir.resolve("model.onnx"))));
        assertThat(v.provenance().judgeId()).isEqualTo("classifier");
        assertThat(v.provenance().rubricHash()).isEqualTo(sha);
        assertThat(v.provenance().model()).isEqualTo("single-logit");
        assertThat(v.provenance().judgeVersion()).isEqualTo("1+template=pair;max_length=512;label=helpful(0/1);none");
    }

    @Test
    void sessionsAreLoadedOncePerDirectoryAndReloadedWhenFilesChange(@TempDir Path tmp) throws Exception {
        Path copy = copyModel(TinyRewardModels.SINGLE_LOGIT, tmp.resolve("copy"));
        RewardModelCache cache = new RewardModelCache();
        RewardModel first = cache.get(copy.toString());
        assertThat(cache.get(copy.toString())).isSameAs(first);
        assertThat(cache.get(copy.resolve("..").resolve("copy").toString())).isSameAs(first);
        Path onnx = copy.resolve("model.onnx");
        Files.setLastModifiedTime(onnx, FileTime.fromMillis(Files.getLastModifiedTime(onnx).toMillis() + 5_000));
        assertThat(cache.get(copy.toString())).isNotSameAs(first);
    }

    @Test
    void badModelDirectoriesNameTheParameterAndTheFile(@TempDir Path tmp) throws Exception {
        assertInvalid(() -> scoreOne(tmp.resolve("nowhere"), Map.of(), "q", "r"), "parameters.model_dir",
                "does not exist: " + tmp.resolve("nowhere"));
        Path file = Files.writeString(tmp.resolve("a-file"), "x");
        assertInvalid(() -> scoreOne(file, Map.of(), "q", "r"), "parameters.model_dir", "is not a directory");

        Path noOnnx = copyModel(TinyRewardModels.TWO_CLASS, tmp.resolve("no-onnx"));
        Files.delete(noOnnx.resolve("model.onnx"));
        assertInvalid(() -> scoreOne(noOnnx, Map.of(), "q", "r"), "parameters.model_dir",
                noOnnx.toRealPath().resolve("model.onnx") + " is missing");

        Path noTokenizer = copyModel(TinyRewardModels.TWO_CLASS, tmp.resolve("no-tokenizer"));
        Files.delete(noTokenizer.resolve("tokenizer.json"));
        assertInvalid(() -> scoreOne(noTokenizer, Map.of(), "q", "r"), "parameters.model_dir",
                "tokenizer.json is missing");

        Path brokenTokenizer = copyModel(TinyRewardModels.TWO_CLASS, tmp.resolve("broken-tokenizer"));
        Files.writeString(brokenTokenizer.resolve("tokenizer.json"), "{\"model\": {\"type\": \"WordLevel\", ");
        assertInvalid(() -> scoreOne(brokenTokenizer, Map.of(), "q", "r"), "parameters.model_dir",
                "tokenizer.json is malformed JSON");

        Path alienTokenizer = copyModel(TinyRewardModels.TWO_CLASS, tmp.resolve("alien-tokenizer"));
        Files.writeString(alienTokenizer.resolve("tokenizer.json"), "{\"model\": {\"type\": \"NoSuchModel\"}}");
        assertInvalid(() -> scoreOne(alienTokenizer, Map.of(), "q", "r"), "parameters.model_dir",
                "tokenizer.json is rejected by the Hugging Face tokenizers library");

        Path notATokenizer = copyModel(TinyRewardModels.TWO_CLASS, tmp.resolve("not-a-tokenizer"));
        Files.writeString(notATokenizer.resolve("tokenizer.json"), "[1, 2, 3]");
        assertInvalid(() -> scoreOne(notATokenizer, Map.of(), "q", "r"), "parameters.model_dir",
                "tokenizer.json is not a JSON object");

        Path garbageOnnx = copyModel(TinyRewardModels.TWO_CLASS, tmp.resolve("garbage-onnx"));
        Files.write(garbageOnnx.resolve("model.onnx"), "this is not a protobuf".getBytes(StandardCharsets.UTF_8));
        assertInvalid(() -> scoreOne(garbageOnnx, Map.of(), "q", "r"), "parameters.model_dir",
                "model.onnx cannot be loaded by ONNX Runtime");

        Path brokenConfig = copyModel(TinyRewardModels.TWO_CLASS, tmp.resolve("broken-config"));
        Files.writeString(brokenConfig.resolve("config.json"), "{\"id2label\": {\"0\": \"a\",}}");
        assertInvalid(() -> scoreOne(brokenConfig, Map.of(), "q", "r"), "parameters.model_dir",
                "config.json is malformed JSON");

        Path wrongLabels = copyModel(TinyRewardModels.TWO_CLASS, tmp.resolve("wrong-labels"));
        Files.writeString(wrongLabels.resolve("config.json"), "{\"id2label\": {\"0\": \"a\", \"1\": \"b\", \"2\": \"c\"}}");
        assertInvalid(() -> scoreOne(wrongLabels, Map.of(), "q", "r"), "parameters.model_dir",
                "config.json id2label names 3 labels but model.onnx outputs 2 logits");

        Path gappyLabels = copyModel(TinyRewardModels.TWO_CLASS, tmp.resolve("gappy-labels"));
        Files.writeString(gappyLabels.resolve("config.json"), "{\"id2label\": {\"0\": \"a\", \"2\": \"c\"}}");
        assertInvalid(() -> scoreOne(gappyLabels, Map.of(), "q", "r"), "parameters.model_dir",
                "config.json id2label indices must be 0..1, got [0, 2]");

        Path badMaxLength = copyModel(TinyRewardModels.SINGLE_LOGIT, tmp.resolve("bad-max-length"));
        Files.writeString(badMaxLength.resolve("tokenizer_config.json"), "{\"model_max_length\": \"long\"}");
        assertInvalid(() -> scoreOne(badMaxLength, Map.of(), "q", "r"), "parameters.model_dir",
                "tokenizer_config.json model_max_length is not a number");

        assertInvalid(() -> scoreOne(TinyRewardModels.dir(TinyRewardModels.RANK_ONE_OUTPUT), Map.of(), "q", "r"),
                "parameters.model_dir", "model.onnx output 'logits' has shape [batch]; expected [batch, 1] "
                        + "(one reward logit) or [batch, num_labels] (class logits)");
    }

    @Test
    void malformedRequestsAreRejectedWhole() {
        Path dir = TinyRewardModels.dir(TinyRewardModels.SINGLE_LOGIT);
        assertInvalid(() -> score(dir, Map.of(), List.of(JudgeSample.of("a", "q", "ok"),
                JudgeSample.of("b", "q", null))), "samples[1].response", "is missing");
        assertInvalid(() -> score(dir, Map.of(), List.of(JudgeSample.of("a", "q", "x".repeat((1 << 20) + 1)))),
                "samples[0].response", "the limit is 1048576");
        assertThat(score(dir, Map.of(), List.of())).isEmpty();
    }

    @Test
    void inferenceFailuresAreErrorVerdictsForTheirBatchOnly(@TempDir Path tmp) throws Exception {
        // A tokenizer whose vocabulary is larger than the model's embedding table: ONNX Runtime's Gather fails.
        Path dir = copyModel(TinyRewardModels.SINGLE_LOGIT, tmp.resolve("vocab-too-large"));
        JsonObject tokenizer = JsonParser.parseString(Files.readString(dir.resolve("tokenizer.json"))).getAsJsonObject();
        tokenizer.getAsJsonObject("model").getAsJsonObject("vocab").addProperty("zebra", 100_000);
        Files.writeString(dir.resolve("tokenizer.json"), tokenizer.toString());

        List<Verdict> verdicts = score(dir, Map.of("batch_size", 1), List.of(
                JudgeSample.of("fine", "q", HELPFUL), JudgeSample.of("broken", "q", "a zebra"),
                JudgeSample.of("also-fine", "q", REFUSAL)));
        assertThat(verdicts.get(0).status()).isEqualTo(VerdictStatus.VALID);
        assertThat(verdicts.get(2).status()).isEqualTo(VerdictStatus.VALID);
        Verdict broken = verdicts.get(1);
        assertThat(broken.status()).isEqualTo(VerdictStatus.ERROR);
        assertThat(broken.values()).isEmpty();
        assertThat(broken.error()).startsWith("inference failed: OrtException: ");
        assertThat(broken.provenance().model()).isEqualTo("vocab-too-large");
    }

    @Test
    void parallelScoringGivesTheSameScoresAsSequential() throws Exception {
        Path dir = TinyRewardModels.dir(TinyRewardModels.TWO_CLASS);
        List<JudgeSample> samples = new ArrayList<>();
        for (int i = 0; i < 24; i++) {
            samples.add(JudgeSample.of("t" + i, "question " + i, (i % 2 == 0 ? HELPFUL : REFUSAL) + " extra".repeat(i)));
        }
        Map<String, Object> settings = Map.of("batch_size", 5, "positive_label", "acceptable");
        List<Double> expected = score(dir, settings, samples).stream().map(v -> value(v, "score")).toList();
        ExecutorService pool = Executors.newFixedThreadPool(6);
        try {
            List<Future<List<Double>>> futures = new ArrayList<>();
            for (int t = 0; t < 48; t++) {
                // Fresh judge instances share the process-wide session cache.
                futures.add(pool.submit(() -> new ClassifierJudge().score(samples, parameters(dir, settings)).stream()
                        .map(v -> value(v, "score")).toList()));
            }
            for (Future<List<Double>> f : futures) {
                List<Double> got = f.get();
                for (int i = 0; i < expected.size(); i++) {
                    assertThat(got.get(i)).isCloseTo(expected.get(i), within(1e-6));
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }

    private static Path copyModel(String name, Path target) throws Exception {
        Files.createDirectories(target);
        try (var files = Files.list(TinyRewardModels.dir(name))) {
            for (Path f : files.toList()) {
                Files.copy(f, target.resolve(f.getFileName()));
            }
        }
        return target;
    }

    private static long[] longs(JsonObject c, String key) {
        JsonArray array = c.getAsJsonArray(key);
        long[] out = new long[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).getAsLong();
        }
        return out;
    }

    private static void assertInvalid(Runnable call, String field, String messagePart) {
        assertThatThrownBy(call::run).isInstanceOf(InvalidInputException.class)
                .satisfies(e -> assertThat(((InvalidInputException) e).field()).isEqualTo(field))
                .hasMessageContaining(messagePart);
    }
}
