package dev.plumbline.server.cli;

import dev.plumbline.spi.InvalidInputException;
import picocli.CommandLine;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.ParseResult;

/** A user mistake on the command line prints one clear line and exits 2; anything else keeps its stack trace. */
public class CliErrors implements IExecutionExceptionHandler {

    @Override
    public int handleExecutionException(Exception e, CommandLine cmd, ParseResult parsed) throws Exception {
        if (e instanceof InvalidInputException iie) {
            cmd.getErr().println(cmd.getColorScheme().errorText("plumbline: " + iie.getMessage()));
            return 2;
        }
        throw e;
    }
}
