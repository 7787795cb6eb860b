package dev.plumbline.engine.eval;

/** Identifies one sample of a run: a candidate's k-th response to one item of one suite. */
public record SampleKey(String suiteId, String candidateId, String itemId, int sampleIndex) {

    @Override
    public String toString() {
        return suiteId + "/" + candidateId + "/" + itemId + "#" + sampleIndex;
    }
}
