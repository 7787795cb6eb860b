package dev.plumbline.engine.demo;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import dev.plumbline.engine.eval.EvalResources;
import dev.plumbline.engine.model.LlamaConfig;
import dev.plumbline.engine.model.chat.ChatFormat;
import dev.plumbline.engine.model.tokenizer.ByteTokenizer;
import dev.plumbline.engine.model.train.SftConfig;
import dev.plumbline.spi.ChatTurn;
import dev.plumbline.spi.InvalidInputException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * The small assistant task behind {@code ./plumbline demo}: project-written requests
 * ({@code evals/demo/requests.jsonl}, classpath {@code plumbline/evals/demo/requests.jsonl}, described
 * in {@code evals/demo/README.md}) in three categories — {@code benign} (answer them), {@code harmful}
 * (refuse them), {@code provocative} (rude prompts: answer politely) — each with good and bad short
 * replies (at most 80 bytes) and a fixed split into training and held-out evaluation prompts (every
 * third request of a category is held out).
 *
 * <p>Made to be learnable by a from-scratch byte-level model in seconds: each category has its own
 * phrasing (benign requests are questions, "How do I …?"; harmful ones are instructions, "Tell me how
 * to …"; provocative ones open with an insult, "You're useless. …?"), so a held-out request's
 * category can be recognised, and each behaviour has its own opening words (refusals, "Sure, here is
 * how: …", "Here's how: …", "Happy to help! …", "Ugh, you idiot. …"), so the behaviour is decided by
 * the first few tokens and read by the {@code rules} judge (rubric {@value #RUBRIC}), the refusal
 * detector and the toxicity judge.
 *
 * <p>{@link #write} makes the training files for a seed: {@code sft.jsonl}, an <em>imperfect</em>
 * supervised mixture (the base model sometimes refuses benign requests, often complies with harmful
 * ones and is often rude when provoked, see {@link Mixture#DEFAULT}), and {@code prompts.jsonl}, the
 * training prompts for online algorithms with their category (the judge's
 * {@code JudgeSample.category}). Both are TRL's conversational format, one user message, so SFT,
 * online rollouts and evaluation ({@code LanguageModel.chat}) all render the prompt with the
 * model's chat format ({@link ChatFormat#PLUMBLINE} for the byte tokenizer):
 * {@code <|user|>\n{prompt}<|end|>\n<|assistant|>\n}.
 *
 * <p>Preference pairs are not written here: they come from sampling the SFT base model and judging
 * the samples with the {@code rules} judge; {@link #preferencePairs} turns such scored samples into
 * pairs.
 */
public final class DemoTask {

    /** Relative to the evals root (see {@link EvalResources}). */
    public static final String REQUESTS = "demo/requests.jsonl";
    /** The rules-judge rubric that scores the task ({@code evals/rubrics/demo-assistant.yaml}). */
    public static final String RUBRIC = "demo-assistant";
    public static final String BENIGN = "benign";
    public static final String HARMFUL = "harmful";
    public static final String PROVOCATIVE = "provocative";
    public static final List<String> CATEGORIES = List.of(BENIGN, HARMFUL, PROVOCATIVE);
    public static final String TRAIN = "train";
    public static final String EVAL = "eval";
    /** The longest reply in the data, in UTF-8 bytes (= byte-tokenizer tokens). */
    public static final int MAX_REPLY_BYTES = 80;
    /** The chat format every stage renders prompts with (the byte tokenizer's). */
    public static final ChatFormat CHAT_FORMAT = ChatFormat.PLUMBLINE;
    /** Generation budget for rollouts and evaluation: the longest reply plus the end-of-turn marker, with room. */
    public static final int MAX_NEW_TOKENS = 96;

    private static final Set<String> FIELDS = Set.of("id", "category", "split", "prompt", "good", "bad");
    private static final Gson GSON = new GsonBuilder().disableHtmlEscaping().create();

    private final List<Request> requests;

    /**
     * One request of the task.
     *
     * @param good replies with the behaviour the task wants (helpful answer, refusal, polite answer)
     * @param bad replies with the unwanted behaviour (refusal of a benign request, content-free
     *     compliance with a harmful one, rude answer)
     */
    public record Request(String id, String category, String split, String prompt, List<String> good,
            List<String> bad) {
        public Request {
            good = List.copyOf(good);
            bad = List.copyOf(bad);
        }

        public List<ChatTurn> messages() {
            return DemoTask.messages(prompt);
        }

        public boolean train() {
            return TRAIN.equals(split);
        }
    }

    /**
     * The imperfect supervised mixture: the share of each category's SFT examples that show the good
     * behaviour. Every training prompt gets {@code examplesPerPrompt} examples; within a category the
     * good ones are spread as evenly as possible over the prompts (each prompt gets
     * {@code floor(p*k)} or {@code ceil(p*k)}), so every prompt teaches both behaviours.
     */
    public record Mixture(double benignHelpful, double harmfulRefusal, double provocativePolite,
            int examplesPerPrompt) {

        /**
         * Benign: 80 % helpful / 20 % refusal; harmful: 45 % refusal / 55 % compliance; provocative:
         * 55 % polite / 45 % rude; 4 examples per prompt (428 examples). On held-out prompts the
         * base refuses benign requests more often than this (refusals are shared phrasings, so they
         * carry over to unseen prompts more easily than prompt-specific answers).
         */
        public static final Mixture DEFAULT = new Mixture(0.80, 0.45, 0.55, 4);

        public Mixture {
            for (double p : new double[] {benignHelpful, harmfulRefusal, provocativePolite}) {
                if (!(p >= 0 && p <= 1)) {
                    throw new IllegalArgumentException("mixture shares must be in [0, 1], got " + p);
                }
            }
            if (examplesPerPrompt < 1) {
                throw new IllegalArgumentException("examplesPerPrompt must be >= 1, got " + examplesPerPrompt);
            }
        }

        public double good(String category) {
            return switch (category) {
                case BENIGN -> benignHelpful;
                case HARMFUL -> harmfulRefusal;
                case PROVOCATIVE -> provocativePolite;
                default -> throw new IllegalArgumentException("unknown category " + category);
            };
        }
    }

    /** What {@link #write} produced. */
    public record Written(Path sft, Path prompts, int sftExamples, Map<String, int[]> goodAndBadByCategory,
            int trainPrompts) {}

    /** A prompt with sampled responses and their scores (e.g. the rules judge's {@code score}; NaN = failed). */
    public record ScoredSamples(String prompt, String category, List<String> responses, List<Double> scores) {
        public ScoredSamples {
            responses = List.copyOf(responses);
            scores = List.copyOf(scores);
            if (responses.size() != scores.size()) {
                throw new IllegalArgumentException(responses.size() + " responses but " + scores.size() + " scores");
            }
        }
    }

    /** A preference pair: the best and the worst scored sample of one prompt. */
    public record PreferencePair(String prompt, String category, String chosen, String rejected, double chosenScore,
            double rejectedScore) {}

    private DemoTask(List<Request> requests) {
        this.requests = List.copyOf(requests);
    }

    /** The packaged task (classpath {@code plumbline/evals/demo/requests.jsonl}). */
    public static DemoTask load() {
        return load(EvalResources.classpath());
    }

    public static DemoTask load(EvalResources resources) {
        byte[] bytes = resources.read(REQUESTS).orElseThrow(() -> new IllegalStateException(
                resources.location(REQUESTS) + " is missing (is plumbline-evals on the classpath?)"));
        return new DemoTask(parse(new String(bytes, StandardCharsets.UTF_8), resources.location(REQUESTS)));
    }

    /** Parses requests.jsonl; every problem names {@code file:line field}. */
    static List<Request> parse(String text, String name) {
        List<Request> out = new ArrayList<>();
        Set<String> ids = new java.util.HashSet<>();
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            if (lines[i].isBlank()) {
                continue;
            }
            String at = name + ":" + (i + 1);
            JsonObject o;
            try {
                JsonElement e = JsonParser.parseString(lines[i]);
                if (!e.isJsonObject()) {
                    throw new InvalidInputException(at, "expected a JSON object");
                }
                o = e.getAsJsonObject();
            } catch (JsonParseException e) {
                throw new InvalidInputException(at, "malformed JSON: " + e.getMessage());
            }
            for (String key : o.keySet()) {
                if (!FIELDS.contains(key)) {
                    throw new InvalidInputException(at + " " + key, "unknown field; allowed: " + FIELDS);
                }
            }
            String id = string(o, "id", at);
            if (!ids.add(id)) {
                throw new InvalidInputException(at + " id", "duplicate id '" + id + "'");
            }
            String category = string(o, "category", at);
            if (!CATEGORIES.contains(category)) {
                throw new InvalidInputException(at + " category", "must be one of " + CATEGORIES + ", got " + category);
            }
            String split = string(o, "split", at);
            if (!split.equals(TRAIN) && !split.equals(EVAL)) {
                throw new InvalidInputException(at + " split", "must be train or eval, got " + split);
            }
            out.add(new Request(id, category, split, string(o, "prompt", at), replies(o, "good", at),
                    replies(o, "bad", at)));
        }
        if (out.isEmpty()) {
            throw new InvalidInputException(name, "no requests");
        }
        return out;
    }

    private static String string(JsonObject o, String key, String at) {
        JsonElement e = o.get(key);
        if (e == null || !e.isJsonPrimitive() || !e.getAsJsonPrimitive().isString() || e.getAsString().isBlank()) {
            throw new InvalidInputException(at + " " + key, "expected a non-empty string");
        }
        return e.getAsString();
    }

    private static List<String> replies(JsonObject o, String key, String at) {
        JsonElement e = o.get(key);
        if (e == null || !e.isJsonArray() || e.getAsJsonArray().isEmpty()) {
            throw new InvalidInputException(at + " " + key, "expected a non-empty list of replies");
        }
        List<String> out = new ArrayList<>();
        int i = 0;
        for (JsonElement r : e.getAsJsonArray()) {
            String field = at + " " + key + "[" + i++ + "]";
            if (!r.isJsonPrimitive() || !r.getAsJsonPrimitive().isString() || r.getAsString().isBlank()) {
                throw new InvalidInputException(field, "expected a non-empty string");
            }
            if (r.getAsString().getBytes(StandardCharsets.UTF_8).length > MAX_REPLY_BYTES) {
                throw new InvalidInputException(field, "is longer than " + MAX_REPLY_BYTES + " bytes");
            }
            out.add(r.getAsString());
        }
        return out;
    }

    public List<Request> requests() {
        return requests;
    }

    /** Requests of one split ({@link #TRAIN} or {@link #EVAL}), in file order. */
    public List<Request> split(String split) {
        return requests.stream().filter(r -> r.split().equals(split)).toList();
    }

    public List<Request> split(String split, String category) {
        return requests.stream().filter(r -> r.split().equals(split) && r.category().equals(category)).toList();
    }

    /** How every stage phrases a request: one user message. */
    public static List<ChatTurn> messages(String prompt) {
        return List.of(ChatTurn.user(prompt));
    }

    /** Writes {@code sft.jsonl} and {@code prompts.jsonl} with {@link Mixture#DEFAULT}. */
    public Written write(Path dir, long seed) {
        return write(dir, seed, Mixture.DEFAULT);
    }

    /**
     * Writes {@code dir/sft.jsonl} ({@code {"prompt": [user], "completion": [assistant]}}, shuffled)
     * and {@code dir/prompts.jsonl} ({@code {"prompt": [user], "category": ...}}, every training
     * prompt once, in file order). Deterministic for a seed.
     */
    public Written write(Path dir, long seed, Mixture mixture) {
        Random random = new Random(seed);
        List<String> sft = new ArrayList<>();
        Map<String, int[]> counts = new LinkedHashMap<>();
        for (String category : CATEGORIES) {
            List<Request> rows = split(TRAIN, category);
            int k = mixture.examplesPerPrompt();
            double perPrompt = mixture.good(category) * k;
            int base = (int) Math.floor(perPrompt);
            int total = (int) Math.round(mixture.good(category) * k * rows.size());
            int extra = Math.max(0, Math.min(rows.size(), total - base * rows.size()));
            // Which prompts get ceil(p*k) good examples: a seeded choice of `extra` of them.
            List<Integer> order = new ArrayList<>();
            for (int i = 0; i < rows.size(); i++) {
                order.add(i);
            }
            Collections.shuffle(order, random);
            Set<Integer> bonus = Set.copyOf(order.subList(0, extra));
            int good = 0;
            int bad = 0;
            for (int i = 0; i < rows.size(); i++) {
                Request r = rows.get(i);
                int g = Math.min(k, base + (bonus.contains(i) ? 1 : 0));
                for (int j = 0; j < k; j++) {
                    boolean isGood = j < g;
                    List<String> pool = isGood ? r.good() : r.bad();
                    // Cycle through the variants from a random start so every variant is used.
                    int n = isGood ? j : j - g;
                    String reply = pool.get((n + random.nextInt(pool.size())) % pool.size());
                    sft.add(sftLine(r.prompt(), reply));
                    if (isGood) {
                        good++;
                    } else {
                        bad++;
                    }
                }
            }
            counts.put(category, new int[] {good, bad});
        }
        Collections.shuffle(sft, random);
        List<String> prompts = new ArrayList<>();
        for (Request r : split(TRAIN)) {
            JsonObject o = new JsonObject();
            o.add("prompt", messagesJson(List.of(ChatTurn.user(r.prompt()))));
            o.addProperty("category", r.category());
            o.addProperty("id", r.id());
            prompts.add(GSON.toJson(o));
        }
        Path sftFile = dir.resolve("sft.jsonl");
        Path promptsFile = dir.resolve("prompts.jsonl");
        try {
            Files.createDirectories(dir);
            Files.write(sftFile, sft, StandardCharsets.UTF_8);
            Files.write(promptsFile, prompts, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the demo data to " + dir + ": " + e.getMessage(), e);
        }
        return new Written(sftFile, promptsFile, sft.size(), counts, prompts.size());
    }

    private static String sftLine(String prompt, String reply) {
        JsonObject o = new JsonObject();
        o.add("prompt", messagesJson(List.of(ChatTurn.user(prompt))));
        o.add("completion", messagesJson(List.of(ChatTurn.assistant(reply))));
        return GSON.toJson(o);
    }

    private static JsonArray messagesJson(List<ChatTurn> turns) {
        JsonArray a = new JsonArray();
        for (ChatTurn t : turns) {
            JsonObject m = new JsonObject();
            m.addProperty("role", t.role());
            m.addProperty("content", t.content());
            a.add(m);
        }
        return a;
    }

    /**
     * The preference pairs of scored samples: per prompt, the highest-scored sample is chosen and
     * the lowest rejected, when their scores differ by at least {@code minMargin}; failed scores
     * (NaN) are skipped. Prompts whose samples all score alike give no pair.
     */
    public static List<PreferencePair> preferencePairs(List<ScoredSamples> scored, double minMargin) {
        List<PreferencePair> out = new ArrayList<>();
        for (ScoredSamples s : scored) {
            int best = -1;
            int worst = -1;
            for (int i = 0; i < s.responses().size(); i++) {
                double v = s.scores().get(i);
                if (!Double.isFinite(v)) {
                    continue;
                }
                if (best < 0 || v > s.scores().get(best)) {
                    best = i;
                }
                if (worst < 0 || v < s.scores().get(worst)) {
                    worst = i;
                }
            }
            if (best >= 0 && s.scores().get(best) - s.scores().get(worst) >= minMargin && minMargin >= 0
                    && best != worst) {
                out.add(new PreferencePair(s.prompt(), s.category(), s.responses().get(best),
                        s.responses().get(worst), s.scores().get(best), s.scores().get(worst)));
            }
        }
        return out;
    }

    /** A preference pair as a TRL conversational JSONL line ({@code prompt}, {@code chosen}, {@code rejected}). */
    public static String preferenceLine(PreferencePair p) {
        JsonObject o = new JsonObject();
        o.add("prompt", messagesJson(List.of(ChatTurn.user(p.prompt()))));
        o.add("chosen", messagesJson(List.of(ChatTurn.assistant(p.chosen()))));
        o.add("rejected", messagesJson(List.of(ChatTurn.assistant(p.rejected()))));
        o.addProperty("category", p.category());
        return GSON.toJson(o);
    }

    /**
     * The demo's base model: a byte-tokenizer Llama (vocabulary 263) with hidden size 128, SwiGLU
     * width 256, <b>one</b> decoder layer with 4 heads (head width 32), 256 positions (a rendered
     * prompt of at most ~80 tokens plus {@link #MAX_NEW_TOKENS}), untied embeddings: about 230 k
     * weights. One wide layer memorises the replies and picks up each category's phrasing faster per
     * CPU second than two or three narrower ones (measured: the same 20 s buys a lower loss and more
     * well-formed samples), and it samples fast, which online training needs.
     */
    public static LlamaConfig baseConfig() {
        return LlamaConfig.of(ByteTokenizer.VOCAB_SIZE, 128, 256, 1, 4, 4, 256, false)
                .withSpecialTokens(ByteTokenizer.BOS_ID, List.of(ByteTokenizer.EOS_ID), ByteTokenizer.PAD_ID);
    }

    /**
     * Supervised fine-tuning settings for {@link #baseConfig()} from a random initialisation on
     * {@code sft.jsonl} (428 examples): 900 optimizer steps of 8 examples (about 17 epochs), learning
     * rate 3e-3 with 5 % warmup and cosine decay, weight decay 0.01, clipping at 1. About 19 s of CPU
     * on one core (final loss about 0.02).
     */
    public static SftConfig sftConfig(long seed) {
        return SftConfig.builder().maxSteps(900).batchSize(8).learningRate(3e-3).warmupRatio(0.05)
                .weightDecay(0.01).maxGradNorm(1.0).maxLength(256).seed(seed).loggingSteps(100).build();
    }
}
