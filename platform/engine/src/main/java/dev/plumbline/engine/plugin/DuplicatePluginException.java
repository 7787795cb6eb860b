package dev.plumbline.engine.plugin;

/** Two plugins claim one id: a startup error naming both classes. */
public final class DuplicatePluginException extends IllegalStateException {

    public DuplicatePluginException(String id, Class<?> first, Class<?> second) {
        super("Duplicate plugin id '" + id + "': " + first.getName() + " and " + second.getName()
                + " both declare it; remove one of them from the classpath");
    }
}
