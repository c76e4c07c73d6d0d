package dev.moa.eval;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.MathContext;
import java.util.List;

/** The report's statistics, in plain arithmetic so a test can check them by hand. */
public final class ReportStatistics {

    /** The 97.5th percentile of the standard normal distribution. */
    static final double Z95 = 1.959963984540054;

    private ReportStatistics() {
    }

    /** The 95 % Wilson score interval of {@code passed} successes in {@code n} trials; [0, 0] for none. */
    public static double[] wilson(int passed, int n) {
        if (n == 0) {
            return new double[]{0, 0};
        }
        double p = (double) passed / n;
        double z2 = Z95 * Z95;
        double centre = (p + z2 / (2 * n)) / (1 + z2 / n);
        double half = Z95 / (1 + z2 / n) * Math.sqrt(p * (1 - p) / n + z2 / (4.0 * n * n));
        return new double[]{Math.max(0, centre - half), Math.min(1, centre + half)};
    }

    /**
     * The exact McNemar test (a two-sided sign test on the discordant pairs): with {@code b} items only the first
     * run passed and {@code c} only the second, the probability under "both equally good" of a split at least as
     * uneven, {@code min(1, 2 · P(X ≤ min(b, c)))} for X ~ Binomial(b + c, 1/2). 1 when there is no discordant pair.
     */
    public static double mcNemarExact(int b, int c) {
        int n = b + c;
        if (n == 0) {
            return 1.0;
        }
        int k = Math.min(b, c);
        BigInteger tail = BigInteger.ZERO;
        BigInteger binomial = BigInteger.ONE;
        for (int i = 0; i <= k; i++) {
            if (i > 0) {
                binomial = binomial.multiply(BigInteger.valueOf(n - i + 1)).divide(BigInteger.valueOf(i));
            }
            tail = tail.add(binomial);
        }
        BigDecimal p = new BigDecimal(tail.shiftLeft(1)).divide(new BigDecimal(BigInteger.ONE.shiftLeft(n)),
                MathContext.DECIMAL64);
        return Math.min(1.0, p.doubleValue());
    }

    /** The nearest-rank percentile: the ⌈q·n⌉-th smallest value (q in (0, 1]); null when there are none. */
    public static Long percentile(List<Long> values, double q) {
        if (values.isEmpty()) {
            return null;
        }
        List<Long> sorted = values.stream().sorted().toList();
        int rank = (int) Math.ceil(q * sorted.size());
        return sorted.get(Math.max(1, rank) - 1);
    }
}
