package dev.plumbline.engine.stats;

import java.util.Locale;

/**
 * How well a judge agrees with gold labels.
 *
 * @param accuracyInterval Wilson score interval for {@link #accuracy()}
 * @param kappaStandardError large-sample standard error of Cohen's kappa, {@code sqrt(po(1-po) / (n(1-pe)^2))}
 * @param kappaInterval {@code kappa ± z·SE}, clipped to [-1, 1]
 */
public record AgreementReport(
        long n,
        long agreements,
        double accuracy,
        Interval accuracyInterval,
        double expectedAgreement,
        double kappa,
        double kappaStandardError,
        Interval kappaInterval,
        ConfusionMatrix matrix) {

    /** One line for logs and docs, e.g. {@code n=360 accuracy=0.9250 [0.8929, 0.9482] kappa=0.8497 [0.7946, 0.9047]}. */
    public String summary() {
        return String.format(Locale.ROOT, "n=%d accuracy=%.4f %s kappa=%.4f %s", n, accuracy, accuracyInterval,
                kappa, kappaInterval);
    }

    @Override
    public String toString() {
        return summary();
    }
}
