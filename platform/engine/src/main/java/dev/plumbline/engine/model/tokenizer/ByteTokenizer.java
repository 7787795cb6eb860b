package dev.plumbline.engine.model.tokenizer;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;

/**
 * A tokenizer that needs no files: ids 0-255 are the UTF-8 bytes of the text, followed by special
 * tokens ({@link #SPECIALS}). Made for tiny models trained here. {@link #save} also writes an
 * equivalent byte-level BPE {@code tokenizer.json} (no merges), so transformers and DJL's
 * Hugging Face tokenizer read the same ids.
 */
public final class ByteTokenizer implements Tokenizer {

    public static final String PAD = "<pad>";
    public static final String BOS = "<bos>";
    public static final String EOS = "<eos>";
    public static final String SYSTEM = "<|system|>";
    public static final String USER = "<|user|>";
    public static final String ASSISTANT = "<|assistant|>";
    public static final String END = "<|end|>";

    /** Special tokens in id order, starting at 256. */
    public static final List<String> SPECIALS = List.of(PAD, BOS, EOS, SYSTEM, USER, ASSISTANT, END);

    public static final int VOCAB_SIZE = 256 + SPECIALS.size();
    public static final long PAD_ID = 256;
    public static final long BOS_ID = 257;
    public static final long EOS_ID = 258;

    /** The marker tokenizer_config.json carries so loading picks this class (no native library needed). */
    public static final String CONFIG_MARKER = "plumbline_byte_tokenizer";

    @Override
    public long[] encode(String text, boolean addSpecialTokens) {
        List<Long> out = new ArrayList<>();
        if (addSpecialTokens) {
            out.add(BOS_ID);
        }
        int i = 0;
        int plainStart = 0;
        while (i < text.length()) {
            String special = text.charAt(i) == '<' ? specialAt(text, i) : null;
            if (special == null) {
                i++;
                continue;
            }
            appendBytes(text.substring(plainStart, i), out);
            out.add(256L + SPECIALS.indexOf(special));
            i += special.length();
            plainStart = i;
        }
        appendBytes(text.substring(plainStart), out);
        long[] result = new long[out.size()];
        for (int k = 0; k < result.length; k++) {
            result[k] = out.get(k);
        }
        return result;
    }

    private static String specialAt(String text, int i) {
        for (String s : SPECIALS) {
            if (text.startsWith(s, i)) {
                return s;
            }
        }
        return null;
    }

    private static void appendBytes(String plain, List<Long> out) {
        for (byte b : plain.getBytes(StandardCharsets.UTF_8)) {
            out.add((long) (b & 0xff));
        }
    }

    @Override
    public String decode(long[] ids, boolean skipSpecialTokens) {
        StringBuilder text = new StringBuilder();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        for (long id : ids) {
            if (id >= 0 && id < 256) {
                bytes.write((int) id);
                continue;
            }
            text.append(bytes.toString(StandardCharsets.UTF_8));
            bytes.reset();
            if (!skipSpecialTokens && id >= 256 && id < VOCAB_SIZE) {
                text.append(SPECIALS.get((int) (id - 256)));
            }
        }
        return text.append(bytes.toString(StandardCharsets.UTF_8)).toString();
    }

    @Override
    public int vocabSize() {
        return VOCAB_SIZE;
    }

    @Override
    public SpecialTokens specialTokens() {
        return new SpecialTokens(BOS, BOS_ID, EOS, EOS_ID, PAD, PAD_ID);
    }

    @Override
    public OptionalLong tokenId(String token) {
        int i = SPECIALS.indexOf(token);
        return i < 0 ? OptionalLong.empty() : OptionalLong.of(256L + i);
    }

    @Override
    public String kind() {
        return "byte";
    }

    /** Writes tokenizer.json (byte-level BPE equivalent) and tokenizer_config.json. */
    @Override
    public void save(Path dir) {
        save(dir, null);
    }

