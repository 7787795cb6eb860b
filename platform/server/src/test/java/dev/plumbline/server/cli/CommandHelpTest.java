package dev.plumbline.server.cli;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** Every subcommand's help renders cleanly: picocli treats descriptions as format strings ("95%" must be "95%%"). */
class CommandHelpTest {

    @Test
    void everyHelpRendersWithoutPicocliWarnings() {
        PrintStream err = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        List<String> names = new ArrayList<>();
        try {
            System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
            collect(new CommandLine(new PlumblineCommand()), names);
        } finally {
            System.setErr(err);
        }
        String warnings = captured.toString(StandardCharsets.UTF_8);
        assertFalse(warnings.contains("picocli WARN"), warnings);
        assertTrue(names.containsAll(List.of("plumbline demo", "plumbline eval", "plumbline train",
                "plumbline leaderboard", "plumbline judge validate")), names.toString());
    }

    private static void collect(CommandLine command, List<String> names) {
        names.add(command.getCommandSpec().qualifiedName());
        String usage = command.getUsageMessage();
        assertFalse(usage.contains("%n"), command.getCommandSpec().qualifiedName() + ": unformatted description\n" + usage);
        command.getSubcommands().values().stream().distinct().forEach(c -> collect(c, names));
    }
}
