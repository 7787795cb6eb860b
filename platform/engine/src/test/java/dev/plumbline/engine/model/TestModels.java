package dev.plumbline.engine.model;

import ai.djl.ndarray.NDManager;
import dev.plumbline.engine.model.tokenizer.ByteTokenizer;
import dev.plumbline.engine.model.tokenizer.SpecialTokens;
import dev.plumbline.engine.model.tokenizer.Tokenizer;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalLong;

/** Small models and tokenizers shared by the tests. */
final class TestModels {

    private TestModels() {}

    /** hidden 64, 2 layers, 4 heads sharing 2 kv heads, byte vocabulary, 128 positions. */
    static LlamaConfig tinyConfig() {
        return new LlamaConfig(ByteTokenizer.VOCAB_SIZE, 64, 128, 2, 4, 2, 16, 128, 1e-6, 10000.0, RopeScaling.NONE,
                false, ByteTokenizer.BOS_ID, List.of(ByteTokenizer.EOS_ID), ByteTokenizer.PAD_ID, 0.02, "float32");
    }

    /** A random model whose logits are far from uniform (init std 0.3), so greedy choices are not near-ties. */
    static LlamaModel peaky(NDManager manager, long seed) {
        LlamaConfig c = tinyConfig();
        LlamaConfig config = new LlamaConfig(c.vocabSize(), c.hiddenSize(), c.intermediateSize(), c.numHiddenLayers(),
                c.numAttentionHeads(), c.numKeyValueHeads(), c.headDim(), c.maxPositionEmbeddings(), c.rmsNormEps(),
                c.ropeTheta(), c.ropeScaling(), c.tieWordEmbeddings(), c.bosTokenId(), c.eosTokenIds(),
                c.padTokenId(), 0.3, c.torchDtype());
        return LlamaModel.initialize(config, seed, manager);
    }

    /** Decodes id {@code i} as the letter {@code 'a' + i % 26}: readable text from any model. */
    static final class LetterTokenizer implements Tokenizer {
        @Override
        public long[] encode(String text, boolean addSpecialTokens) {
            return text.chars().mapToLong(c -> c - 'a').toArray();
        }

        @Override
        public String decode(long[] ids, boolean skipSpecialTokens) {
            StringBuilder b = new StringBuilder();
            for (long id : ids) {
                b.append((char) ('a' + id % 26));
            }
            return b.toString();
        }

        @Override
        public int vocabSize() {
            return ByteTokenizer.VOCAB_SIZE;
        }

        @Override
        public SpecialTokens specialTokens() {
            return new SpecialTokens(null, null, null, null, null, null);
        }

        @Override
        public OptionalLong tokenId(String token) {
            return OptionalLong.empty();
        }

        @Override
        public String kind() {
            return "letters";
        }

        @Override
        public void save(Path dir) {
            throw new UnsupportedOperationException();
        }
    }
}
