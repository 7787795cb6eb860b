package dev.plumbline.engine.train;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.util.LinkedHashMap;
import java.util.Map;

/** Running means of named metrics (over micro-batches of a step, or steps between reports); non-finite values are skipped. */
public final class MetricMeans {

    private final Map<String, double[]> sums = new LinkedHashMap<>();

    public void add(String key, double value) {
        if (Double.isFinite(value)) {
            double[] s = sums.computeIfAbsent(key, k -> new double[2]);
            s[0] += value;
            s[1]++;
        }
    }

    public void addAll(Map<String, Double> metrics) {
        metrics.forEach((k, v) -> add(k, v == null ? Double.NaN : v));
    }

    /** The means so far, then starts over. */
    public Map<String, Double> drain() {
        Map<String, Double> out = new LinkedHashMap<>();
        sums.forEach((k, s) -> out.put(k, s[0] / s[1]));
        sums.clear();
        return out;
    }

    /** The unreported sums, so a checkpoint taken between reports resumes the same means. */
    public JsonObject toJson() {
        JsonObject o = new JsonObject();
        sums.forEach((k, s) -> {
            JsonArray a = new JsonArray();
            a.add(s[0]);
            a.add(s[1]);
            o.add(k, a);
        });
        return o;
    }

    public static MetricMeans fromJson(JsonElement json) {
        MetricMeans m = new MetricMeans();
        if (json != null && json.isJsonObject()) {
            for (Map.Entry<String, JsonElement> e : json.getAsJsonObject().entrySet()) {
                JsonArray a = e.getValue().getAsJsonArray();
                m.sums.put(e.getKey(), new double[] {a.get(0).getAsDouble(), a.get(1).getAsDouble()});
            }
        }
        return m;
    }
}
