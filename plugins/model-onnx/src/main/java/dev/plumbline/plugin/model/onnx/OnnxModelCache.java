package dev.plumbline.plugin.model.onnx;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Loaded models shared by every {@link OnnxLanguageModel} in the process: one ONNX Runtime session
 * per model directory (and settings), counted by its open handles and closed with the last one. A
 * directory whose files changed (size, modification time) is loaded afresh on the next open; handles
 * on the old load keep using it until they close.
 */
final class OnnxModelCache {

    static final OnnxModelCache SHARED = new OnnxModelCache();

    private static final List<String> FILES = List.of(DecoderGraph.FILE, DecoderGraph.FILE + "_data",
            DecoderConfig.FILE, TextTokenizer.FILE, TokenizerSettings.FILE);

    private record Key(Path dir, ProviderSettings settings) {}

    /** One load of a directory and the number of handles using it. */
    static final class Lease {
        private final Key key;
        private final List<String> stamps;
        private final OnnxCausalLm model;
        private int handles;

        private Lease(Key key, List<String> stamps, OnnxCausalLm model) {
            this.key = key;
            this.stamps = stamps;
            this.model = model;
        }

        OnnxCausalLm model() {
            return model;
        }
    }

    private final Map<Key, Lease> loaded = new HashMap<>();

    /**
     * The loaded model for {@code realDir}, loading it when needed; pair with {@link #release}. Loads
     * under the lock so that concurrent opens of one directory load it once; opens are rare (the
     * server keeps models open).
     */
    synchronized Lease acquire(Path realDir, ProviderSettings settings) {
        Key key = new Key(realDir, settings);
        List<String> stamps = stamps(realDir);
        Lease lease = loaded.get(key);
        if (lease == null || !lease.stamps.equals(stamps)) {
            lease = new Lease(key, stamps, OnnxCausalLm.load(realDir, settings));
            loaded.put(key, lease);
        }
        lease.handles++;
        return lease;
    }

    synchronized void release(Lease lease) {
        if (--lease.handles == 0) {
            loaded.remove(lease.key, lease);
            lease.model.close();
        }
    }

    /** Handles open on the current load of {@code realDir} (any settings); for tests and diagnostics. */
    synchronized int openHandles(Path realDir) {
        int n = 0;
        for (Lease lease : loaded.values()) {
            n += lease.key.dir.equals(realDir) ? lease.handles : 0;
        }
        return n;
    }

    private static List<String> stamps(Path dir) {
        List<String> stamps = new ArrayList<>(FILES.size());
        for (String name : FILES) {
            try {
                BasicFileAttributes a = Files.readAttributes(dir.resolve(name), BasicFileAttributes.class);
                stamps.add(name + ':' + a.size() + ':' + a.lastModifiedTime() + ':' + a.fileKey());
            } catch (IOException e) {
                stamps.add(name + ":absent");
            }
        }
        return stamps;
    }
}
