package dev.plumbline.engine.model.generate;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import dev.plumbline.engine.model.KvCache;
import dev.plumbline.engine.model.LlamaModel;
import dev.plumbline.engine.model.tokenizer.Tokenizer;
import dev.plumbline.spi.GenerationSettings;
import dev.plumbline.spi.InvalidInputException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Autoregressive generation for a batch of prompts of different lengths.
 *
 * <p>Prompts are left-padded into one batch; each row's rotary positions count only its real
 * tokens, so a row generates exactly what it would alone. With the KV cache (the default) the
 * prompt is processed once and each step feeds one token per row; without it every step reruns the
 * whole sequence (kept as the reference the cache is tested against). Each step's arrays live in a
 * step manager that is closed after the step; the only device-to-host copy per step is the last
 * position's logits, which sampling needs.
 *
 * <p>Sampling is seeded per row: row {@code r} draws from {@code SplittableRandom(seed + r)}, so a
 * batch produces what one-by-one calls with seeds {@code seed, seed+1, ...} produce. Without a seed a
 * fresh one is drawn. {@link #generate(List, GenerationSettings, long[], Set, GenerationListener)}
 * takes one seed per row instead, so rows from independent requests batch together and each samples
 * exactly what it would alone.
 *
 * <p>Thread-safe as long as the model's weights do not change during a call. When the model's
 * weights record gradients (training), generation runs on a {@link LlamaModel#detached()} view.
 *
 * <p>{@link #geometricMixture} samples from the geometric mixture of the model and a reference model
 * instead (Nash-MD's {@code y'}): each step's logits are
 * {@code log_softmax(mixture_coef * z_ref + (1 - mixture_coef) * z_model)}, TRL's
 * {@code GeometricMixtureWrapper.forward}; temperature, top-k and top-p then apply to them as
 * {@code generate()} applies them to any model's logits, and the returned log-probs are those of the
 * (untempered) mixture.
 */
public final class Generator {

    private final LlamaModel model;
    private final Tokenizer tokenizer;
    private final boolean useCache;
    private final LlamaModel reference;
    private final double mixtureCoef;

    public Generator(LlamaModel model, Tokenizer tokenizer) {
        this(model, tokenizer, true, null, 0.0);
    }

    private Generator(LlamaModel model, Tokenizer tokenizer, boolean useCache, LlamaModel reference,
            double mixtureCoef) {
        this.model = model;
        this.tokenizer = tokenizer;
        this.useCache = useCache;
        this.reference = reference;
        this.mixtureCoef = mixtureCoef;
    }

    /** The same generator recomputing the full sequence each step (slow; a reference for tests). */
    public Generator withoutCache() {
        return new Generator(model, tokenizer, false, reference, mixtureCoef);
    }

    /**
     * A generator sampling from the geometric mixture {@code pi^(1-a) pi_ref^a} of this generator's
     * model and {@code reference} (TRL's {@code GeometricMixtureWrapper}): logits
     * {@code log_softmax(a * z_ref + (1 - a) * z_model)}. The coefficient multiplies the reference
     * logits (TRL #1853). Both models must share the vocabulary and context length.
     *
     * @param mixtureCoef {@code a} in [0, 1]
     */
    public Generator geometricMixture(LlamaModel reference, double mixtureCoef) {
        if (!(mixtureCoef >= 0.0 && mixtureCoef <= 1.0)) {
            throw new IllegalArgumentException("mixture coefficient must be in [0, 1], got " + mixtureCoef);
        }
        if (reference.config().vocabSize() != model.config().vocabSize()
                || reference.config().maxPositionEmbeddings() != model.config().maxPositionEmbeddings()) {
            throw new IllegalArgumentException("the reference model's vocabulary or context differs from the model's");
        }
        return new Generator(model, tokenizer, useCache, reference, mixtureCoef);
    }

    /**
     * @param prompts token ids per row, each non-empty
     * @param stopTokenIds ids that end a row (EOS, end of turn); kept as the row's last id
     * @param listener receives each row's final text as it is produced
     * @throws InvalidInputException for bad settings or a prompt that leaves no room in the context
     */
    public List<GenerationResult> generate(List<long[]> prompts, GenerationSettings settings, Set<Long> stopTokenIds,
            GenerationListener listener) {
        return generate(prompts, settings, null, stopTokenIds, listener);
    }

    /**
     * {@link #generate(List, GenerationSettings, Set, GenerationListener)} with one seed per row: row
     * {@code r} samples from {@code SplittableRandom(seeds[r])}, the very stream a one-row call whose
     * settings carry seed {@code seeds[r]} uses, so a row's sample does not depend on its position or
     * on the other rows of the batch (dynamic batching of independent requests relies on this).
     * {@code settings.seed()} is ignored.
     *
     * @param seeds one per prompt; {@code null} = {@code settings.seed() + r} (a fresh base seed when
     *     that is null), as the overload without seeds
     * @throws IllegalArgumentException when {@code seeds} does not have one entry per prompt
     */
    public List<GenerationResult> generate(List<long[]> prompts, GenerationSettings settings, long[] seeds,
            Set<Long> stopTokenIds, GenerationListener listener) {
        Sampler sampler = new Sampler(settings);
        if (tokenizer == null && !settings.stop().isEmpty()) {
            throw new IllegalArgumentException("stop sequences need a tokenizer to decode the text");
        }
        int rows = prompts.size();
        if (seeds != null && seeds.length != rows) {
            throw new IllegalArgumentException(seeds.length + " seeds for " + rows + " prompts");
        }
        if (rows == 0) {
            return List.of();
        }
        int context = model.config().maxPositionEmbeddings();
        int vocab = model.config().vocabSize();
        int width = 0;
        int[] promptLength = new int[rows];
        int[] budget = new int[rows];
        int steps = 0;
        for (int r = 0; r < rows; r++) {
            long[] p = prompts.get(r);
            String field = rows == 1 ? "prompt" : "prompts[" + r + "]";
            if (p.length == 0) {
                throw new InvalidInputException(field, "is empty");
            }
            if (p.length >= context) {
                throw new InvalidInputException(field, "is " + p.length + " tokens; the model's context is "
                        + context + " tokens, which leaves no room to generate");
            }
            for (long id : p) {
                if (id < 0 || id >= vocab) {
                    throw new InvalidInputException(field, "token id " + id + " is outside the vocabulary [0, "
                            + vocab + ")");
                }
            }
            promptLength[r] = p.length;
            budget[r] = Math.min(settings.maxNewTokens(), context - p.length);
            width = Math.max(width, p.length);
            steps = Math.max(steps, budget[r]);
        }
        long baseSeed = seeds != null ? 0L
                : settings.seed() != null ? settings.seed() : ThreadLocalRandom.current().nextLong();
        Row[] state = new Row[rows];
        for (int r = 0; r < rows; r++) {
            state[r] = new Row(new SplittableRandom(seeds != null ? seeds[r] : baseSeed + r), budget[r],
                    tokenizer == null ? null : new StopSequenceTracker(tokenizer, settings.stop()));
        }
        boolean detach = recordsGradients(model);
        LlamaModel runner = detach ? model.detached() : model;
        boolean detachReference = reference != null && recordsGradients(reference);
        LlamaModel referenceRunner = detachReference ? reference.detached() : reference;
        try (NDManager call = runner.manager().newSubManager()) {
            Decoder decoder = decoder(runner, call, prompts, width, steps);
            if (referenceRunner != null) {
                decoder = new MixtureDecoder(decoder, decoder(referenceRunner, call, prompts, width, steps),
                        mixtureCoef, rows, vocab);
            }
            for (int step = 0; step < steps; step++) {
                float[] logits = decoder.next(lastTokens(state, prompts));
                boolean running = false;
                for (int r = 0; r < rows; r++) {
                    Row row = state[r];
                    if (row.finish != null) {
                        continue;
                    }
                    int token = sampler.sample(logits, r * vocab, vocab, row.random);
                    row.add(token, Sampler.logProb(logits, r * vocab, vocab, token));
                    if (stopTokenIds.contains((long) token)) {
                        row.finish = FinishReason.STOP_TOKEN;
                    } else if (row.tracker != null && row.tracker.update(row.textIds())) {
                        row.finish = FinishReason.STOP_SEQUENCE;
                    } else if (row.count == row.budget) {
                        row.finish = FinishReason.LENGTH;
                    }
                    if (row.tracker != null) {
                        if (row.finish == FinishReason.STOP_TOKEN) {
                            row.tracker.update(row.textIds());
                        }
                        String text = row.tracker.release(row.finish != null);
                        if (!text.isEmpty()) {
                            listener.onText(r, text);
                        }
                    }
                    running |= row.finish == null;
                }
                if (!running) {
                    break;
                }
            }
        } finally {
            if (detach) {
                runner.close();
            }
            if (detachReference) {
                referenceRunner.close();
            }
        }
        List<GenerationResult> results = new ArrayList<>(rows);
        for (int r = 0; r < rows; r++) {
            Row row = state[r];
            String text = row.tracker == null ? "" : row.tracker.finalText();
            results.add(new GenerationResult(Arrays.copyOf(row.ids, row.count), text,
                    Arrays.copyOf(row.logProbs, row.count), row.finish == null ? FinishReason.LENGTH : row.finish,
                    promptLength[r]));
        }
        return results;
    }

    private static boolean recordsGradients(LlamaModel m) {
        return m.parameters().values().iterator().next().hasGradient();
    }

    private Decoder decoder(LlamaModel runner, NDManager call, List<long[]> prompts, int width, int steps) {
        return useCache ? new CachedDecoder(runner, call, prompts, width, steps)
                : new FullDecoder(runner, call, prompts, width);
    }

    private static long[] lastTokens(Row[] state, List<long[]> prompts) {
        long[] last = new long[state.length];
        for (int r = 0; r < state.length; r++) {
            Row row = state[r];
            long[] p = prompts.get(r);
            last[r] = row.count == 0 ? p[p.length - 1] : row.ids[row.count - 1];
        }
        return last;
    }

    /** Produces the next-token logits {@code [rows * vocab]} for every row. */
    private interface Decoder {
        /** @param lastTokens each row's latest token (ignored on the first call, which reads the prompts) */
        float[] next(long[] lastTokens);
    }

    /** Prefill once into a KV cache, then one token per row per step. */
    private static final class CachedDecoder implements Decoder {

        private final LlamaModel model;
        private final NDManager call;
        private final List<long[]> prompts;
        private final int width;
        private final KvCache cache;
        private final NDArray keyMask;
        private final long[] nextPosition;
        private final int context;
        private boolean prefilled;

        CachedDecoder(LlamaModel model, NDManager call, List<long[]> prompts, int width, int steps) {
            this.model = model;
            this.call = call;
            this.prompts = prompts;
            this.width = width;
            this.context = model.config().maxPositionEmbeddings();
            int rows = prompts.size();
            int capacity = width + Math.max(0, steps - 1);
            this.cache = model.newCache(call, rows, capacity);
            long[] mask = new long[rows * capacity];
            Arrays.fill(mask, 1);
            nextPosition = new long[rows];
            for (int r = 0; r < rows; r++) {
                int pad = width - prompts.get(r).length;
                Arrays.fill(mask, r * capacity, r * capacity + pad, 0);
                nextPosition[r] = prompts.get(r).length;
            }
            this.keyMask = call.create(mask, new Shape(rows, capacity));
        }

        @Override
        public float[] next(long[] lastTokens) {
            int rows = prompts.size();
            try (NDManager step = call.newSubManager()) {
                NDArray ids;
                NDArray positions;
                if (!prefilled) {
                    long[] padded = new long[rows * width];
                    long[] pos = new long[rows * width];
                    for (int r = 0; r < rows; r++) {
                        long[] p = prompts.get(r);
                        int pad = width - p.length;
                        System.arraycopy(p, 0, padded, r * width + pad, p.length);
                        for (int j = 0; j < p.length; j++) {
                            pos[r * width + pad + j] = j;
                        }
                    }
                    ids = step.create(padded, new Shape(rows, width));
                    positions = step.create(pos, new Shape(rows, width));
                    prefilled = true;
                } else {
                    long[] pos = new long[rows];
                    for (int r = 0; r < rows; r++) {
                        // Finished rows keep stepping (their output is ignored); stay inside the rotary table.
                        pos[r] = Math.min(nextPosition[r]++, context - 1);
                    }
                    ids = step.create(lastTokens, new Shape(rows, 1));
                    positions = step.create(pos, new Shape(rows, 1));
                }
                int t = (int) ids.getShape().get(1);
                NDArray mask = keyMask.get(step, new NDIndex().addAllDim().addSliceDim(0, cache.length() + t));
                NDArray hidden = model.hiddenStates(ids, mask, positions, cache);
                NDArray last = hidden.get(new NDIndex().addAllDim().addIndices(t - 1));
                return model.logits(last).toFloatArray();
            }
        }
    }

    /** TRL's {@code GeometricMixtureWrapper}: {@code log_softmax(a * z_ref + (1 - a) * z_model)} per row. */
    private static final class MixtureDecoder implements Decoder {

        private final Decoder model;
        private final Decoder reference;
        private final double coef;
        private final int rows;
        private final int vocab;

        MixtureDecoder(Decoder model, Decoder reference, double coef, int rows, int vocab) {
            this.model = model;
            this.reference = reference;
            this.coef = coef;
            this.rows = rows;
            this.vocab = vocab;
        }

        @Override
        public float[] next(long[] lastTokens) {
            float[] z = model.next(lastTokens);
            float[] zRef = reference.next(lastTokens);
            float[] out = new float[z.length];
            double[] mixed = new double[vocab];
            for (int r = 0; r < rows; r++) {
                int offset = r * vocab;
                double max = Double.NEGATIVE_INFINITY;
                for (int i = 0; i < vocab; i++) {
                    mixed[i] = coef * zRef[offset + i] + (1.0 - coef) * z[offset + i];
                    max = Math.max(max, mixed[i]);
                }
                double sum = 0;
                for (int i = 0; i < vocab; i++) {
                    sum += Math.exp(mixed[i] - max);
                }
                double logSum = max + Math.log(sum);
                for (int i = 0; i < vocab; i++) {
                    out[offset + i] = (float) (mixed[i] - logSum);
                }
            }
            return out;
        }
    }

    /** Reruns the whole (left-padded) sequence every step. */
    private static final class FullDecoder implements Decoder {

        private final LlamaModel model;
        private final NDManager call;
        private final List<List<Long>> sequences = new ArrayList<>();
        private final int[] pads;
        private boolean started;

        FullDecoder(LlamaModel model, NDManager call, List<long[]> prompts, int width) {
            this.model = model;
            this.call = call;
            this.pads = new int[prompts.size()];
            for (int r = 0; r < prompts.size(); r++) {
                List<Long> s = new ArrayList<>();
                for (long id : prompts.get(r)) {
                    s.add(id);
                }
                sequences.add(s);
                pads[r] = width - prompts.get(r).length;
            }
        }

        @Override
        public float[] next(long[] lastTokens) {
            if (started) {
                for (int r = 0; r < sequences.size(); r++) {
                    sequences.get(r).add(lastTokens[r]);
                }
            }
            started = true;
            int rows = sequences.size();
            int width = sequences.get(0).size() + pads[0];
            long[] ids = new long[rows * width];
            long[] mask = new long[rows * width];
            for (int r = 0; r < rows; r++) {
                List<Long> s = sequences.get(r);
                for (int j = 0; j < s.size(); j++) {
                    ids[r * width + pads[r] + j] = s.get(j);
                    mask[r * width + pads[r] + j] = 1;
                }
            }
            try (NDManager step = call.newSubManager()) {
                NDArray logits = model.forward(step.create(ids, new Shape(rows, width)),
                        step.create(mask, new Shape(rows, width)));
                return logits.get(new NDIndex().addAllDim().addIndices(width - 1)).toFloatArray();
            }
        }
    }

    /** Mutable per-row state. */
    private static final class Row {
        final SplittableRandom random;
        final int budget;
        final StopSequenceTracker tracker;
        final long[] ids;
        final double[] logProbs;
        int count;
        FinishReason finish;

        Row(SplittableRandom random, int budget, StopSequenceTracker tracker) {
            this.random = random;
            this.budget = budget;
            this.tracker = tracker;
            this.ids = new long[budget];
            this.logProbs = new double[budget];
        }

        void add(int token, double logProb) {
            ids[count] = token;
            logProbs[count] = logProb;
            count++;
        }

        long[] textIds() {
            return Arrays.copyOf(ids, count);
        }
    }
}
