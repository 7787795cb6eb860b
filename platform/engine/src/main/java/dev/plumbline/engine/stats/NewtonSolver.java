package dev.plumbline.engine.stats;

import org.apache.commons.math3.linear.Array2DRowRealMatrix;
import org.apache.commons.math3.linear.ArrayRealVector;
import org.apache.commons.math3.linear.CholeskyDecomposition;
import org.apache.commons.math3.linear.NonPositiveDefiniteMatrixException;

/**
 * Damped Newton minimisation of a smooth convex function (package-private; used by {@link BradleyTerry} and
 * {@link LengthControlledWinRate}). Steps solve {@code H·d = −g} by Cholesky; a backtracking (Armijo) line search
 * guards far from the optimum. Near the optimum the decrease in the objective falls below double resolution before
 * the parameters are exact, so a small (< {@value #TRUST_STEP}) full step whose change in value is within rounding is
 * trusted, and the iteration stops when the largest step is below {@code tolerance} or such trusted steps stop
 * shrinking (the gradient has reached its rounding floor). Large steps that no longer decrease the objective mean
 * the infimum is at infinity (a divergent MLE): reported as non-convergence.
 */
final class NewtonSolver {

    /** The objective: value, gradient and a positive definite Hessian (or stand-in with the same null steps). */
    interface Problem {
        double value(double[] x);

        void derivatives(double[] x, double[] gradient, double[][] hessian);
    }

    /** Largest step that may be taken on trust (without a representable decrease) or end the iteration. */
    static final double TRUST_STEP = 1e-3;

    private NewtonSolver() {}

    /**
     * @return the minimiser, or {@code null} if {@code maxIterations} were not enough (e.g. a divergent MLE)
     * @throws NonPositiveDefiniteMatrixException if a Hessian is not positive definite
     */
    static double[] minimise(Problem problem, double[] start, int maxIterations, double tolerance) {
        int dim = start.length;
        double[] x = start.clone();
        if (dim == 0) {
            return x;
        }
        double f = problem.value(x);
        double previousTrusted = Double.POSITIVE_INFINITY;
        double[] next = new double[dim];
        for (int iter = 0; iter < maxIterations; iter++) {
            double[] grad = new double[dim];
            double[][] hess = new double[dim][dim];
            problem.derivatives(x, grad, hess);
            double[] step = new CholeskyDecomposition(new Array2DRowRealMatrix(hess, false), 1e-9, 0.0)
                    .getSolver().solve(new ArrayRealVector(grad, false)).mapMultiply(-1).toArray();
            double slope = 0;
            double maxStep = 0;
            for (int k = 0; k < dim; k++) {
                slope += grad[k] * step[k];
                maxStep = Math.max(maxStep, Math.abs(step[k]));
            }
            if (!(maxStep >= tolerance)) { // also stops on NaN
                return x;
            }
            double resolution = 1e-14 * Math.max(1, Math.abs(f));
            double t = 1;
            double fNext = Double.NaN;
            boolean decreased = false;
            boolean trusted = false;
            for (int halvings = 0; halvings < 60; halvings++) {
                for (int k = 0; k < dim; k++) {
                    next[k] = x[k] + t * step[k];
                }
                fNext = problem.value(next);
                if (fNext < f && fNext <= f + 1e-4 * t * slope) {
                    decreased = true;
                    break;
                }
                if (t == 1 && maxStep < TRUST_STEP && fNext - f <= resolution) {
                    trusted = true;
                    break;
                }
                t /= 2;
            }
            if (!decreased && !trusted) {
                // no representable decrease: optimal up to rounding if the step is small, otherwise the minimum
                // lies out of reach (f flattens toward an infimum at infinity)
                return maxStep < TRUST_STEP ? x : null;
            }
            if (trusted) {
                if (maxStep > previousTrusted / 2) {
                    return x;
                }
                previousTrusted = maxStep;
            } else {
                previousTrusted = Double.POSITIVE_INFINITY;
            }
            System.arraycopy(next, 0, x, 0, dim);
            f = fNext;
        }
        return null;
    }
}
