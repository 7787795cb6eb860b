package dev.plumbline.plugin.judge.llm;

import com.fasterxml.jackson.databind.JsonNode;
import dev.plumbline.openai.ChatRequest;
import dev.plumbline.openai.OpenAiException;
import dev.plumbline.spi.Judge;
import dev.plumbline.spi.JudgeSample;
import dev.plumbline.spi.ParameterSpec;
import dev.plumbline.spi.Parameters;
import dev.plumbline.spi.Provenance;
import dev.plumbline.spi.Verdict;
import dev.plumbline.spi.VerdictStatus;
import java.util.List;
import java.util.Map;

/** MT-Bench single-answer grading: a 1–10 rating in {@code [[rating]]} (or JSON) from an LLM. */
public final class LlmPointwiseJudge implements Judge {

    private static final JsonNode FORMAT = LlmJudgeRuntime.jsonSchemaFormat("rating", """
            {"type":"object","properties":{"explanation":{"type":"string"},
             "rating":{"type":"integer","minimum":1,"maximum":10}},
             "required":["explanation","rating"],"additionalProperties":false}""");

    private final LlmJudgeRuntime runtime = LlmJudgeRuntime.SHARED;

    @Override
    public String id() {
        return "llm-pointwise";
    }

    @Override
    public String description() {
        return "LLM-as-judge over an OpenAI-compatible endpoint: MT-Bench-style 1-10 rating, optional reference answer.";
    }

    @Override
    public List<ParameterSpec> parameters() {
        return LlmJudgeSettings.SPECS;
    }

    @Override
    public List<Verdict> score(List<JudgeSample> samples, Parameters parameters) {
        LlmJudgeSettings s = LlmJudgeSettings.of(parameters);
        Provenance provenance = new Provenance(id(), version(), JudgePrompts.templateHash(), s.model());
        return runtime.map(samples, sample -> judge(sample, s, provenance));
    }

    private Verdict judge(JudgeSample sample, LlmJudgeSettings s, Provenance provenance) {
        String user = JudgePrompts.single(sample.prompt(), sample.response(), sample.reference(), sample.history())
                + (s.structuredOutput() ? JudgePrompts.JSON_POINTWISE_SUFFIX : "");
        ChatRequest call = LlmJudgeRuntime.request(s, JudgePrompts.SINGLE_SYSTEM, user, s.structuredOutput() ? FORMAT : null);
        String text;
        try {
            text = runtime.complete(s, call);
        } catch (OpenAiException e) {
            return Verdict.failed(sample.id(), VerdictStatus.ERROR, e.getMessage(), provenance);
        }
        VerdictParser.Rating r = VerdictParser.rating(text, s.structuredOutput());
        return switch (r.outcome()) {
            case PARSED -> Verdict.valid(sample.id(), Map.of("rating", r.value()), r.explanation(), provenance);
            case REFUSED -> Verdict.failed(sample.id(), VerdictStatus.REFUSED, "judge refused: " + clip(text), provenance);
            case UNPARSEABLE -> Verdict.failed(sample.id(), VerdictStatus.UNPARSEABLE, "no rating in: " + clip(text), provenance);
        };
    }

    static String clip(String s) {
        return s.length() <= 300 ? s : s.substring(0, 300) + "…";
    }
}
