package dev.plumbline.plugin.judge.llm;

import com.fasterxml.jackson.databind.JsonNode;
import dev.plumbline.openai.ChatRequest;
import dev.plumbline.openai.OpenAiException;
import dev.plumbline.spi.ComparisonPair;
import dev.plumbline.spi.Judge;
import dev.plumbline.spi.PairwiseVerdict;
import dev.plumbline.spi.ParameterSpec;
import dev.plumbline.spi.Parameters;
import dev.plumbline.spi.Preference;
import dev.plumbline.spi.Provenance;
import dev.plumbline.spi.VerdictStatus;
import java.util.List;
import java.util.Map;

/**
 * MT-Bench pairwise grading with both orders always judged: (A, B) and (B, A). Agreement gives the
 * winner; disagreement is a tie with {@code positionConsistent = false} (MT-Bench's conservative
 * rule). {@code probabilityA} averages the two games (RLAIF), with a tie worth 0.5.
 */
public final class LlmPairwiseJudge implements Judge {

    private static final JsonNode FORMAT = LlmJudgeRuntime.jsonSchemaFormat("verdict", """
            {"type":"object","properties":{"explanation":{"type":"string"},
             "verdict":{"type":"string","enum":["A","B","C"]}},
             "required":["explanation","verdict"],"additionalProperties":false}""");

    private final LlmJudgeRuntime runtime = LlmJudgeRuntime.SHARED;

    @Override
    public String id() {
        return "llm-pairwise";
    }

    @Override
    public String description() {
        return "LLM-as-judge comparing two answers in both orders (inconsistent -> tie); OpenAI-compatible endpoint.";
    }

    @Override
    public boolean pointwise() {
        return false;
    }

    @Override
    public boolean pairwise() {
        return true;
    }

    @Override
    public List<ParameterSpec> parameters() {
        return LlmJudgeSettings.SPECS;
    }

    @Override
    public List<PairwiseVerdict> compare(List<ComparisonPair> pairs, Parameters parameters) {
        LlmJudgeSettings s = LlmJudgeSettings.of(parameters);
        Provenance provenance = new Provenance(id(), version(), JudgePrompts.templateHash(), s.model());
        // Both games of every pair go out concurrently.
        List<Game> games = runtime.map(pairs.stream()
                .flatMap(p -> java.util.stream.Stream.of(new GameRequest(p, false), new GameRequest(p, true))).toList(),
                g -> play(g, s));
        return java.util.stream.IntStream.range(0, pairs.size())
                .mapToObj(i -> combine(pairs.get(i), games.get(2 * i), games.get(2 * i + 1), provenance)).toList();
    }

    private record GameRequest(ComparisonPair pair, boolean swapped) {}

    /** One judged order; {@code winner} is in the pair's own terms (A = responseA) after un-swapping. */
    private record Game(VerdictStatus status, char winner, String text) {}

    private Game play(GameRequest g, LlmJudgeSettings s) {
        ComparisonPair p = g.pair();
        String first = g.swapped() ? p.responseB() : p.responseA();
        String second = g.swapped() ? p.responseA() : p.responseB();
        String user = JudgePrompts.pairUser(p.prompt(), first, second, p.reference(), p.history())
                + (s.structuredOutput() ? JudgePrompts.JSON_PAIRWISE_SUFFIX : "");
        ChatRequest call = LlmJudgeRuntime.request(s, JudgePrompts.pairSystem(!p.reference().isEmpty()), user,
                s.structuredOutput() ? FORMAT : null);
        String text;
        try {
            text = runtime.complete(s, call);
        } catch (OpenAiException e) {
            return new Game(VerdictStatus.ERROR, (char) 0, e.getMessage());
        }
        VerdictParser.Choice c = VerdictParser.choice(text, s.structuredOutput());
        return switch (c.outcome()) {
            case PARSED -> new Game(VerdictStatus.VALID, unswap(c.verdict(), g.swapped()), c.explanation());
            case REFUSED -> new Game(VerdictStatus.REFUSED, (char) 0, text);
            case UNPARSEABLE -> new Game(VerdictStatus.UNPARSEABLE, (char) 0, text);
        };
    }

    private static char unswap(char verdict, boolean swapped) {
        if (!swapped || verdict == 'C') {
            return verdict;
        }
        return verdict == 'A' ? 'B' : 'A';
    }

    private PairwiseVerdict combine(ComparisonPair pair, Game g1, Game g2, Provenance provenance) {
        for (Game g : new Game[] {g1, g2}) {
            if (g.status() != VerdictStatus.VALID) {
                String which = g == g1 ? "A-first game" : "B-first game";
                return PairwiseVerdict.failed(pair.id(), g.status(),
                        which + ": " + LlmPointwiseJudge.clip(g.text()), provenance);
            }
        }
        boolean consistent = g1.winner() == g2.winner();
        Preference preference = !consistent || g1.winner() == 'C' ? Preference.TIE
                : g1.winner() == 'A' ? Preference.A : Preference.B;
        double probabilityA = (score(g1.winner()) + score(g2.winner())) / 2;
        return new PairwiseVerdict(pair.id(), VerdictStatus.VALID, preference, probabilityA, consistent,
                Map.of("preference_a", probabilityA),
                "A-first game: " + g1.text() + "\n---\nB-first game: " + g2.text(), provenance, "");
    }

    private static double score(char winner) {
        return winner == 'A' ? 1.0 : winner == 'B' ? 0.0 : 0.5;
    }
}
