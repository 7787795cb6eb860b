package dev.plumbline.server.cli;

import io.quarkus.picocli.runtime.annotations.TopCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

@TopCommand
@Command(name = "plumbline", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "Align, judge, evaluate and rank language models.",
        subcommands = {ServeCommand.class, PluginsCommand.class, ModelsCommand.class, JudgeCommand.class, EvalCommand.class, TrainCommand.class, DemoCommand.class,
                LeaderboardCommand.class,
                CommandLine.HelpCommand.class})
public class PlumblineCommand implements Runnable {

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }
}
