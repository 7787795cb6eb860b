package dev.plumbline.plugin.judge.toxicity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class HashedNgramFeaturesTest {

    @Test
    void murmur3MatchesReferenceVectors() {
        // Reference values of MurmurHash3_x86_32 (Appleby's SMHasher), seed 0.
        assertThat(HashedNgramFeatures.murmur3(new byte[0], 0)).isEqualTo(0);
        assertThat(HashedNgramFeatures.murmur3("hello".getBytes(StandardCharsets.UTF_8), 0)).isEqualTo(0x248bfa47);
        assertThat(HashedNgramFeatures.murmur3("The quick brown fox jumps over the lazy dog"
                .getBytes(StandardCharsets.UTF_8), 0)).isEqualTo(0x2e4ff723);
    }

    @Test
    void vectorsAreSortedUnitLengthAndDeterministic() {
        HashedNgramFeatures.Sparse a = HashedNgramFeatures.extract("You people are all the same.");
        HashedNgramFeatures.Sparse b = HashedNgramFeatures.extract("You people are all the same.");
        assertThat(a.indexes()).isEqualTo(b.indexes());
        assertThat(a.values()).isEqualTo(b.values());
        double norm = 0;
        for (int k = 0; k < a.indexes().length; k++) {
            assertThat(a.indexes()[k]).isBetween(0, HashedNgramFeatures.DIMENSION - 1);
            if (k > 0) {
                assertThat(a.indexes()[k]).isGreaterThan(a.indexes()[k - 1]);
            }
            norm += a.values()[k] * (double) a.values()[k];
        }
        assertThat(norm).isCloseTo(1.0, within(1e-5));
    }

    @Test
    void caseDiacriticsAndLookAlikesDoNotChangeFeatures() {
        HashedNgramFeatures.Sparse plain = HashedNgramFeatures.extract("they are animals");
        HashedNgramFeatures.Sparse styled = HashedNgramFeatures.extract("THEY ARE ÁNІMALS"); // Cyrillic І
        assertThat(styled.indexes()).isEqualTo(plain.indexes());
    }

    @Test
    void emptyAndSymbolOnlyTextGiveEmptyVectors() {
        assertThat(HashedNgramFeatures.extract("").indexes()).isEmpty();
        assertThat(HashedNgramFeatures.extract("?!  ...").indexes()).isEmpty();
    }
}
