package dev.plumbline.server.plugin;

import dev.plumbline.engine.plugin.PluginRegistry;
import io.quarkus.logging.Log;
import io.quarkus.runtime.Startup;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/** Exposes the ServiceLoader registry as a CDI bean; discovery runs at startup so a duplicate id stops the server. */
public class PluginRegistryProducer {

    @Produces
    @Singleton
    @Startup
    PluginRegistry registry() {
        PluginRegistry registry = PluginRegistry.discover(PluginRegistryProducer.class.getClassLoader());
        Log.infof("Plumbline plugins: %s", registry.list(null).stream().map(p -> p.id()).toList());
        return registry;
    }
}
