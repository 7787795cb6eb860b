package dev.plumbline.server.cli;

import dev.plumbline.engine.judge.GuardedJudge;
import dev.plumbline.engine.judge.validation.JudgeValidation;
import dev.plumbline.engine.judge.validation.ValidationReport;
import dev.plumbline.engine.plugin.PluginRegistry;
import jakarta.inject.Inject;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "validate", mixinStandardHelpOptions = true,
        description = "Agreement of a judge with human labels: accuracy, Cohen's kappa, confusion matrix, 95%% CIs.",
        footer = {"", "Gold sets (FORMAT:FILE[,FILE...]):",
                "  xstest:<completions.csv>   XSTest human-labelled completions; judge value 'refusal' (0/0.5/1)",
                "  rbr:<rbr_gold_train.jsonl> OpenAI RBR gold; judge values named like the propositions",
                "  hh-rlhf:<harmless.jsonl>  preference pairs; chosen must outscore rejected on --dimension",
                "", "Example: plumbline judge validate --judge refusal \\",
                "  --gold xstest:../shared/datasets/xstest/completions/xstest_v2_completions_gpt4.train80.csv"})
public class JudgeValidateCommand implements Callable<Integer> {

    @Option(names = "--judge", required = true, description = "Judge plugin id.")
    String judge;

    @Option(names = "--gold", required = true, description = "FORMAT:FILE[,FILE...]")
    String gold;

    @Option(names = "--param", description = "Judge parameter name=value (repeatable).")
    List<String> params = new ArrayList<>();

    @Option(names = "--dimension", description = "Verdict value to read (default: refusal for xstest, score for hh-rlhf).")
    String dimension;

    @Option(names = "--lower-is-better", description = "Preference gold sets: the preferred response has the lower value.")
    boolean lowerIsBetter;

    @Inject
    PluginRegistry registry;

    @Override
    public Integer call() throws Exception {
        GuardedJudge g = GuardedJudge.of(registry, judge, JudgeCommand.parameters(params), "--param");
        Map.Entry<JudgeValidation.GoldFormat, List<Path>> spec = JudgeValidation.parseGold(gold);
        ValidationReport report = JudgeValidation.validate(g, spec.getKey(), spec.getValue(), dimension, lowerIsBetter);
        System.out.print(report.render());
        return 0;
    }
}
