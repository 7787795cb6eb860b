package dev.plumbline.server.model;

import dev.plumbline.engine.plugin.PluginRegistry;
import dev.plumbline.server.config.PlumblineConfig;
import dev.plumbline.spi.InvalidInputException;
import dev.plumbline.spi.LanguageModel;
import dev.plumbline.spi.ModelDescriptor;
import dev.plumbline.spi.ModelProvider;
import dev.plumbline.spi.Plugin;
import dev.plumbline.spi.PluginKind;
import dev.plumbline.spi.ProviderContext;
import io.quarkus.logging.Log;
import io.quarkus.runtime.ShutdownEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import org.eclipse.microprofile.config.Config;

/**
 * Every model the model-provider plugins offer, addressed by id; opened models are kept open and
 * shared. A model id is what its provider lists, or {@code <provider>:<id>} to pick a provider
 * explicitly when two list the same id.
 */
@ApplicationScoped
public class ModelCatalog {

    private final PluginRegistry registry;
    private final PlumblineConfig plumbline;
    private final Config config;
    private final Map<String, LanguageModel> open = new ConcurrentHashMap<>();

    public ModelCatalog(PluginRegistry registry, PlumblineConfig plumbline, Config config) {
        this.registry = registry;
        this.plumbline = plumbline;
        this.config = config;
    }

    /** Models of every provider (or only {@code provider}), each provider's in its own order. */
    public List<ModelDescriptor> list(String provider) {
        List<ModelDescriptor> out = new ArrayList<>();
        for (ModelProvider p : providers(provider)) {
            try {
                out.addAll(p.listModels(context(p)));
            } catch (RuntimeException e) {
                Log.warnf("Model provider %s could not list its models: %s", p.id(), e.getMessage());
            }
        }
        return out;
    }

    /** The opened model; unknown ids throw {@link InvalidInputException} on {@code field}. */
    public LanguageModel get(String modelId, String field) {
        if (modelId == null || modelId.isBlank()) {
            throw new InvalidInputException(field, "is required");
        }
        LanguageModel m = open.get(modelId);
        if (m != null) {
            return m;
        }
        synchronized (this) {
            m = open.get(modelId);
            if (m == null) {
                m = resolve(modelId, field);
                open.put(modelId, m);
            }
            return m;
        }
    }

    private LanguageModel resolve(String modelId, String field) {
        int colon = modelId.indexOf(':');
        if (colon > 0 && registry.find(modelId.substring(0, colon)).map(p -> p instanceof ModelProvider).orElse(false)) {
            ModelProvider p = registry.modelProvider(modelId.substring(0, colon));
            return p.open(modelId.substring(colon + 1), context(p));
        }
        List<ModelProvider> owners = new ArrayList<>();
        for (ModelProvider p : providers(null)) {
            try {
                if (p.listModels(context(p)).stream().anyMatch(d -> d.id().equals(modelId))) {
                    owners.add(p);
                }
            } catch (RuntimeException e) {
                Log.warnf("Model provider %s could not list its models: %s", p.id(), e.getMessage());
            }
        }
        if (owners.isEmpty()) {
            List<String> known = list(null).stream().map(ModelDescriptor::id).toList();
            throw new ModelNotFoundException(field, "no model '" + modelId + "'; available: "
                    + (known.isEmpty() ? "none" : String.join(", ", known)));
        }
        if (owners.size() > 1) {
            throw new InvalidInputException(field, "model '" + modelId + "' is offered by "
                    + owners.stream().map(Plugin::id).toList() + "; name one as '<provider>:" + modelId + "'");
        }
        return owners.get(0).open(modelId, context(owners.get(0)));
    }

    private List<ModelProvider> providers(String only) {
        return registry.list(PluginKind.MODEL_PROVIDER).stream()
                .filter(p -> only == null || only.isEmpty() || p.id().equals(only))
                .map(p -> (ModelProvider) p).toList();
    }

    /** {@code plumbline.providers.<id>.<key>} settings become the provider's settings map. */
    ProviderContext context(ModelProvider p) {
        return new ProviderContext(plumbline.dataDir().resolve("models"),
                providerSettings(p.id(), config.getPropertyNames(), name -> config.getOptionalValue(name, String.class)));
    }

    /**
     * The settings of provider {@code id}: keys {@code plumbline.providers.<id>.<key>}, and the
     * environment form {@code PLUMBLINE_PROVIDERS_<ID>_<KEY>} (upper case, '-' and '.' as '_'),
     * whose key is read back in kebab-case ({@code BASE_URL} → {@code base-url}). Dotted keys win.
     */
    static Map<String, String> providerSettings(String id, Iterable<String> names,
            java.util.function.Function<String, java.util.Optional<String>> lookup) {
        String dotted = "plumbline.providers." + id + ".";
        String env = "PLUMBLINE_PROVIDERS_" + id.toUpperCase(java.util.Locale.ROOT).replace('-', '_') + "_";
        Map<String, String> fromEnv = new TreeMap<>();
        Map<String, String> settings = new TreeMap<>();
        for (String name : names) {
            if (name.startsWith(dotted)) {
                lookup.apply(name).ifPresent(v -> settings.put(name.substring(dotted.length()), v));
            } else if (name.startsWith(env) && name.length() > env.length()) {
                String key = name.substring(env.length()).toLowerCase(java.util.Locale.ROOT).replace('_', '-');
                lookup.apply(name).ifPresent(v -> fromEnv.put(key, v));
            }
        }
        fromEnv.forEach(settings::putIfAbsent);
        return settings;
    }

    void close(@Observes ShutdownEvent event) {
        open.values().forEach(m -> {
            try {
                m.close();
            } catch (RuntimeException e) {
                Log.debugf("closing a model: %s", e.getMessage());
            }
        });
        open.clear();
    }
}
