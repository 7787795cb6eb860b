package dev.plumbline.server.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.plumbline.engine.plugin.PluginRegistry;
import dev.plumbline.spi.Algorithm;
import dev.plumbline.spi.ParameterSpec;
import dev.plumbline.spi.Plugin;
import dev.plumbline.spi.PluginKind;
import jakarta.inject.Inject;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "plugins", mixinStandardHelpOptions = true,
        description = "List the algorithms, judges and model providers this installation has, with their parameters.")
public class PluginsCommand implements Callable<Integer> {

    enum Kind { algorithm, judge, model_provider }

    @Option(names = "--kind", description = "Only this kind: ${COMPLETION-CANDIDATES}.")
    Kind kind;

    @Option(names = "--json", description = "Machine-readable output.")
    boolean json;

    @Option(names = {"-v", "--verbose"}, description = "Show every parameter with its default, range and doc.")
    boolean verbose;

    @Inject
    PluginRegistry registry;

    @Inject
    ObjectMapper mapper;

    @Override
    public Integer call() throws Exception {
        List<Plugin> plugins = registry.list(kind == null ? null : PluginKind.valueOf(kind.name().toUpperCase(Locale.ROOT)));
        if (json) {
            List<Map<String, Object>> out = plugins.stream().map(PluginsCommand::describe).toList();
            System.out.println(mapper.copy().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(out));
            return 0;
        }
        if (plugins.isEmpty()) {
            System.out.println("No plugins found.");
            return 0;
        }
        System.out.printf("%-16s %-15s %s%n", "ID", "KIND", "DESCRIPTION");
        for (Plugin p : plugins) {
            System.out.printf("%-16s %-15s %s%n", p.id(), p.kind().name().toLowerCase(Locale.ROOT), p.description());
            if (verbose) {
                for (ParameterSpec s : p.parameters()) {
                    System.out.printf("    --%s %s (default %s%s)  %s%n", s.name(), s.type().name().toLowerCase(Locale.ROOT),
                            s.defaultValue(), range(s), s.doc());
                }
            }
        }
        return 0;
    }

    private static String range(ParameterSpec s) {
        if (!s.allowedValues().isEmpty()) {
            return "; one of " + String.join("|", s.allowedValues());
        }
        if (s.minimum() == null && s.maximum() == null) {
            return "";
        }
        return "; range [" + (s.minimum() == null ? "-inf" : s.minimum()) + ", "
                + (s.maximum() == null ? "inf" : s.maximum()) + "]";
    }

    private static Map<String, Object> describe(Plugin p) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", p.id());
        m.put("kind", p.kind().name().toLowerCase(Locale.ROOT));
        m.put("description", p.description());
        m.put("version", p.version());
        m.put("parameters", p.parameters());
        if (p instanceof Algorithm a) {
            m.put("tensors", a.tensors());
        }
        return m;
    }
}
