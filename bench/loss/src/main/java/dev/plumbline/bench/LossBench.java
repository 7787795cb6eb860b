package dev.plumbline.bench;

import dev.plumbline.engine.loss.HostTensor;
import dev.plumbline.engine.loss.LossKernel;
import dev.plumbline.engine.loss.LossResult;
import dev.plumbline.engine.plugin.PluginRegistry;
import java.io.IOException;
import java.io.Writer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Times {@link LossKernel#compute} in process on the batches written by {@code bench/loss_bench.py data}.
 *
 * <pre>java -cp ... dev.plumbline.bench.LossBench DATA_DIR WARMUP ITERATIONS OUT.json [float32|float64]
 * java -cp ... dev.plumbline.bench.LossBench DATA_DIR --serve [float32|float64]</pre>
 *
 * With {@code --serve} it answers commands on stdin, one per line, so that {@code bench/loss_bench.py run} can
 * interleave it with the gRPC and PyTorch measurements (all of them then see the same background load):
 * {@code run <case> <0|1 gradients> <n>} prints {@code {"loss": .., "grad_norm": .., "samples_ms": [..]}};
 * {@code quit} ends. Nothing else is written to stdout (logs go to stderr).
 *
 * The data directory holds {@code manifest.txt} (lines {@code case <id> <algorithm>},
 * {@code param <id> <name> <number|integer|string|boolean> <value>}, {@code tensor <id> <name> <d0,d1,...> <file>})
 * and raw little-endian float64 files. Every timed call includes what a caller of the kernel pays: validation,
 * host to NDArray copies, the plugin's loss, backward, and copying loss, metrics, gradients and outputs back.
 */
public final class LossBench {

    private record Case(String id, String algorithm, Map<String, Object> params, List<HostTensor> tensors) {
    }

    public static void main(String[] args) throws IOException {
        if (args.length >= 2 && args[1].equals("--serve")) {
            serve(Path.of(args[0]), args.length > 2 && args[2].equals("float64"));
            return;
        }
        if (args.length < 4) {
            System.err.println("usage: LossBench DATA_DIR WARMUP ITERATIONS OUT.json [float32|float64]");
            System.exit(2);
        }
        Path dir = Path.of(args[0]);
        int warmup = Integer.parseInt(args[1]);
        int iterations = Integer.parseInt(args[2]);
        Path out = Path.of(args[3]);
        boolean float64 = args.length > 4 && args[4].equals("float64");

        List<Case> cases = read(dir);
        LossKernel kernel = new LossKernel(PluginRegistry.discover(LossBench.class.getClassLoader()));
        StringBuilder json = new StringBuilder("[\n");
        for (Case c : cases) {
            for (boolean gradients : new boolean[] {true, false}) {
                String mode = gradients ? "in-process" : "in-process, no gradients";
                LossResult first = kernel.compute(c.algorithm(), c.params(), c.tensors(), float64, gradients);
                for (int i = 0; i < warmup; i++) {
                    kernel.compute(c.algorithm(), c.params(), c.tensors(), float64, gradients);
                }
                double[] samples = new double[iterations];
                for (int i = 0; i < iterations; i++) {
                    long t0 = System.nanoTime();
                    kernel.compute(c.algorithm(), c.params(), c.tensors(), float64, gradients);
                    samples[i] = (System.nanoTime() - t0) / 1e6;
                }
                double gradNorm = 0;
                for (HostTensor g : first.gradients()) {
                    for (double v : g.values()) {
                        gradNorm += v * v;
                    }
                }
                System.err.printf(Locale.ROOT, "[java] %-5s %-26s loss %.7f  |grad| %.7f  median %.2f ms%n", c.id(),
                        mode, first.loss(), Math.sqrt(gradNorm), median(samples));
                if (json.length() > 2) {
                    json.append(",\n");
                }
                json.append(String.format(Locale.ROOT,
                        "{\"case\": \"%s\", \"mode\": \"%s\", \"dtype\": \"%s\", \"loss\": %.17g, \"grad_norm\": %.17g,"
                                + " \"samples_ms\": %s}",
                        c.id(), mode, float64 ? "float64" : "float32", first.loss(), Math.sqrt(gradNorm),
                        java.util.Arrays.toString(samples)));
            }
        }
        json.append("\n]\n");
        try (Writer w = Files.newBufferedWriter(out, StandardCharsets.UTF_8)) {
            w.write(json.toString());
        }
    }

    private static void serve(Path dir, boolean float64) throws IOException {
        Map<String, Case> cases = new LinkedHashMap<>();
        for (Case c : read(dir)) {
            cases.put(c.id(), c);
        }
        LossKernel kernel = new LossKernel(PluginRegistry.discover(LossBench.class.getClassLoader()));
        java.io.BufferedReader in = new java.io.BufferedReader(
                new java.io.InputStreamReader(System.in, StandardCharsets.UTF_8));
        java.io.PrintStream out = System.out;
        out.println("ready");
        out.flush();
        for (String line = in.readLine(); line != null; line = in.readLine()) {
            String[] f = line.trim().split(" ");
            if (f[0].equals("quit")) {
                break;
            }
            if (!f[0].equals("run") || f.length != 4 || !cases.containsKey(f[1])) {
                out.println("{\"error\": \"bad command: " + line.replace("\"", "'") + "\"}");
                out.flush();
                continue;
            }
            Case c = cases.get(f[1]);
            boolean gradients = f[2].equals("1");
            int n = Integer.parseInt(f[3]);
            double[] samples = new double[n];
            LossResult last = null;
            for (int i = 0; i < n; i++) {
                long t0 = System.nanoTime();
                last = kernel.compute(c.algorithm(), c.params(), c.tensors(), float64, gradients);
                samples[i] = (System.nanoTime() - t0) / 1e6;
            }
            double gradNorm = 0;
            if (last != null) {
                for (HostTensor g : last.gradients()) {
                    for (double v : g.values()) {
                        gradNorm += v * v;
                    }
                }
            }
            out.println(String.format(Locale.ROOT, "{\"loss\": %.17g, \"grad_norm\": %.17g, \"samples_ms\": %s}",
                    last == null ? Double.NaN : last.loss(), Math.sqrt(gradNorm), java.util.Arrays.toString(samples)));
            out.flush();
        }
    }

    private static double median(double[] samples) {
        double[] s = samples.clone();
        java.util.Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    private static List<Case> read(Path dir) throws IOException {
        Map<String, Case> cases = new LinkedHashMap<>();
        for (String line : Files.readAllLines(dir.resolve("manifest.txt"), StandardCharsets.UTF_8)) {
            String[] f = line.trim().split(" ");
            if (f.length == 0 || f[0].isEmpty() || f[0].startsWith("#")) {
                continue;
            }
            switch (f[0]) {
                case "case" -> cases.put(f[1], new Case(f[1], f[2], new LinkedHashMap<>(), new ArrayList<>()));
                case "param" -> cases.get(f[1]).params().put(f[2], switch (f[3]) {
                    case "number" -> Double.parseDouble(f[4]);
                    case "integer" -> Long.parseLong(f[4]);
                    case "boolean" -> Boolean.parseBoolean(f[4]);
                    default -> f[4];
                });
                case "tensor" -> {
                    String[] dims = f[3].split(",");
                    long[] shape = new long[dims.length];
                    for (int d = 0; d < dims.length; d++) {
                        shape[d] = Long.parseLong(dims[d]);
                    }
                    ByteBuffer bytes = ByteBuffer.wrap(Files.readAllBytes(dir.resolve(f[4])))
                            .order(ByteOrder.LITTLE_ENDIAN);
                    double[] values = new double[bytes.remaining() / Double.BYTES];
                    bytes.asDoubleBuffer().get(values);
                    cases.get(f[1]).tensors().add(new HostTensor(f[2], shape, values));
                }
                default -> throw new IllegalArgumentException("bad manifest line: " + line);
            }
        }
        return new ArrayList<>(cases.values());
    }
}
