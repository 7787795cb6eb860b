package dev.plumbline.engine.plugin;

import dev.plumbline.engine.judge.EnsembleJudge;
import dev.plumbline.spi.Algorithm;
import dev.plumbline.spi.InvalidInputException;
import dev.plumbline.spi.Judge;
import dev.plumbline.spi.ModelProvider;
import dev.plumbline.spi.Plugin;
import dev.plumbline.spi.PluginKind;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Pattern;

/**
 * Every plugin on the classpath, discovered with {@link ServiceLoader}. Ids are unique across
 * kinds, so an id alone names a plugin in the API and on the command line.
 */
public final class PluginRegistry {

    private static final Pattern KEBAB_CASE = Pattern.compile("[a-z0-9]+(-[a-z0-9]+)*");

    private final Map<String, Plugin> byId;

    private PluginRegistry(Map<String, Plugin> byId) {
        this.byId = byId;
    }

    /** Discovers plugins visible to {@code loader}, plus the built-in {@code ensemble} judge. */
    public static PluginRegistry discover(ClassLoader loader) {
        List<Plugin> found = new ArrayList<>();
        ServiceLoader.load(Algorithm.class, loader).forEach(found::add);
        ServiceLoader.load(Judge.class, loader).forEach(found::add);
        ServiceLoader.load(ModelProvider.class, loader).forEach(found::add);
        AtomicReference<PluginRegistry> self = new AtomicReference<>();
        found.add(new EnsembleJudge(id -> self.get().judge(id)));
        self.set(of(found));
        return self.get();
    }

    public static PluginRegistry discover() {
        return discover(Thread.currentThread().getContextClassLoader());
    }

    /** A registry of exactly these plugins. */
    public static PluginRegistry of(List<? extends Plugin> plugins) {
        Map<String, Plugin> byId = new LinkedHashMap<>();
        for (Plugin p : plugins) {
            if (p.id() == null || !KEBAB_CASE.matcher(p.id()).matches()) {
                throw new IllegalStateException("Plugin " + p.getClass().getName()
                        + " has id '" + p.id() + "'; ids are kebab-case (a-z, 0-9, '-')");
            }
            Plugin previous = byId.putIfAbsent(p.id(), p);
            if (previous != null) {
                throw new DuplicatePluginException(p.id(), previous.getClass(), p.getClass());
            }
        }
        return new PluginRegistry(byId);
    }

    /** All plugins, sorted by kind then id; {@code kind == null} lists every kind. */
    public List<Plugin> list(PluginKind kind) {
        return byId.values().stream()
                .filter(p -> kind == null || p.kind() == kind)
                .sorted(Comparator.comparing(Plugin::kind).thenComparing(Plugin::id))
                .toList();
    }

    public Optional<Plugin> find(String id) {
        return Optional.ofNullable(byId.get(id));
    }

    public Algorithm algorithm(String id) {
        return require(id, Algorithm.class, "algorithm");
    }

    public Judge judge(String id) {
        return require(id, Judge.class, "judge");
    }

    public ModelProvider modelProvider(String id) {
        return require(id, ModelProvider.class, "provider");
    }

    private <T extends Plugin> T require(String id, Class<T> type, String field) {
        Plugin p = byId.get(id);
        if (type.isInstance(p)) {
            return type.cast(p);
        }
        List<String> known = byId.values().stream().filter(type::isInstance).map(Plugin::id).sorted().toList();
        throw new InvalidInputException(field, (id == null || id.isEmpty() ? "no " + field + " given"
                : "unknown " + field + " '" + id + "'") + "; known: " + (known.isEmpty() ? "none" : String.join(", ", known)));
    }
}
