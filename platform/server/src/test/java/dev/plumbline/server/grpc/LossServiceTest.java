package dev.plumbline.server.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.plumbline.proto.v1.ComputeLossRequest;
import dev.plumbline.proto.v1.ComputeLossResponse;
import dev.plumbline.proto.v1.Dtype;
import dev.plumbline.proto.v1.LossServiceGrpc;
import dev.plumbline.proto.v1.NamedTensor;
import dev.plumbline.proto.v1.ParameterValue;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.quarkus.test.junit.QuarkusTest;
import java.util.Arrays;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * ComputeLoss over gRPC end to end. The numbers are the {@code dpo/sigmoid} case of
 * ../shared/reference/loss-vectors.json (every case is checked in-process by plugins/conformance).
 */
@QuarkusTest
class LossServiceTest {

    static final double[] POLICY_CHOSEN = {-10.0, -8.0, -12.5};
    static final double[] POLICY_REJECTED = {-12.0, -7.5, -13.0};
    static final double[] REF_CHOSEN = {-11.0, -8.2, -12.0};
    static final double[] REF_REJECTED = {-11.5, -7.0, -12.8};
    static final double[] PER_PAIR_LOSS = {0.6209570478, 0.6587595555, 0.7082596763};

    ManagedChannel channel;
    LossServiceGrpc.LossServiceBlockingStub loss;

    @BeforeEach
    void connect() {
        channel = TestChannels.open();
        loss = LossServiceGrpc.newBlockingStub(channel);
    }

    @AfterEach
    void close() {
        channel.shutdownNow();
    }

    static NamedTensor vector(String name, double... values) {
        NamedTensor.Builder b = NamedTensor.newBuilder().setName(name).addShape(values.length);
        Arrays.stream(values).forEach(b::addDoubleValues);
        return b.build();
    }

    static ComputeLossRequest.Builder dpo() {
        return ComputeLossRequest.newBuilder().setAlgorithm("dpo").setDtype(Dtype.DTYPE_FLOAT64).setWantGradients(true)
                .putParameters("beta", ParameterValue.newBuilder().setNumberValue(0.1).build())
                .addTensors(vector("policy_chosen_logps", POLICY_CHOSEN))
                .addTensors(vector("policy_rejected_logps", POLICY_REJECTED))
                .addTensors(vector("reference_chosen_logps", REF_CHOSEN))
                .addTensors(vector("reference_rejected_logps", REF_REJECTED));
    }

    @Test
    void dpoLossMetricsAndGradientsMatchTheReference() {
        ComputeLossResponse r = loss.computeLoss(dpo().build());
        assertThat(r.getLoss()).isCloseTo(0.6626587599, within(1e-9));
        assertThat(r.getMetricsMap().get("rewards/margins")).isCloseTo(0.0633333333, within(1e-9));
        assertThat(r.getMetricsMap().get("rewards/accuracies")).isCloseTo(2.0 / 3, within(1e-9));
        NamedTensor gradChosen = r.getGradientsList().stream()
                .filter(g -> g.getName().equals("policy_chosen_logps")).findFirst().orElseThrow();
        NamedTensor gradRejected = r.getGradientsList().stream()
                .filter(g -> g.getName().equals("policy_rejected_logps")).findFirst().orElseThrow();
        assertThat(gradChosen.getShapeList()).containsExactly(3L);
        for (int i = 0; i < 3; i++) {
            // d/d chosen of mean(-logsigmoid(beta*z)) = -(beta/B) * sigmoid(-beta*z) = -(beta/B) * (1 - exp(-loss_i))
            double expected = -(0.1 / 3) * (1 - Math.exp(-PER_PAIR_LOSS[i]));
            assertThat(gradChosen.getDoubleValues(i)).isCloseTo(expected, within(1e-9));
            assertThat(gradRejected.getDoubleValues(i)).isCloseTo(-expected, within(1e-9));
        }
        assertThat(r.getGradientsList()).extracting(NamedTensor::getName)
                .doesNotContain("reference_chosen_logps", "reference_rejected_logps");
    }

    @Test
    void float32IsTheDefaultAndAnswersInFloats() {
        ComputeLossResponse r = loss.computeLoss(dpo().setDtype(Dtype.DTYPE_UNSPECIFIED).build());
        assertThat(r.getLoss()).isCloseTo(0.6626587599, within(1e-5));
        assertThat(r.getGradients(0).getFloatValuesCount()).isEqualTo(3);
        assertThat(r.getGradients(0).getDoubleValuesCount()).isZero();
    }

    @Test
    void everyClientMistakeIsInvalidArgumentNamingTheField() {
        assertInvalid(dpo().setAlgorithm("nope"), "algorithm");
        assertInvalid(dpo().putParameters("gamma", ParameterValue.newBuilder().setNumberValue(1).build()),
                "parameters.gamma");
        assertInvalid(dpo().putParameters("beta", ParameterValue.newBuilder().setNumberValue(-1).build()),
                "parameters.beta");
        assertInvalid(dpo().setTensors(1, vector("policy_rejected_logps", -1, -2)), "tensors.policy_rejected_logps.shape");
        assertInvalid(dpo().setTensors(0, vector("policy_chosen_logps", -1, Double.NaN, -3)),
                "tensors.policy_chosen_logps.values");
        assertInvalid(dpo().setTensors(0, vector("policy_chosen_logps", -1, Double.POSITIVE_INFINITY, -3)),
                "tensors.policy_chosen_logps.values");
        assertInvalid(dpo().removeTensors(3), "tensors.reference_rejected_logps");
        assertInvalid(dpo().clearTensors(), "tensors");
        assertInvalid(dpo().setTensors(0, NamedTensor.newBuilder().setName("policy_chosen_logps").addShape(3)
                .addDoubleValues(1).build()), "tensors.policy_chosen_logps.values");
        assertInvalid(dpo().setTensors(0, NamedTensor.newBuilder().setName("policy_chosen_logps").addShape(3)
                .addDoubleValues(1).addDoubleValues(1).addDoubleValues(1).addFloatValues(1).build()),
                "tensors.policy_chosen_logps.values");
        // The server is still healthy afterwards.
        assertThat(loss.computeLoss(dpo().build()).getLoss()).isCloseTo(0.6626587599, within(1e-9));
    }

    @Test
    void grpoGroupSizeMustDivideTheBatch() {
        ComputeLossRequest.Builder b = ComputeLossRequest.newBuilder().setAlgorithm("grpo")
                .putParameters("num_generations", ParameterValue.newBuilder().setIntegerValue(2).build())
                .addTensors(NamedTensor.newBuilder().setName("logps").addShape(3).addShape(2)
                        .addAllDoubleValues(Arrays.asList(-1.0, -1.0, -1.0, -1.0, -1.0, -1.0)))
                .addTensors(NamedTensor.newBuilder().setName("mask").addShape(3).addShape(2)
                        .addAllDoubleValues(Arrays.asList(1.0, 1.0, 1.0, 1.0, 1.0, 1.0)))
                .addTensors(vector("rewards", 1, 0, 1));
        assertThatThrownBy(() -> loss.computeLoss(b.build())).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
            assertThat(TestChannels.field(e)).startsWith("parameters.num_generations");
        });
    }

    private void assertInvalid(ComputeLossRequest.Builder request, String field) {
        assertThatThrownBy(() -> loss.computeLoss(request.build())).as(field)
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
                    assertThat(TestChannels.field(e)).isEqualTo(field);
                });
    }
}
