package dev.plumbline.bench.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.plumbline.engine.model.CompletionBatch;
import dev.plumbline.engine.model.LlamaConfig;
import dev.plumbline.engine.model.LlamaModel;
import dev.plumbline.engine.model.ModelEngine;
import dev.plumbline.engine.model.RopeScaling;
import dev.plumbline.engine.model.ScoredSequence;
import dev.plumbline.engine.model.TokenLogProbs;
import dev.plumbline.engine.model.checkpoint.LocalCheckpoint;
import dev.plumbline.engine.model.generate.GenerationListener;
import dev.plumbline.engine.model.generate.GenerationResult;
import dev.plumbline.engine.model.generate.Generator;
import dev.plumbline.engine.model.tokenizer.ByteTokenizer;
import dev.plumbline.engine.model.train.AdamW;
import dev.plumbline.engine.model.train.Autograd;
import dev.plumbline.engine.model.train.SftEncoder;
import dev.plumbline.engine.model.train.SftExample;
import dev.plumbline.engine.plugin.PluginRegistry;
import dev.plumbline.engine.train.TrainerEvent;
import dev.plumbline.engine.train.TrainerListener;
import dev.plumbline.engine.train.TrainingLoop;
import dev.plumbline.engine.train.TrainingPlanner;
import dev.plumbline.engine.train.TrainingRequest;
import dev.plumbline.engine.train.TrainingResult;
import dev.plumbline.spi.Algorithm;
import dev.plumbline.spi.GenerationSettings;
import dev.plumbline.spi.Judge;
import dev.plumbline.spi.JudgeSample;
import dev.plumbline.spi.LossInput;
import dev.plumbline.spi.LossOutput;
import dev.plumbline.spi.ParameterSpec;
import dev.plumbline.spi.Parameters;
import dev.plumbline.spi.Plugin;
import dev.plumbline.spi.PluginKind;
import dev.plumbline.spi.Provenance;
import dev.plumbline.spi.Verdict;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * DPO and GRPO training steps of the engine's real trainers ({@link TrainingLoop} on a plan from
 * {@link TrainingPlanner}) on a ~10M-parameter Llama, driven line by line from stdin by
 * bench/train/train_bench.py so that every step can be interleaved with the PyTorch run of the same step.
 *
 * <p>At start it writes, under the work directory given as the only argument, the base checkpoint
 * ({@code LocalCheckpoint.save}: the bench/models config, random init, {@link ByteTokenizer}) and the data
 * sets, then prints {@code ready params=<n> dir=<dir>}. Commands:
 *
 * <pre>
 *   run dpo|grpo   start TrainingLoop.run (max_steps large, logging_steps 1); replies "started"
 *     steps N      inside a run: let the trainer take N optimizer steps; replies one JSON line with the wall
 *                  time of each step (from the end of the previous Step event, or of prepare(), to this Step
 *                  event: the listener's own waiting is excluded), the JVM's CPU time over the same interval
 *                  and the logged metrics
 *     end          inside a run: cancel it; replies "end"
 *   phases dpo|grpo N   N steps written with the engine's public pieces, timed phase by phase (JSON line)
 *   quit
 * </pre>
 */
public final class TrainBench {

    // bench/models' ~10M-parameter Llama: 9,998,592 parameters
    static final int VOCAB = 8192;
    static final int HIDDEN = 256;
    static final int INTERMEDIATE = 688;
    static final int LAYERS = 8;
    static final int HEADS = 8;
    static final int KV_HEADS = 4;
    static final int HEAD_DIM = 32;
    static final int MAX_POS = 512;

    // DPO: batch 8 pairs; prompt 64 tokens (BOS + 63 bytes), completions 192 tokens (191 bytes + EOS)
    static final int DPO_PAIRS = 8;
    static final int DPO_PROMPT_CHARS = 63;
    static final int DPO_COMPLETION_CHARS = 191;

    // GRPO: 2 prompts x 8 generations per step; prompt 64 tokens (BOS + 63 bytes), up to 128 new tokens
    static final int GRPO_PROMPTS = 16;
    static final int GRPO_PROMPT_CHARS = 63;
    static final int NUM_GENERATIONS = 8;
    static final int GRPO_BATCH = 16;
    static final int MAX_COMPLETION = 128;

    static final String JUDGE_ID = "bench-letters";

    private final Path dir;
    private final BufferedReader in;
    private final PluginRegistry registry;

    TrainBench(Path dir, BufferedReader in) {
        this.dir = dir;
        this.in = in;
        List<Plugin> plugins = new ArrayList<>(PluginRegistry.discover().list(null));
        plugins.add(new LettersJudge());
        this.registry = PluginRegistry.of(plugins);
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        Files.createDirectories(dir);
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        TrainBench bench = new TrainBench(dir, in);
        long params = bench.setup();
        reply("ready params=" + params + " dir=" + dir);
        String line;
        while ((line = in.readLine()) != null) {
            String[] cmd = line.trim().split("\\s+");
            switch (cmd[0]) {
                case "run" -> bench.run(cmd[1]);
                case "phases" -> reply(bench.phases(cmd[1], Integer.parseInt(cmd[2])));
                case "quit" -> {
                    reply("quit");
                    return;
                }
                default -> reply("? " + line);
            }
        }
    }

    static void reply(String s) {
        System.out.println(s);
        System.out.flush();
    }

    static LlamaConfig config() {
        return new LlamaConfig(VOCAB, HIDDEN, INTERMEDIATE, LAYERS, HEADS, KV_HEADS, HEAD_DIM, MAX_POS, 1e-6, 10000.0,
                RopeScaling.NONE, false, ByteTokenizer.BOS_ID, List.of(ByteTokenizer.EOS_ID), ByteTokenizer.PAD_ID,
                0.02, "float32");
    }

    /** Base checkpoint + data sets; returns the parameter count. */
    long setup() throws IOException {
        long params = 0;
        try (NDManager m = ModelEngine.newManager(); LlamaModel model = LlamaModel.initialize(config(), 1234L, m)) {
            for (NDArray p : model.parameters().values()) {
                params += p.getShape().size();
            }
            LocalCheckpoint.save(dir.resolve("base"), model, new ByteTokenizer());
        }
        Random random = new Random(42);
        List<String> pairs = new ArrayList<>();
        for (int i = 0; i < DPO_PAIRS; i++) {
            pairs.add("{\"prompt\": \"" + text(random, DPO_PROMPT_CHARS) + "\", \"chosen\": \""
                    + text(random, DPO_COMPLETION_CHARS) + "\", \"rejected\": \"" + text(random, DPO_COMPLETION_CHARS)
                    + "\"}");
        }
        Files.write(dir.resolve("dpo.jsonl"), pairs);
        List<String> prompts = new ArrayList<>();
        for (int i = 0; i < GRPO_PROMPTS; i++) {
            prompts.add("{\"prompt\": \"" + text(random, GRPO_PROMPT_CHARS) + "\"}");
        }
        Files.write(dir.resolve("prompts.jsonl"), prompts);
        return params;
    }

    /** Lower-case words: one byte = one token with the ByteTokenizer; JSON-safe. */
    static String text(Random random, int chars) {
        StringBuilder s = new StringBuilder(chars);
        while (s.length() < chars) {
            s.append(s.length() > 0 && random.nextInt(6) == 0 ? ' ' : (char) ('a' + random.nextInt(26)));
        }
        return s.toString();
    }

    Map<String, Object> trainerSettings(String algorithm) {
        Map<String, Object> t = new HashMap<>();
        t.put("max_steps", 100_000);
        t.put("logging_steps", 1);
        t.put("save_steps", 0);
        t.put("lr_scheduler_type", "constant");
        t.put("max_grad_norm", 1.0);
        if (algorithm.equals("dpo")) {
            t.put("per_device_train_batch_size", DPO_PAIRS);
        } else {
            t.put("per_device_train_batch_size", GRPO_BATCH);
            t.put("num_generations", NUM_GENERATIONS);
            t.put("max_completion_length", MAX_COMPLETION);
            t.put("temperature", 1.0);
        }
        return t;
    }

    TrainingRequest request(String algorithm) throws IOException {
        Path out = Files.createTempDirectory(dir, "out-" + algorithm + "-");
        if (algorithm.equals("dpo")) {
            return new TrainingRequest("dpo", Map.of(), dir.resolve("base"), dir.resolve("dpo.jsonl"), null, null,
                    Map.of(), 17, out, trainerSettings(algorithm));
        }
        return new TrainingRequest("grpo", Map.of(), dir.resolve("base"), null, dir.resolve("prompts.jsonl"),
                JUDGE_ID, Map.of(), 17, out, trainerSettings(algorithm));
    }

    /** One TrainingLoop run; the listener hands control to stdin at the start and after every N steps. */
    void run(String algorithm) throws IOException {
        StepListener listener = new StepListener();
        TrainingResult result = TrainingLoop.run(new TrainingPlanner(registry).plan(request(algorithm)), listener,
                () -> listener.cancelled);
        if (listener.failure != null) {
            throw listener.failure;
        }
        reply("end steps=" + result.steps());
    }

    final class StepListener implements TrainerListener {
        volatile boolean cancelled;
        UncheckedIOException failure;
        private int remaining;
        private long start;
        private long startCpu;
        private final List<Double> times = new ArrayList<>();
        private final List<Double> cpu = new ArrayList<>();
        private final List<Map<String, Double>> metrics = new ArrayList<>();
        private final List<String> messages = new ArrayList<>();

        @Override
        public void onEvent(TrainerEvent event) {
            if (event instanceof TrainerEvent.Started) {
                reply("started");
                next();
            } else if (event instanceof TrainerEvent.Message msg) {
                messages.add(msg.text());
                start = System.nanoTime(); // prepare() reports when it is done (cached reference log-probs)
                startCpu = cpuNanos();
            } else if (event instanceof TrainerEvent.Step s) {
                long now = System.nanoTime();
                times.add((now - start) / 1e6);
                cpu.add((cpuNanos() - startCpu) / 1e6);
                metrics.add(s.metrics());
                if (--remaining <= 0) {
                    reply(json(times, cpu, metrics, messages));
                    times.clear();
                    cpu.clear();
                    metrics.clear();
                    messages.clear();
                    next();
                } else {
                    start = System.nanoTime();
                    startCpu = cpuNanos();
                }
            }
        }

        /** Blocks for the driver's next command; restarts the step clock when it returns. */
        private void next() {
            try {
                String line = in.readLine();
                String[] cmd = line == null ? new String[] {"end"} : line.trim().split("\\s+");
                if (cmd[0].equals("steps")) {
                    remaining = Integer.parseInt(cmd[1]);
                } else {
                    cancelled = true;
                }
            } catch (IOException e) {
                failure = new UncheckedIOException(e);
                cancelled = true;
            }
            start = System.nanoTime();
            startCpu = cpuNanos();
        }
    }

    /** CPU time of the whole JVM (all threads), ns: robust to other processes taking the cores. */
    static long cpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
                .getOperatingSystemMXBean()).getProcessCpuTime();
    }

    static String json(List<Double> times, List<Double> cpu, List<Map<String, Double>> metrics,
            List<String> messages) {
        StringBuilder s = new StringBuilder("{\"ms\": ").append(numbers(times)).append(", \"cpu_ms\": ")
                .append(numbers(cpu)).append(", \"metrics\": [");
        for (int i = 0; i < metrics.size(); i++) {
            s.append(i == 0 ? "" : ", ").append('{');
            int k = 0;
            for (Map.Entry<String, Double> e : new java.util.TreeMap<>(metrics.get(i)).entrySet()) {
                if (Double.isFinite(e.getValue())) {
                    s.append(k++ == 0 ? "" : ", ").append('"').append(e.getKey()).append("\": ")
                            .append(e.getValue());
                }
            }
            s.append('}');
        }
        s.append("], \"messages\": [");
        for (int i = 0; i < messages.size(); i++) {
            s.append(i == 0 ? "" : ", ").append('"')
                    .append(messages.get(i).replace("\\", "\\\\").replace("\"", "'")).append('"');
        }
        return s.append("]}").toString();
    }

    static String numbers(List<Double> values) {
        StringBuilder s = new StringBuilder("[");
        for (int i = 0; i < values.size(); i++) {
            s.append(i == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%.3f", values.get(i)));
        }
        return s.append(']').toString();
    }

    // ---------------------------------------------------------------------------------------------------------
    // Phase breakdown: the trainer's step rewritten with the same public engine pieces the trainer uses, with a
    // clock between the phases (every op is synchronous on the CPU, so the boundaries are exact).

    String phases(String algorithm, int n) throws IOException {
        Map<String, List<Double>> t = new LinkedHashMap<>();
        try (NDManager root = ModelEngine.newManager();
                LocalCheckpoint policy = LocalCheckpoint.load(dir.resolve("base"), root)) {
            LlamaModel model = policy.model();
            model.setRequiresGradient(true);
            try (AdamW optimizer = new AdamW(model.parameters(), 0.9, 0.999, 1e-8, 0.0,
                    name -> !LlamaModel.isNormWeight(name), root)) {
                if (algorithm.equals("dpo")) {
                    dpoPhases(policy, optimizer, root, n, t);
                } else {
                    grpoPhases(policy, optimizer, root, n, t);
                }
            } finally {
                model.setRequiresGradient(false);
            }
        }
        StringBuilder s = new StringBuilder("{");
        int k = 0;
        for (Map.Entry<String, List<Double>> e : t.entrySet()) {
            s.append(k++ == 0 ? "" : ", ").append('"').append(e.getKey()).append("\": ").append(numbers(e.getValue()));
        }
        return s.append('}').toString();
    }

    static void add(Map<String, List<Double>> t, String phase, long from, long to) {
        t.computeIfAbsent(phase, x -> new ArrayList<>()).add((to - from) / 1e6);
    }

    private void dpoPhases(LocalCheckpoint policy, AdamW optimizer, NDManager root, int n,
            Map<String, List<Double>> t) throws IOException {
        Algorithm dpo = registry.algorithm("dpo");
        Parameters parameters = Parameters.resolve(dpo.parameters(), Map.of(), "parameters");
        SftEncoder encoder = new SftEncoder(policy.tokenizer(), policy.chatFormat(), true, 1024);
        List<ScoredSequence> sequences = new ArrayList<>();
        List<String[]> rows = new ArrayList<>();
        for (String line : Files.readAllLines(dir.resolve("dpo.jsonl"))) {
            com.google.gson.JsonObject o = com.google.gson.JsonParser.parseString(line).getAsJsonObject();
            rows.add(new String[] {o.get("prompt").getAsString(), o.get("chosen").getAsString(),
                    o.get("rejected").getAsString()});
        }
        for (String[] r : rows) {
            sequences.add(encoder.encode(new SftExample.PromptCompletion("c", r[0], r[1])));
        }
        for (String[] r : rows) {
            sequences.add(encoder.encode(new SftExample.PromptCompletion("r", r[0], r[2])));
        }
        CompletionBatch batch = CompletionBatch.of(sequences, policy.tokenizer().specialTokens().padId());
        int b = rows.size();
        float[] reference;
        try (NDManager m = root.newSubManager(); LlamaModel frozen = policy.model().detached()) {
            reference = TokenLogProbs.of(frozen, batch, m).sum(new int[] {1}).toFloatArray();
        }
        float[] refChosen = java.util.Arrays.copyOfRange(reference, 0, b);
        float[] refRejected = java.util.Arrays.copyOfRange(reference, b, 2 * b);
        for (int i = 0; i < n; i++) {
            long t0 = System.nanoTime();
            long t1;
            long t2;
            long t3;
            long t4;
            try (NDManager m = root.newSubManager(); GradientCollector collector = Autograd.collector()) {
                NDArray logits = policy.model().forward(batch.inputIds(m), batch.attentionMask(m));
                t1 = System.nanoTime();
                NDArray sums = TokenLogProbs.of(logits, batch.targetIds(m), batch.targetMask(m)).sum(new int[] {1});
                Map<String, NDArray> tensors = new HashMap<>();
                tensors.put("policy_chosen_logps", sums.get(new NDIndex("0:" + b)));
                tensors.put("policy_rejected_logps", sums.get(new NDIndex(b + ":")));
                tensors.put("reference_chosen_logps", m.create(refChosen, new Shape(b)));
                tensors.put("reference_rejected_logps", m.create(refRejected, new Shape(b)));
                t2 = System.nanoTime();
                LossOutput out = dpo.loss(new LossInput(parameters, tensors, m));
                NDArray loss = out.loss();
                t3 = System.nanoTime();
                collector.backward(loss);
                loss.stopGradient().toType(DataType.FLOAT64, false).getDouble();
                t4 = System.nanoTime();
            }
            optimizer.clipGradients(1.0);
            long t5 = System.nanoTime();
            optimizer.step(1e-6);
            long t6 = System.nanoTime();
            add(t, "forward (model)", t0, t1);
            add(t, "log-softmax + gather + sums", t1, t2);
            add(t, "loss + metrics", t2, t3);
            add(t, "backward", t3, t4);
            add(t, "clip grad norm", t4, t5);
            add(t, "AdamW step", t5, t6);
            add(t, "total", t0, t6);
        }
    }

    /**
     * GroupRewardTrainer's step (2 prompts x 8 completions, on-policy, beta 0) with a clock between: generation
     * (Generator, KV cache, host-side sampling, decoding), judge, the rollout batch's forward (prompt + completion,
     * lm_head on the completion positions only), log-probs + entropy, the grpo loss, backward, clipping, AdamW.
     * Also times the host-side sampler alone on as many rows of random logits as the generation draws.
     */
    private void grpoPhases(LocalCheckpoint policy, AdamW optimizer, NDManager root, int n,
            Map<String, List<Double>> t) throws IOException {
        Algorithm grpo = registry.algorithm("grpo");
        Judge judge = registry.judge(JUDGE_ID);
        Parameters judgeParameters = Parameters.resolve(judge.parameters(), Map.of(), "judge_parameters");
        List<long[]> prompts = new ArrayList<>();
        for (String line : Files.readAllLines(dir.resolve("prompts.jsonl"))) {
            String text = com.google.gson.JsonParser.parseString(line).getAsJsonObject().get("prompt").getAsString();
            prompts.add(policy.tokenizer().encode(text, true));
        }
        LlamaModel model = policy.model();
        Set<Long> stops = Set.of(ByteTokenizer.EOS_ID);
        long pad = policy.tokenizer().specialTokens().padId();
        for (int i = 0; i < n; i++) {
            List<long[]> rows = new ArrayList<>();
            for (int k = 0; k < GRPO_BATCH; k++) {
                rows.add(prompts.get((2 * i + k / NUM_GENERATIONS) % prompts.size()));
            }
            long t0 = System.nanoTime();
            List<GenerationResult> results = new Generator(model, policy.tokenizer()).generate(rows,
                    new GenerationSettings(1.0, MAX_COMPLETION, 0, 1.0, List.of(), 1000L + i), stops,
                    GenerationListener.NONE);
            long t1 = System.nanoTime();
            List<JudgeSample> samples = new ArrayList<>();
            for (int k = 0; k < results.size(); k++) {
                samples.add(JudgeSample.of("s" + k, "", results.get(k).text()));
            }
            List<Verdict> verdicts = judge.score(samples, judgeParameters);
            float[] rewards = new float[verdicts.size()];
            for (int k = 0; k < rewards.length; k++) {
                rewards[k] = verdicts.get(k).values().get("score").floatValue();
            }
            long t2 = System.nanoTime();
            // TRL's rollout layout: prompts (all 64 tokens here) then completions right-padded to C
            int p = rows.get(0).length;
            int c = 1;
            for (GenerationResult r : results) {
                c = Math.max(c, r.tokenIds().length);
            }
            int b = rows.size();
            long[] ids = new long[b * (p + c)];
            long[] attention = new long[b * (p + c)];
            long[] targets = new long[b * c];
            float[] mask = new float[b * c];
            java.util.Arrays.fill(ids, pad);
            java.util.Arrays.fill(targets, pad);
            for (int r = 0; r < b; r++) {
                System.arraycopy(rows.get(r), 0, ids, r * (p + c), p);
                java.util.Arrays.fill(attention, r * (p + c), r * (p + c) + p, 1L);
                long[] done = results.get(r).tokenIds();
                for (int k = 0; k < done.length; k++) {
                    ids[r * (p + c) + p + k] = done[k];
                    attention[r * (p + c) + p + k] = 1;
                    targets[r * c + k] = done[k];
                    mask[r * c + k] = 1f;
                }
            }
            long t3;
            long t4;
            long t5;
            long t6;
            try (NDManager m = root.newSubManager(); GradientCollector collector = Autograd.collector()) {
                NDArray input = m.create(ids, new Shape(b, p + c));
                NDArray attentionMask = m.create(attention, new Shape(b, p + c));
                NDArray hidden = model.hiddenStates(input, attentionMask, LlamaModel.positionIds(attentionMask), null);
                NDArray logits = model.logits(hidden.get(new NDIndex().addAllDim().addSliceDim(p - 1, p - 1 + c)));
                t3 = System.nanoTime();
                NDArray maskArray = m.create(mask, new Shape(b, c));
                NDArray logps = TokenLogProbs.of(logits, m.create(targets, new Shape(b, c)), maskArray);
                NDArray logp = logits.logSoftmax(2);
                NDArray entropy = logp.exp().mul(logp).sum(new int[] {2}).neg();
                t4 = System.nanoTime();
                long tokens = 0;
                for (float f : mask) {
                    tokens += (long) f;
                }
                Parameters parameters = Parameters.resolve(grpo.parameters(), Map.of("num_generations",
                        (long) NUM_GENERATIONS, "gradient_accumulation_steps", 1L, "num_items_in_batch", tokens,
                        "num_processes", 1L, "max_completion_length", (long) MAX_COMPLETION), "parameters");
                Map<String, NDArray> tensors = new HashMap<>();
                tensors.put("logps", logps);
                tensors.put("mask", maskArray);
                tensors.put("rewards", m.create(rewards));
                tensors.put("entropy", entropy.stopGradient());
                LossOutput out = grpo.loss(new LossInput(parameters, tensors, m));
                t5 = System.nanoTime();
                collector.backward(out.loss());
                out.loss().stopGradient().toType(DataType.FLOAT64, false).getDouble();
                t6 = System.nanoTime();
            }
            optimizer.clipGradients(1.0);
            long t7 = System.nanoTime();
            optimizer.step(1e-6);
            long t8 = System.nanoTime();
            add(t, "generation", t0, t1);
            add(t, "judge", t1, t2);
            add(t, "forward (model)", t2, t3);
            add(t, "log-probs + entropy", t3, t4);
            add(t, "loss + metrics", t4, t5);
            add(t, "backward", t5, t6);
            add(t, "clip grad norm", t6, t7);
            add(t, "AdamW step", t7, t8);
            add(t, "update (forward .. AdamW)", t2, t8);
            add(t, "total", t0, t8);
            int generated = 0;
            for (GenerationResult r : results) {
                generated += r.tokenIds().length;
            }
            t.computeIfAbsent("tokens", x -> new ArrayList<>()).add((double) (b * p + generated));
            // the sampler alone: one draw per generated token from a random row of logits, on the host
            dev.plumbline.engine.model.generate.Sampler sampler = new dev.plumbline.engine.model.generate.Sampler(
                    new GenerationSettings(1.0, MAX_COMPLETION, 0, 1.0, List.of(), 1L));
            float[] row = new float[VOCAB];
            java.util.SplittableRandom random = new java.util.SplittableRandom(i);
            for (int v = 0; v < VOCAB; v++) {
                row[v] = (float) (random.nextGaussian() * 0.5);
            }
            long s0 = System.nanoTime();
            long sink = 0;
            for (int k = 0; k < generated; k++) {
                sink += sampler.sample(row, 0, VOCAB, random);
            }
            add(t, "host sampler alone (est.)", s0, System.nanoTime() + (sink < 0 ? 1 : 0));
        }
    }

    /** Reward = share of lower-case ASCII letters in the decoded response (0 when empty): trivially cheap. */
    static final class LettersJudge implements Judge {
        static final Provenance PROVENANCE = new Provenance(JUDGE_ID, "1", "", "");

        @Override
        public String id() {
            return JUDGE_ID;
        }

        @Override
        public String description() {
            return "benchmark judge: share of lower-case letters";
        }

        @Override
        public List<ParameterSpec> parameters() {
            return List.of();
        }

        @Override
        public List<Verdict> score(List<JudgeSample> samples, Parameters parameters) {
            List<Verdict> out = new ArrayList<>(samples.size());
            for (JudgeSample s : samples) {
                out.add(Verdict.valid(s.id(), Map.of("score", letters(s.response())), "", PROVENANCE));
            }
            return out;
        }
    }

    static double letters(String text) {
        if (text.isEmpty()) {
            return 0.0;
        }
        int n = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            n += c >= 'a' && c <= 'z' ? 1 : 0;
        }
        return (double) n / text.length();
    }
}
