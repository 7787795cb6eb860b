package dev.plumbline.server.grpc;

import com.google.protobuf.Timestamp;
import dev.plumbline.engine.run.RunKind;
import dev.plumbline.engine.run.RunState;
import dev.plumbline.proto.v1.ParameterSpec;
import dev.plumbline.proto.v1.ParameterType;
import dev.plumbline.proto.v1.ParameterValue;
import dev.plumbline.proto.v1.Plugin;
import dev.plumbline.proto.v1.PluginKind;
import dev.plumbline.proto.v1.Run;
import dev.plumbline.proto.v1.RunEvent;
import dev.plumbline.proto.v1.RunEventType;
import dev.plumbline.proto.v1.TensorSpec;
import dev.plumbline.server.run.RunEventSnapshot;
import dev.plumbline.server.run.RunSnapshot;
import dev.plumbline.spi.Algorithm;
import dev.plumbline.spi.InvalidInputException;
import java.time.OffsetDateTime;
import java.util.LinkedHashMap;
import java.util.Map;

/** Translates between proto messages and SPI/engine types; the only place that knows both. */
public final class ProtoMapping {

    private ProtoMapping() {}

    public static Plugin plugin(dev.plumbline.spi.Plugin p) {
        Plugin.Builder b = Plugin.newBuilder()
                .setId(p.id())
                .setKind(kind(p.kind()))
                .setDescription(p.description())
                .setVersion(p.version())
                .setImplementation(p.getClass().getName());
        for (dev.plumbline.spi.ParameterSpec s : p.parameters()) {
            b.addParameters(parameterSpec(s));
        }
        if (p instanceof Algorithm a) {
            for (dev.plumbline.spi.TensorSpec t : a.tensors()) {
                b.addTensors(TensorSpec.newBuilder().setName(t.name()).setShape(t.shapeText())
                        .setRequired(t.required()).setDifferentiable(t.differentiable()).setDoc(t.doc()));
            }
        }
        return b.build();
    }

    static ParameterSpec parameterSpec(dev.plumbline.spi.ParameterSpec s) {
        ParameterSpec.Builder b = ParameterSpec.newBuilder()
                .setName(s.name())
                .setType(ParameterType.valueOf("PARAMETER_TYPE_" + s.type().name()))
                .addAllAllowedValues(s.allowedValues())
                .setDoc(s.doc())
                .setRequired(s.required());
        if (s.defaultValue() != null) {
            b.setDefaultValue(value(s.defaultValue()));
        }
        if (s.minimum() != null) {
            b.setMinimum(s.minimum());
        }
        if (s.maximum() != null) {
            b.setMaximum(s.maximum());
        }
        return b.build();
    }

    public static PluginKind kind(dev.plumbline.spi.PluginKind k) {
        return PluginKind.valueOf("PLUGIN_KIND_" + k.name());
    }

    /** {@code null} for UNSPECIFIED (= every kind). */
    public static dev.plumbline.spi.PluginKind kind(PluginKind k, String field) {
        return switch (k) {
            case PLUGIN_KIND_UNSPECIFIED -> null;
            case PLUGIN_KIND_ALGORITHM -> dev.plumbline.spi.PluginKind.ALGORITHM;
            case PLUGIN_KIND_JUDGE -> dev.plumbline.spi.PluginKind.JUDGE;
            case PLUGIN_KIND_MODEL_PROVIDER -> dev.plumbline.spi.PluginKind.MODEL_PROVIDER;
            case UNRECOGNIZED -> throw new InvalidInputException(field, "unknown plugin kind");
        };
    }

    public static ParameterValue value(Object v) {
        if (v instanceof Boolean bool) {
            return ParameterValue.newBuilder().setBoolValue(bool).build();
        }
        if (v instanceof Long || v instanceof Integer) {
            return ParameterValue.newBuilder().setIntegerValue(((Number) v).longValue()).build();
        }
        if (v instanceof Number n) {
            return ParameterValue.newBuilder().setNumberValue(n.doubleValue()).build();
        }
        return ParameterValue.newBuilder().setStringValue(String.valueOf(v)).build();
    }

    /** Parameter values as plain Java objects, for {@link dev.plumbline.spi.Parameters#resolve}. */
    public static Map<String, Object> values(Map<String, ParameterValue> values, String field) {
        Map<String, Object> out = new LinkedHashMap<>();
        values.forEach((name, v) -> out.put(name, switch (v.getKindCase()) {
            case NUMBER_VALUE -> v.getNumberValue();
            case INTEGER_VALUE -> v.getIntegerValue();
            case STRING_VALUE -> v.getStringValue();
            case BOOL_VALUE -> v.getBoolValue();
            case KIND_NOT_SET -> throw new InvalidInputException(field + "." + name, "no value set");
        }));
        return out;
    }

    public static Run run(RunSnapshot r) {
        Run.Builder b = Run.newBuilder()
                .setId(r.id())
                .setKind(r.kind() == RunKind.TRAINING ? dev.plumbline.proto.v1.RunKind.RUN_KIND_TRAINING
                        : dev.plumbline.proto.v1.RunKind.RUN_KIND_EVALUATION)
                .setState(state(r.state()))
                .setName(r.name())
                .setConfigJson(r.configJson())
                .setCreateTime(timestamp(r.createdAt()))
                .setProgressDone(r.progressDone())
                .setProgressTotal(r.progressTotal())
                .putAllLatestMetrics(r.latestMetrics());
        if (r.startedAt() != null) {
            b.setStartTime(timestamp(r.startedAt()));
        }
        if (r.endedAt() != null) {
            b.setEndTime(timestamp(r.endedAt()));
        }
        if (r.error() != null) {
            b.setError(r.error());
        }
        return b.build();
    }

    public static RunEvent event(RunEventSnapshot e) {
        RunEvent.Builder b = RunEvent.newBuilder()
                .setRunId(e.runId())
                .setSequence(e.sequence())
                .setTime(timestamp(e.time()))
                .setType(RunEventType.valueOf("RUN_EVENT_TYPE_" + e.type().name()))
                .putAllMetrics(e.metrics());
        if (e.state() != null) {
            b.setState(state(e.state()));
        }
        if (e.progressDone() != null) {
            b.setProgressDone(e.progressDone());
        }
        if (e.progressTotal() != null) {
            b.setProgressTotal(e.progressTotal());
        }
        if (e.step() != null) {
            b.setStep(e.step());
        }
        if (e.message() != null) {
            b.setMessage(e.message());
        }
        return b.build();
    }

    public static dev.plumbline.proto.v1.RunState state(RunState s) {
        return dev.plumbline.proto.v1.RunState.valueOf("RUN_STATE_" + s.name());
    }

    /** {@code null} for UNSPECIFIED. */
    public static RunState state(dev.plumbline.proto.v1.RunState s, String field) {
        return switch (s) {
            case RUN_STATE_UNSPECIFIED -> null;
            case UNRECOGNIZED -> throw new InvalidInputException(field, "unknown run state");
            default -> RunState.valueOf(s.name().substring("RUN_STATE_".length()));
        };
    }

    static Timestamp timestamp(OffsetDateTime t) {
        return Timestamp.newBuilder().setSeconds(t.toEpochSecond()).setNanos(t.getNano()).build();
    }
}