    /** As {@link #save(Path)}, with a Jinja {@code chat_template} for transformers' apply_chat_template. */
    public void save(Path dir, String chatTemplate) {
        JsonObject config = new JsonObject();
        config.addProperty(CONFIG_MARKER, true);
        config.addProperty("tokenizer_class", "PreTrainedTokenizerFast");
        config.addProperty("bos_token", BOS);
        config.addProperty("eos_token", EOS);
        config.addProperty("pad_token", PAD);
        config.addProperty("add_bos_token", true);
        config.addProperty("clean_up_tokenization_spaces", false);
        if (chatTemplate != null) {
            config.addProperty("chat_template", chatTemplate);
        }
        try {
            Files.createDirectories(dir);
            Files.writeString(dir.resolve(Tokenizers.TOKENIZER_JSON), json(tokenizerJson()), StandardCharsets.UTF_8);
            Files.writeString(dir.resolve(Tokenizers.TOKENIZER_CONFIG), json(config), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write tokenizer files to " + dir + ": " + e.getMessage(), e);
        }
    }

    private static String json(JsonObject o) {
        return new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().serializeNulls().create().toJson(o) + "\n";
    }

    /** A byte-level BPE tokenizer.json with no merges: every byte stays one token, ids = byte values. */
    static JsonObject tokenizerJson() {
        JsonObject root = new JsonObject();
        root.addProperty("version", "1.0");
        root.add("truncation", null);
        root.add("padding", null);
        JsonArray added = new JsonArray();
        for (int i = 0; i < SPECIALS.size(); i++) {
            JsonObject t = new JsonObject();
            t.addProperty("id", 256 + i);
            t.addProperty("content", SPECIALS.get(i));
            t.addProperty("single_word", false);
            t.addProperty("lstrip", false);
            t.addProperty("rstrip", false);
            t.addProperty("normalized", false);
            t.addProperty("special", true);
            added.add(t);
        }
        root.add("added_tokens", added);
        root.add("normalizer", null);
        JsonObject byteLevel = new JsonObject();
        byteLevel.addProperty("type", "ByteLevel");
        byteLevel.addProperty("add_prefix_space", false);
        byteLevel.addProperty("trim_offsets", true);
        byteLevel.addProperty("use_regex", true);
        root.add("pre_tokenizer", byteLevel);
        root.add("post_processor", bosTemplate());
        root.add("decoder", byteLevel.deepCopy());
        JsonObject model = new JsonObject();
        model.addProperty("type", "BPE");
        model.add("dropout", null);
        model.add("unk_token", null);
        model.add("continuing_subword_prefix", null);
        model.add("end_of_word_suffix", null);
        model.addProperty("fuse_unk", false);
        model.addProperty("byte_fallback", false);
        model.addProperty("ignore_merges", false);
        JsonObject vocab = new JsonObject();
        char[] unicode = byteToUnicode();
        for (int b = 0; b < 256; b++) {
            vocab.addProperty(String.valueOf(unicode[b]), b);
        }
        model.add("vocab", vocab);
        model.add("merges", new JsonArray());
        root.add("model", model);
        return root;
    }

    /** Adds BOS in front when add_special_tokens is on, matching {@link #encode}. */
    private static JsonObject bosTemplate() {
        JsonObject bos = new JsonObject();
        JsonObject special = new JsonObject();
        special.addProperty("id", BOS);
        special.addProperty("type_id", 0);
        bos.add("SpecialToken", special);
        JsonObject a = new JsonObject();
        JsonObject seqA = new JsonObject();
        seqA.addProperty("id", "A");
        seqA.addProperty("type_id", 0);
        a.add("Sequence", seqA);
        JsonObject b = new JsonObject();
        JsonObject seqB = new JsonObject();
        seqB.addProperty("id", "B");
        seqB.addProperty("type_id", 1);
        b.add("Sequence", seqB);
        JsonArray single = new JsonArray();
        single.add(bos);
        single.add(a);
        JsonArray pair = new JsonArray();
        pair.add(bos.deepCopy());
        pair.add(a.deepCopy());
        pair.add(b);
        JsonObject tokens = new JsonObject();
        JsonObject bosEntry = new JsonObject();
        bosEntry.addProperty("id", BOS);
        JsonArray ids = new JsonArray();
        ids.add(BOS_ID);
        bosEntry.add("ids", ids);
        JsonArray strings = new JsonArray();
        strings.add(BOS);
        bosEntry.add("tokens", strings);
        tokens.add(BOS, bosEntry);
        JsonObject template = new JsonObject();
        template.addProperty("type", "TemplateProcessing");
        template.add("single", single);
        template.add("pair", pair);
        template.add("special_tokens", tokens);
        return template;
    }

    /** GPT-2's reversible byte to printable-character table used by byte-level BPE. */
    static char[] byteToUnicode() {
        char[] table = new char[256];
        boolean[] printable = new boolean[256];
        for (int b = '!'; b <= '~'; b++) {
            printable[b] = true;
        }
        for (int b = 0xA1; b <= 0xAC; b++) {
            printable[b] = true;
        }
        for (int b = 0xAE; b <= 0xFF; b++) {
            printable[b] = true;
        }
        int next = 0;
        for (int b = 0; b < 256; b++) {
            table[b] = printable[b] ? (char) b : (char) (256 + next++);
        }
        return table;
    }
}
