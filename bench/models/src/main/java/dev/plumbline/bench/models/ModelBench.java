package dev.plumbline.bench.models;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.plumbline.engine.model.LlamaConfig;
import dev.plumbline.engine.model.LlamaModel;
import dev.plumbline.engine.model.ModelEngine;
import dev.plumbline.engine.model.RopeScaling;
import dev.plumbline.engine.model.TokenLogProbs;
import dev.plumbline.engine.model.generate.GenerationListener;
import dev.plumbline.engine.model.generate.GenerationResult;
import dev.plumbline.engine.model.generate.Generator;
import dev.plumbline.engine.model.train.AdamW;
import dev.plumbline.engine.model.train.Autograd;
import dev.plumbline.spi.GenerationSettings;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;

/**
 * A ~10M-parameter Llama in the engine, driven line by line from stdin by bench/models/model_bench.py so that it
 * can be interleaved with the PyTorch run of the same model:
 *
 * <pre>
 *   train N        N timed training steps (forward + mean cross-entropy over all tokens + backward + AdamW)
 *   gen B N        N timed greedy generations, batch B, 32-token prompt, 128 new tokens, KV cache
 *   mem            VmHWM / VmRSS (kB) and JVM heap used / committed (bytes)
 *   quit
 * </pre>
 *
 * Every reply is one line: the command name followed by the per-call wall times in milliseconds.
 */
public final class ModelBench {

    static final int VOCAB = 8192;
    static final int HIDDEN = 256;
    static final int INTERMEDIATE = 688;
    static final int LAYERS = 8;
    static final int HEADS = 8;
    static final int KV_HEADS = 4;
    static final int HEAD_DIM = 32;
    static final int MAX_POS = 512;
    static final int BATCH = 8;
    static final int SEQ = 256;
    static final int PROMPT = 32;
    static final int NEW_TOKENS = 128;

    public static void main(String[] args) throws Exception {
        LlamaConfig config = new LlamaConfig(VOCAB, HIDDEN, INTERMEDIATE, LAYERS, HEADS, KV_HEADS, HEAD_DIM, MAX_POS,
                1e-6, 10000.0, RopeScaling.NONE, false, 1L, List.of(2L), 0L, 0.02, "float32");
        try (NDManager root = ModelEngine.newManager()) {
            LlamaModel model = LlamaModel.initialize(config, 1234L, root);
            long params = 0;
            for (NDArray p : model.parameters().values()) {
                params += p.getShape().size();
            }
            Random random = new Random(42);
            long[] tokens = new long[BATCH * (SEQ + 1)];
            for (int i = 0; i < tokens.length; i++) {
                tokens[i] = random.nextInt(VOCAB);
            }
            long[] inputs = new long[BATCH * SEQ];
            long[] targets = new long[BATCH * SEQ];
            for (int b = 0; b < BATCH; b++) {
                System.arraycopy(tokens, b * (SEQ + 1), inputs, b * SEQ, SEQ);
                System.arraycopy(tokens, b * (SEQ + 1) + 1, targets, b * SEQ, SEQ);
            }
            List<long[]> prompts = new ArrayList<>();
            for (int b = 0; b < BATCH; b++) {
                long[] p = new long[PROMPT];
                for (int i = 0; i < PROMPT; i++) {
                    p[i] = random.nextInt(VOCAB);
                }
                prompts.add(p);
            }

            System.out.println("ready params=" + params);
            System.out.flush();
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            AdamW optimizer = null;
            String line;
            while ((line = in.readLine()) != null) {
                String[] cmd = line.trim().split("\\s+");
                StringBuilder out = new StringBuilder(cmd[0]);
                switch (cmd[0]) {
                    case "train" -> {
                        if (optimizer == null) {
                            model.setRequiresGradient(true);
                            optimizer = new AdamW(model.parameters(), 0.9, 0.999, 1e-8, 0.01,
                                    name -> !LlamaModel.isNormWeight(name), root);
                        }
                        int n = Integer.parseInt(cmd[1]);
                        for (int i = 0; i < n; i++) {
                            long t0 = System.nanoTime();
                            float loss = trainStep(model, optimizer, inputs, targets);
                            out.append(' ').append((System.nanoTime() - t0) / 1e6);
                            if (!Float.isFinite(loss)) {
                                throw new IllegalStateException("loss " + loss);
                            }
                        }
                    }
                    case "gen" -> {
                        int batch = Integer.parseInt(cmd[1]);
                        int n = Integer.parseInt(cmd[2]);
                        Generator generator = new Generator(model, null);
                        for (int i = 0; i < n; i++) {
                            long t0 = System.nanoTime();
                            List<GenerationResult> results = generator.generate(prompts.subList(0, batch),
                                    GenerationSettings.greedy(NEW_TOKENS), Set.of(), GenerationListener.NONE);
                            out.append(' ').append((System.nanoTime() - t0) / 1e6);
                            if (results.size() != batch) {
                                throw new IllegalStateException("rows " + results.size());
                            }
                        }
                    }
                    case "mem" -> {
                        Runtime rt = Runtime.getRuntime();
                        out.append(' ').append(status("VmHWM")).append(' ').append(status("VmRSS"))
                                .append(' ').append(rt.totalMemory() - rt.freeMemory()).append(' ')
                                .append(rt.totalMemory());
                    }
                    case "quit" -> {
                        System.out.println("quit");
                        return;
                    }
                    default -> out.append(" ?");
                }
                System.out.println(out);
                System.out.flush();
            }
        }
    }

    /** forward + mean token cross-entropy + backward + AdamW step (which also zeroes the gradients). */
    static float trainStep(LlamaModel model, AdamW optimizer, long[] inputs, long[] targets) {
        float loss;
        try (NDManager m = model.manager().newSubManager(); GradientCollector collector = Autograd.collector()) {
            NDArray inputIds = m.create(inputs, new Shape(BATCH, SEQ));
            NDArray targetIds = m.create(targets, new Shape(BATCH, SEQ));
            NDArray mask = m.ones(new Shape(BATCH, SEQ));
            NDArray logits = model.forward(inputIds, mask);
            NDArray nll = TokenLogProbs.of(logits, targetIds, null).mean().neg();
            collector.backward(nll);
            loss = nll.getFloat();
        }
        optimizer.step(1e-4);
        return loss;
    }

    static long status(String key) throws Exception {
        for (String l : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (l.startsWith(key + ":")) {
                return Long.parseLong(l.substring(key.length() + 1).replace("kB", "").trim());
            }
        }
        return -1;
    }
}
