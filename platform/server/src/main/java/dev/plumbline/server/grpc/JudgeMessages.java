package dev.plumbline.server.grpc;

import dev.plumbline.proto.v1.ChatMessage;
import dev.plumbline.proto.v1.Preference;
import dev.plumbline.proto.v1.Sample;
import dev.plumbline.proto.v1.VerdictStatus;
import dev.plumbline.spi.ChatTurn;
import dev.plumbline.spi.ComparisonPair;
import dev.plumbline.spi.JudgeSample;
import dev.plumbline.spi.PairwiseVerdict;
import dev.plumbline.spi.Provenance;
import dev.plumbline.spi.Verdict;
import java.util.List;

/** Judge messages ↔ SPI records. */
final class JudgeMessages {

    private JudgeMessages() {}

    static JudgeSample sample(Sample s) {
        return new JudgeSample(s.getId(), s.getPrompt(), s.getResponse(), s.getCategory(), s.getReference(),
                turns(s.getHistoryList()), s.getMetadataMap());
    }

    static ComparisonPair pair(dev.plumbline.proto.v1.ComparisonPair p) {
        return new ComparisonPair(p.getId(), p.getPrompt(), p.getResponseA(), p.getResponseB(), p.getReference(),
                p.getCategory(), turns(p.getHistoryList()));
    }

    static List<ChatTurn> turns(List<ChatMessage> messages) {
        return messages.stream().map(m -> new ChatTurn(m.getRole(), m.getContent())).toList();
    }

    static dev.plumbline.proto.v1.Verdict verdict(Verdict v) {
        dev.plumbline.proto.v1.Verdict.Builder b = dev.plumbline.proto.v1.Verdict.newBuilder()
                .setSampleId(v.sampleId() == null ? "" : v.sampleId())
                .setStatus(status(v.status()))
                .putAllValues(v.values())
                .setExplanation(v.explanation())
                .setError(v.error());
        if (v.provenance() != null) {
            b.setProvenance(provenance(v.provenance()));
        }
        return b.build();
    }

    static dev.plumbline.proto.v1.PairwiseVerdict pairwiseVerdict(PairwiseVerdict v) {
        dev.plumbline.proto.v1.PairwiseVerdict.Builder b = dev.plumbline.proto.v1.PairwiseVerdict.newBuilder()
                .setPairId(v.pairId() == null ? "" : v.pairId())
                .setStatus(status(v.status()))
                .setPositionConsistent(v.positionConsistent())
                .putAllValues(v.values())
                .setExplanation(v.explanation())
                .setError(v.error());
        if (v.preference() != null) {
            b.setPreference(Preference.valueOf("PREFERENCE_" + v.preference().name()));
        }
        if (!Double.isNaN(v.probabilityA())) {
            b.setProbabilityA(v.probabilityA());
        }
        if (v.provenance() != null) {
            b.setProvenance(provenance(v.provenance()));
        }
        return b.build();
    }

    static VerdictStatus status(dev.plumbline.spi.VerdictStatus s) {
        return VerdictStatus.valueOf("VERDICT_STATUS_" + s.name());
    }

    static dev.plumbline.proto.v1.Provenance provenance(Provenance p) {
        return dev.plumbline.proto.v1.Provenance.newBuilder()
                .setJudgeId(nz(p.judgeId())).setJudgeVersion(nz(p.judgeVersion()))
                .setRubricHash(nz(p.rubricHash())).setModel(nz(p.model())).build();
    }

    private static String nz(String s) {
        return s == null ? "" : s;
    }
}
