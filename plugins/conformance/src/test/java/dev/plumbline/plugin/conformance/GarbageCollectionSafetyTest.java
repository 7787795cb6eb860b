package dev.plumbline.plugin.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import dev.plumbline.engine.loss.HostTensor;
import dev.plumbline.engine.loss.LossKernel;
import dev.plumbline.engine.loss.LossResult;
import dev.plumbline.engine.loss.testing.ForcedGc;
import dev.plumbline.engine.plugin.PluginRegistry;
import dev.plumbline.spi.Algorithm;
import dev.plumbline.spi.LossInput;
import dev.plumbline.spi.LossOutput;
import dev.plumbline.spi.Plugin;
import dev.plumbline.spi.PluginKind;
import dev.plumbline.spi.TensorSpec;
import dev.plumbline.spi.loss.Scalars;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Gradients must not depend on garbage-collection timing. DJL's arithmetic with a Java-number
 * operand ({@code x.mul(2.0)}) wraps the number in a tensor over a Java buffer and closes it right
 * away, while autograd keeps the tensor for backward; a GC between forward and backward frees the
 * buffer and the gradients read freed memory. Loss code uses {@link Scalars#of} instead. This test
 * shows the hazard (and that {@link LossKernel#GC_BEFORE_BACKWARD_PROPERTY} exposes it), and scans
 * the bytecode of every algorithm plugin and of {@code dev.plumbline.spi.loss} for number operands.
 * The gradients themselves are checked under a forced GC by {@link LossVectorConformanceTest} and by
 * every plugin's {@code GradientCheck}.
 */
class GarbageCollectionSafetyTest {

    /** DJL methods whose {@code Number} overload wraps the number in a short-lived buffer-backed tensor. */
    private static final Set<String> ARITHMETIC = Set.of("add", "sub", "mul", "div", "mod", "pow", "maximum",
            "minimum", "addi", "subi", "muli", "divi", "modi", "powi", "rsub", "rsubi", "rdiv", "rdivi", "rmod",
            "rmodi", "rpow", "rpowi");
    private static final Set<String> DJL_ARRAY_TYPES = Set.of("ai/djl/ndarray/NDArray", "ai/djl/ndarray/NDArrays",
            "ai/djl/ndarray/internal/NDArrayEx");

    /** {@code loss = sum(3 x)}, so {@code d loss / d x = 3}: with a Java number or with {@link Scalars#of}. */
    static final class Triple implements Algorithm {

        private final boolean javaNumber;

        Triple(boolean javaNumber) {
            this.javaNumber = javaNumber;
        }

        @Override
        public String id() {
            return javaNumber ? "triple-java-number" : "triple-scalars";
        }

        @Override
        public String description() {
            return "test algorithm";
        }

        @Override
        public List<TensorSpec> tensors() {
            return List.of(TensorSpec.input("x", List.of("B"), "input"));
        }

        @Override
        public LossOutput loss(LossInput input) {
            NDArray x = input.tensor("x");
            NDArray tripled = javaNumber ? x.mul(3.0) : x.mul(Scalars.of(x, 3.0));
            return new LossOutput(tripled.sum(), Map.of(), Map.of());
        }
    }

    private static final LossKernel TOY = new LossKernel(PluginRegistry.of(List.of(new Triple(true),
            new Triple(false))));
    private static final List<HostTensor> X = List.of(HostTensor.vector("x", 1.0, -2.0, 0.5, 4.0));

    @Test
    void aForcedGcBreaksAJavaNumberOperandButNotScalarsOf() {
        for (boolean float64 : new boolean[] {true, false}) {
            LossResult safe = ForcedGc.with(true, () -> TOY.compute("triple-scalars", Map.of(), X, float64, true));
            assertThat(safe.gradient("x").orElseThrow().values()).containsExactly(3.0, 3.0, 3.0, 3.0);
            // The freed buffer is overwritten by the allocator (glibc keeps its free-list pointers there).
            boolean corrupted = false;
            for (int attempt = 0; attempt < 5 && !corrupted; attempt++) {
                LossResult unsafe = ForcedGc.with(true,
                        () -> TOY.compute("triple-java-number", Map.of(), X, float64, true));
                corrupted = !Arrays.equals(unsafe.gradient("x").orElseThrow().values(), new double[] {3, 3, 3, 3});
            }
            assertThat(corrupted).as("x.mul(3.0) gives garbage gradients after a GC between forward and backward"
                    + " (float64=%s); if not, the kernel's GC hook no longer runs", float64).isTrue();
        }
    }

    @Test
    void noAlgorithmPluginOrSharedLossBlockHandsDjlAJavaNumberForArithmetic() {
        List<Class<?>> roots = new ArrayList<>();
        for (Plugin p : PluginRegistry.discover().list(PluginKind.ALGORITHM)) {
            roots.add(p.getClass());
        }
        roots.add(Scalars.class);
        Set<String> scanned = new TreeSet<>();
        Set<String> offending = new TreeSet<>();
        for (Class<?> root : roots) {
            forEachClassInPackage(root, (name, bytes) -> {
                if (scanned.add(name)) {
                    numberArithmetic(bytes).forEach(call -> offending.add(name + " calls " + call));
                }
            });
        }
        assertThat(scanned).as("classes scanned").contains("dev/plumbline/spi/loss/StableMath.class",
                "dev/plumbline/plugin/dpo/DpoAlgorithm.class", "dev/plumbline/plugin/ppo/PpoAlgorithm.class");
        assertThat(offending).as("use dev.plumbline.spi.loss.Scalars.of(like, value) instead of a Java number")
                .isEmpty();
    }

    @Test
    void theScanFindsAJavaNumberOperand() throws IOException {
        try (InputStream in = Triple.class.getResourceAsStream("GarbageCollectionSafetyTest$Triple.class")) {
            assertThat(numberArithmetic(in.readAllBytes()))
                    .containsExactly("ai/djl/ndarray/NDArray.mul(Ljava/lang/Number;)Lai/djl/ndarray/NDArray;");
        }
    }

    // ---------------------------------------------------------------- class files

    private interface ClassVisitor {
        void visit(String name, byte[] bytes);
    }

    /** Every class file in {@code root}'s package (not sub-packages), from a directory or a jar. */
    private static void forEachClassInPackage(Class<?> root, ClassVisitor visitor) {
        String prefix = root.getPackageName().replace('.', '/') + "/";
        try {
            Path location = Path.of(root.getProtectionDomain().getCodeSource().getLocation().toURI());
            if (Files.isDirectory(location)) {
                try (Stream<Path> files = Files.list(location.resolve(prefix))) {
                    for (Path f : files.filter(f -> f.toString().endsWith(".class")).toList()) {
                        visitor.visit(prefix + f.getFileName(), Files.readAllBytes(f));
                    }
                }
                return;
            }
            try (JarFile jar = new JarFile(location.toFile())) {
                for (JarEntry e : jar.stream().toList()) {
                    String rest = e.getName().startsWith(prefix) ? e.getName().substring(prefix.length()) : "";
                    if (rest.endsWith(".class") && !rest.contains("/")) {
                        try (InputStream in = jar.getInputStream(e)) {
                            visitor.visit(e.getName(), in.readAllBytes());
                        }
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * The DJL arithmetic methods with a {@code Number} parameter a class file refers to, as
     * {@code owner.name(descriptor)}, read from its constant pool (JVMS 4.4).
     */
    static List<String> numberArithmetic(byte[] classFile) {
        try (DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(classFile))) {
            if (in.readInt() != 0xCAFEBABE) {
                throw new IllegalArgumentException("not a class file");
            }
            in.readUnsignedShort();
            in.readUnsignedShort();
            int count = in.readUnsignedShort();
            String[] utf8 = new String[count];
            int[] first = new int[count];
            int[] second = new int[count];
            int[] tag = new int[count];
            for (int i = 1; i < count; i++) {
                tag[i] = in.readUnsignedByte();
                switch (tag[i]) {
                    case 1 -> utf8[i] = in.readUTF();
                    case 3, 4 -> in.readInt();
                    case 5, 6 -> {
                        in.readLong();
                        i++;
                    }
                    case 7, 8, 16, 19, 20 -> first[i] = in.readUnsignedShort();
                    case 9, 10, 11, 12, 17, 18 -> {
                        first[i] = in.readUnsignedShort();
                        second[i] = in.readUnsignedShort();
                    }
                    case 15 -> {
                        in.readUnsignedByte();
                        first[i] = in.readUnsignedShort();
                    }
                    default -> throw new IllegalArgumentException("constant pool tag " + tag[i]);
                }
            }
            List<String> found = new ArrayList<>();
            for (int i = 1; i < count; i++) {
                if (tag[i] == 10 || tag[i] == 11) {
                    String owner = utf8[first[first[i]]];
                    int nameAndType = second[i];
                    String name = utf8[first[nameAndType]];
                    String descriptor = utf8[second[nameAndType]];
                    if (DJL_ARRAY_TYPES.contains(owner) && ARITHMETIC.contains(name)
                            && descriptor.contains("Ljava/lang/Number;")) {
                        found.add(owner + "." + name + descriptor);
                    }
                }
            }
            return found;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
