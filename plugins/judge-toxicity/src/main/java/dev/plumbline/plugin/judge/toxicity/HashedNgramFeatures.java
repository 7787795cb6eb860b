package dev.plumbline.plugin.judge.toxicity;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * The one feature extractor used both to train the toxicity model and to run it: word unigrams
 * and bigrams plus character 3–5-grams of each padded word, hashed (MurmurHash3, signed) into
 * {@link #DIMENSION} buckets, weighted {@code 1 + log(count)} and L2-normalised. Text is folded
 * first (NFKC, no diacritics, look-alikes, lower case) so obfuscation changes few features.
 *
 * <p>{@link #SPEC} is written into the ONNX model's metadata; the classifier refuses a model whose
 * spec differs, so training and inference cannot drift apart silently.
 */
public final class HashedNgramFeatures {

    /** 2^14 buckets: a 64 KB weight vector. */
    public static final int DIMENSION = 1 << 14;
    static final int SEED = 0x5eed_7a11;
    static final int MIN_CHAR_N = 3;
    static final int MAX_CHAR_N = 5;
    /** Only the first this many characters are featurised; toxicity is a property of the content, not its length. */
    static final int MAX_CHARS = 20_000;
    public static final String SPEC = "hashed-ngrams/v1 dim=" + DIMENSION + " murmur3_32 seed=" + SEED
            + " word=1-2 char=" + MIN_CHAR_N + "-" + MAX_CHAR_N + " tf=1+log l2 fold=nfkc-nodiacritics-confusables-lower";

    /** A sparse feature vector: sorted, distinct indexes and their values. */
    public record Sparse(int[] indexes, float[] values) {}

    private HashedNgramFeatures() {}

    public static Sparse extract(String text) {
        String folded = ObfuscationNormalizer.fold(text.length() > MAX_CHARS ? text.substring(0, MAX_CHARS) : text);
        Map<Integer, Integer> signedCounts = new HashMap<>();
        String prev = null;
        int i = 0;
        int n = folded.length();
        while (i < n) {
            while (i < n && !Character.isLetterOrDigit(folded.charAt(i))) {
                i++;
            }
            int start = i;
            while (i < n && (Character.isLetterOrDigit(folded.charAt(i)) || folded.charAt(i) == '\'')) {
                i++;
            }
            if (i == start) {
                break;
            }
            String w = folded.substring(start, i);
            add(signedCounts, "w:" + w);
            if (prev != null) {
                add(signedCounts, "b:" + prev + " " + w);
            }
            String padded = "<" + w + ">";
            for (int len = MIN_CHAR_N; len <= MAX_CHAR_N; len++) {
                for (int k = 0; k + len <= padded.length(); k++) {
                    add(signedCounts, "c:" + padded.substring(k, k + len));
                }
            }
            prev = w;
        }
        int[] idx = new int[signedCounts.size()];
        int c = 0;
        for (int key : signedCounts.keySet()) {
            idx[c++] = key;
        }
        Arrays.sort(idx);
        float[] val = new float[idx.length];
        double norm = 0;
        int kept = 0;
        for (int k = 0; k < idx.length; k++) {
            int signed = signedCounts.get(idx[k]);
            if (signed == 0) {
                continue;
            }
            double v = Math.signum(signed) * (1 + Math.log(Math.abs(signed)));
            idx[kept] = idx[k];
            val[kept] = (float) v;
            norm += v * v;
            kept++;
        }
        idx = Arrays.copyOf(idx, kept);
        val = Arrays.copyOf(val, kept);
        if (norm > 0) {
            float inv = (float) (1 / Math.sqrt(norm));
            for (int k = 0; k < kept; k++) {
                val[k] *= inv;
            }
        }
        return new Sparse(idx, val);
    }

    /** Writes {@code features} into row {@code row} of a dense row-major [rows, DIMENSION] array. */
    static void fill(Sparse features, float[] dense, int row) {
        int base = row * DIMENSION;
        for (int k = 0; k < features.indexes().length; k++) {
            dense[base + features.indexes()[k]] = features.values()[k];
        }
    }

    /** Signed counts: the sign bit of the hash decides +1 or -1 so collisions cancel on average. */
    private static void add(Map<Integer, Integer> counts, String feature) {
        int h = murmur3(feature.getBytes(StandardCharsets.UTF_8), SEED);
        int bucket = (h >>> 1) & (DIMENSION - 1);
        int sign = h < 0 ? -1 : 1;
        counts.merge(bucket, sign, Integer::sum);
    }

    /** MurmurHash3 x86 32-bit (Appleby), the hash most feature-hashing implementations use. */
    static int murmur3(byte[] data, int seed) {
        final int c1 = 0xcc9e2d51;
        final int c2 = 0x1b873593;
        int h = seed;
        int len = data.length;
        int blocks = len / 4;
        for (int b = 0; b < blocks; b++) {
            int o = b * 4;
            int k = (data[o] & 0xff) | (data[o + 1] & 0xff) << 8 | (data[o + 2] & 0xff) << 16 | (data[o + 3] & 0xff) << 24;
            k *= c1;
            k = Integer.rotateLeft(k, 15);
            k *= c2;
            h ^= k;
            h = Integer.rotateLeft(h, 13);
            h = h * 5 + 0xe6546b64;
        }
        int k = 0;
        int tail = blocks * 4;
        switch (len & 3) {
            case 3:
                k ^= (data[tail + 2] & 0xff) << 16;
                // fall through
            case 2:
                k ^= (data[tail + 1] & 0xff) << 8;
                // fall through
            case 1:
                k ^= data[tail] & 0xff;
                k *= c1;
                k = Integer.rotateLeft(k, 15);
                k *= c2;
                h ^= k;
                break;
            default:
                break;
        }
        h ^= len;
        h ^= h >>> 16;
        h *= 0x85ebca6b;
        h ^= h >>> 13;
        h *= 0xc2b2ae35;
        h ^= h >>> 16;
        return h;
    }
}
