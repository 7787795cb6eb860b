package dev.plumbline.spi;

import java.util.List;

/** A finished generation. {@code finishedByLength} is true when max new tokens ran out. */
public record Generation(String text, List<Long> tokenIds, int promptTokens, boolean finishedByLength) {

    public Generation {
        tokenIds = List.copyOf(tokenIds);
    }
}
