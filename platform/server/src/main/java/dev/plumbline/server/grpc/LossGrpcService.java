package dev.plumbline.server.grpc;

import dev.plumbline.engine.loss.HostTensor;
import dev.plumbline.engine.loss.LossKernel;
import dev.plumbline.engine.loss.LossResult;
import dev.plumbline.engine.plugin.PluginRegistry;
import dev.plumbline.engine.runtime.NativeEngines;
import dev.plumbline.proto.v1.ComputeLossRequest;
import dev.plumbline.proto.v1.ComputeLossResponse;
import dev.plumbline.proto.v1.Dtype;
import dev.plumbline.proto.v1.LossService;
import dev.plumbline.proto.v1.NamedTensor;
import dev.plumbline.spi.InvalidInputException;
import io.quarkus.grpc.GrpcService;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.mutiny.Uni;
import java.util.ArrayList;
import java.util.List;

/** Serves the algorithms' losses and gradients to trainers written in any language. */
@GrpcService
public class LossGrpcService implements LossService {

    private final PluginRegistry registry;
    private volatile LossKernel kernel;

    public LossGrpcService(PluginRegistry registry) {
        this.registry = registry;
    }

    @Override
    @Blocking
    public Uni<ComputeLossResponse> computeLoss(ComputeLossRequest request) {
        return Uni.createFrom().item(() -> {
            boolean float64 = switch (request.getDtype()) {
                case DTYPE_UNSPECIFIED, DTYPE_FLOAT32 -> false;
                case DTYPE_FLOAT64 -> true;
                case UNRECOGNIZED -> throw new InvalidInputException("dtype", "unknown dtype " + request.getDtypeValue());
            };
            List<HostTensor> tensors = new ArrayList<>(request.getTensorsCount());
            for (int i = 0; i < request.getTensorsCount(); i++) {
                tensors.add(hostTensor(request.getTensors(i), i));
            }
            LossResult result = kernel().compute(request.getAlgorithm(),
                    ProtoMapping.values(request.getParametersMap(), "parameters"), tensors, float64,
                    request.getWantGradients());
            ComputeLossResponse.Builder b = ComputeLossResponse.newBuilder()
                    .setLoss(result.loss())
                    .putAllMetrics(result.metrics());
            result.gradients().forEach(g -> b.addGradients(namedTensor(g, float64)));
            result.outputs().forEach(o -> b.addOutputs(namedTensor(o, float64)));
            return b.build();
        });
    }

    private LossKernel kernel() {
        if (!NativeEngines.pytorch()) {
            throw new FeatureUnavailableException(NativeEngines.missing("LossService.ComputeLoss", "the DJL PyTorch engine"));
        }
        LossKernel k = kernel;
        if (k == null) {
            synchronized (this) {
                if (kernel == null) {
                    kernel = new LossKernel(registry);
                }
                k = kernel;
            }
        }
        return k;
    }

    static HostTensor hostTensor(NamedTensor t, int index) {
        String field = "tensors." + (t.getName().isEmpty() ? "[" + index + "]" : t.getName());
        if (t.getFloatValuesCount() > 0 && t.getDoubleValuesCount() > 0) {
            throw new InvalidInputException(field + ".values", "set float_values or double_values, not both");
        }
        long[] shape = new long[t.getShapeCount()];
        for (int d = 0; d < shape.length; d++) {
            shape[d] = t.getShape(d);
            if (shape[d] < 0) {
                throw new InvalidInputException(field + ".shape", "dimension " + d + " is negative: " + shape[d]);
            }
        }
        double[] values;
        if (t.getFloatValuesCount() > 0) {
            values = new double[t.getFloatValuesCount()];
            for (int i = 0; i < values.length; i++) {
                values[i] = t.getFloatValues(i);
            }
        } else {
            values = new double[t.getDoubleValuesCount()];
            for (int i = 0; i < values.length; i++) {
                values[i] = t.getDoubleValues(i);
            }
        }
        return new HostTensor(t.getName(), shape, values);
    }

    static NamedTensor namedTensor(HostTensor t, boolean float64) {
        NamedTensor.Builder b = NamedTensor.newBuilder().setName(t.name());
        for (long d : t.shape()) {
            b.addShape(d);
        }
        double[] v = t.values();
        if (float64) {
            for (double x : v) {
                b.addDoubleValues(x);
            }
        } else {
            for (double x : v) {
                b.addFloatValues((float) x);
            }
        }
        return b.build();
    }
}
