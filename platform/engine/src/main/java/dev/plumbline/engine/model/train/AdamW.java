package dev.plumbline.engine.model.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * AdamW exactly as {@code torch.optim.AdamW} (single-tensor path) computes it: decoupled weight
 * decay {@code p *= 1 - lr*wd}, then {@code m = b1 m + (1-b1) g}, {@code v = b2 v + (1-b2) g^2},
 * {@code p -= lr/(1-b1^t) * m / (sqrt(v)/sqrt(1-b2^t) + eps)}. Written here because DJL's
 * {@code Optimizer.adamW} runs a fused native update whose decay and epsilon placement we cannot
 * check against PyTorch, and it is tied to DJL's Trainer/ParameterStore, which plain-NDArray models
 * do not use.
 *
 * <p>Also owns the gradient bookkeeping around a step: global-norm clipping and zeroing. Updates
 * write through {@link NDArray#stopGradient() detached} views, which share storage with the weights
 * and may be modified in place whatever the thread's grad mode.
 */
public final class AdamW implements AutoCloseable {

    private final NDManager manager;
    private final List<String> names = new ArrayList<>();
    private final List<NDArray> parameters = new ArrayList<>();
    private final List<NDArray> views = new ArrayList<>();
    private final List<NDArray> firstMoments = new ArrayList<>();
    private final List<NDArray> secondMoments = new ArrayList<>();
    private final List<Boolean> decays = new ArrayList<>();
    private final double beta1;
    private final double beta2;
    private final double epsilon;
    private final double weightDecay;
    private int steps;

    /**
     * @param parameters weights that require gradients, by name
     * @param decay which names get weight decay (transformers exempts norm weights and biases)
     */
    public AdamW(Map<String, NDArray> parameters, double beta1, double beta2, double epsilon, double weightDecay,
            Predicate<String> decay, NDManager parent) {
        this.manager = parent.newSubManager();
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.epsilon = epsilon;
        this.weightDecay = weightDecay;
        for (Map.Entry<String, NDArray> e : new LinkedHashMap<>(parameters).entrySet()) {
            NDArray p = e.getValue();
            names.add(e.getKey());
            this.parameters.add(p);
            NDArray view = p.stopGradient();
            view.attach(manager);
            views.add(view);
            firstMoments.add(manager.zeros(p.getShape(), p.getDataType()));
            secondMoments.add(manager.zeros(p.getShape(), p.getDataType()));
            decays.add(decay.test(e.getKey()));
        }
    }

    /** Optimizer steps taken so far. */
    public int steps() {
        return steps;
    }

    /**
     * The global L2 norm of all gradients, then scales them by {@code maxNorm / (norm + 1e-6)} when
     * that is below one ({@code torch.nn.utils.clip_grad_norm_}). {@code maxNorm <= 0} only measures.
     */
    public double clipGradients(double maxNorm) {
        try (NDManager step = manager.newSubManager()) {
            List<NDArray> grads = gradients(step);
            NDList squares = new NDList();
            for (NDArray g : grads) {
                squares.add(g.pow(2f).sum());
            }
            double norm = Math.sqrt(NDArrays.stack(squares).sum().getFloat());
            if (maxNorm > 0 && Double.isFinite(norm)) {
                double coefficient = maxNorm / (norm + 1e-6);
                if (coefficient < 1) {
                    for (NDArray g : grads) {
                        g.muli((float) coefficient);
                    }
                }
            }
            return norm;
        }
    }

    /** One update with learning rate {@code lr}, then clears the gradients. */
    public void step(double lr) {
        steps++;
        double bias1 = 1 - Math.pow(beta1, steps);
        double bias2Sqrt = Math.sqrt(1 - Math.pow(beta2, steps));
        float stepSize = (float) (lr / bias1);
        try (NDManager step = manager.newSubManager()) {
            List<NDArray> grads = gradients(step);
            for (int i = 0; i < views.size(); i++) {
                NDArray p = views.get(i);
                NDArray g = grads.get(i);
                NDArray m = firstMoments.get(i);
                NDArray v = secondMoments.get(i);
                if (weightDecay != 0 && decays.get(i)) {
                    p.muli((float) (1 - lr * weightDecay));
                }
                m.muli((float) beta1).addi(g.mul((float) (1 - beta1)));
                v.muli((float) beta2).addi(g.mul(g).muli((float) (1 - beta2)));
                NDArray denominator = v.sqrt();
                denominator.attach(step);
                denominator.divi((float) bias2Sqrt).addi((float) epsilon);
                NDArray update = m.div(denominator);
                update.attach(step);
                p.subi(update.muli(stepSize));
                g.muli(0f);
            }
        }
    }

    /** Sets every gradient to zero without updating (e.g. to drop a skipped step). */
    public void zeroGradients() {
        try (NDManager step = manager.newSubManager()) {
            for (NDArray g : gradients(step)) {
                g.muli(0f);
            }
        }
    }

    /** Gradient handles for every parameter, owned by {@code step} (closing them keeps the gradients). */
    private List<NDArray> gradients(NDManager step) {
        List<NDArray> grads = new ArrayList<>(parameters.size());
        for (int i = 0; i < parameters.size(); i++) {
            NDArray g = parameters.get(i).getGradient();
            g.attach(step);
            grads.add(g);
        }
        return grads;
    }

    /**
     * The optimizer state for a checkpoint: {@code exp_avg.<name>} and {@code exp_avg_sq.<name>}
     * (torch's state keys) per parameter; the step count is {@link #steps()}. The arrays are live.
     */
    public Map<String, NDArray> state() {
        Map<String, NDArray> state = new LinkedHashMap<>();
        for (int i = 0; i < names.size(); i++) {
            state.put("exp_avg." + names.get(i), firstMoments.get(i));
            state.put("exp_avg_sq." + names.get(i), secondMoments.get(i));
        }
        return state;
    }

    /**
     * Restores a {@link #state()} saved after {@code steps} steps.
     *
     * @param read returns the saved tensor of a key as floats (row-major), or {@code null} if absent
     * @throws IllegalArgumentException if a moment is missing or has the wrong size
     */
    public void restore(int steps, java.util.function.Function<String, float[]> read) {
        for (int i = 0; i < names.size(); i++) {
            restore(firstMoments.get(i), "exp_avg." + names.get(i), read);
            restore(secondMoments.get(i), "exp_avg_sq." + names.get(i), read);
        }
        this.steps = steps;
    }

    private static void restore(NDArray target, String key, java.util.function.Function<String, float[]> read) {
        float[] values = read.apply(key);
        if (values == null || values.length != target.size()) {
            throw new IllegalArgumentException("optimizer state " + key + (values == null ? " is missing"
                    : " has " + values.length + " values, expected " + target.size()));
        }
        target.set(values);
    }

    public List<String> parameterNames() {
        return List.copyOf(names);
    }

    @Override
    public void close() {
        manager.close();
    }
}
