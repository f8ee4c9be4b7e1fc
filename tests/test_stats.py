"""Tests for ruxlib.stats: hand-enumerated exact distributions and independent references.

Tolerance 1e-4 unless the expected value is an exact fraction.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats as sst

from ruxlib import stats

TOL = 1e-4


# --- wmw: exact with ties, hand-enumerated ---------------------------------

def test_wmw_exact_with_ties_matches_hand_enumeration():
    # x = [1, 2, 2], y = [2, 3, 4]. Pooled, sorted: 1, 2, 2, 2, 3, 4.
    # Mid-ranks: 1 -> 1; the three 2s share ranks 2, 3, 4 -> 3 each; 3 -> 5; 4 -> 6.
    # W(x) = 1 + 3 + 3 = 7; E(W) = 3 * 7 / 2 = 10.5; |W - E| = 3.5.
    # The pooled scores are a=1, b=3, c=3, d=3, e=5, f=6; all C(6,3) = 20 triples:
    #   with a:    abc 7, abd 7, abe 9, abf 10, acd 7, ace 9, acf 10, ade 9, adf 10, aef 12
    #   without a: bcd 9, bce 11, bcf 12, bde 11, bdf 12, bef 14, cde 11, cdf 12, cef 14, def 14
    # Sum:   7  9 10 11 12 14
    # Count: 3  4  3  3  4  3   (= 20)
    # |S - 10.5| >= 3.5 for S = 7 (3) and S = 14 (3): two-sided p = 6/20 = 0.3.
    r = stats.wmw([1, 2, 2], [2, 3, 4], exact=True)
    assert r.method == "exact"
    assert r.statistic == 7.0
    assert r.u == 1.0  # U = W - 3*4/2; R wilcox.test reports this as "W = 1"
    assert r.pvalue == pytest.approx(0.3, abs=1e-12)


def test_wmw_exact_with_ties_differs_from_the_no_ties_formula():
    # scipy's exact method ignores ties; the conditional distribution above does not.
    ours = stats.wmw([1, 2, 2], [2, 3, 4], exact=True).pvalue
    scipy_no_ties = sst.mannwhitneyu([1, 2, 2], [2, 3, 4], method="exact").pvalue
    assert ours == pytest.approx(0.3)
    assert abs(ours - scipy_no_ties) > 0.01


def test_wmw_exact_is_symmetric_in_direction():
    a = stats.wmw([1, 2, 2], [2, 3, 4])
    b = stats.wmw([2, 3, 4], [1, 2, 2])
    assert a.pvalue == pytest.approx(b.pvalue, abs=1e-12)
    assert b.statistic == 14.0  # 21 - 7


# --- wmw: no ties ------------------------------------------------------------

@pytest.mark.parametrize("seed", [1, 2, 3])
def test_wmw_exact_without_ties_equals_scipy_exact(seed):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=9)
    y = rng.normal(size=7) + 0.7
    ours = stats.wmw(x, y)
    ref = sst.mannwhitneyu(x, y, method="exact", alternative="two-sided")
    assert ours.method == "exact"
    assert ours.u == pytest.approx(ref.statistic)
    assert ours.pvalue == pytest.approx(ref.pvalue, abs=TOL)


def test_wmw_exact_unbalanced_sizes_equal_scipy_exact_in_both_orders():
    rng = np.random.default_rng(5)
    x, y = rng.normal(size=40), rng.normal(size=6) + 1
    ref = sst.mannwhitneyu(x, y, method="exact").pvalue
    assert stats.wmw(x, y, exact=True).pvalue == pytest.approx(ref, abs=TOL)
    assert stats.wmw(y, x, exact=True).pvalue == pytest.approx(ref, abs=TOL)


def test_wmw_complete_separation_11_vs_3_gives_2_over_364():
    # C(14, 3) = 364 assignments; only the two complete separations are as extreme.
    r = stats.wmw(list(range(11)), [100, 101, 102])
    assert r.method == "exact"
    assert r.pvalue == pytest.approx(2 / 364, abs=1e-12)
    assert stats.smallest_exact_p(11, 3) == pytest.approx(2 / 364, abs=1e-15)


def test_smallest_exact_p_is_2_over_binomial_coefficient():
    assert stats.smallest_exact_p(3, 3) == pytest.approx(2 / 20)
    assert stats.smallest_exact_p(1, 1) == 1.0  # 2/2
    with pytest.raises(ValueError):
        stats.smallest_exact_p(0, 3)


# --- wmw: normal approximation -----------------------------------------------

def test_wmw_normal_with_ties_and_continuity_by_hand():
    # Same data: one tie group of size 3 -> sum(t^3 - t) = 24, N = 6.
    # Var(W) = 3*3/12 * (7 - 24/(6*5)) = 0.75 * 6.2 = 4.65.
    # z = (3.5 - 0.5) / sqrt(4.65) = 1.391202; p = 2 * (1 - Phi(z)) = 0.164160.
    # Independent check: scipy mannwhitneyu(method="asymptotic", use_continuity=True)
    # (tie-corrected, continuity 0.5; the same as R wilcox.test(exact=FALSE, correct=TRUE)).
    r = stats.wmw([1, 2, 2], [2, 3, 4], exact=False)
    assert r.method == "normal"
    assert r.pvalue == pytest.approx(2 * sst.norm.sf(3.0 / math.sqrt(4.65)), abs=TOL)
    assert r.pvalue == pytest.approx(0.164160, abs=TOL)
    ref = sst.mannwhitneyu([1, 2, 2], [2, 3, 4], method="asymptotic", use_continuity=True)
    assert r.pvalue == pytest.approx(ref.pvalue, abs=TOL)


def test_wmw_default_switches_to_normal_above_50():
    rng = np.random.default_rng(7)
    x, y = rng.normal(size=26), rng.normal(size=25)
    assert stats.wmw(x[:25], y).method == "exact"  # N = 50
    r = stats.wmw(x, y)  # N = 51
    assert r.method == "normal"
    ref = sst.mannwhitneyu(x, y, method="asymptotic", use_continuity=True)
    assert r.pvalue == pytest.approx(ref.pvalue, abs=TOL)


def test_wmw_all_values_tied_gives_p_one():
    assert stats.wmw([5, 5], [5, 5, 5], exact=False).pvalue == 1.0
    assert stats.wmw([5, 5], [5, 5, 5], exact=True).pvalue == pytest.approx(1.0)


@pytest.mark.parametrize("x,y,match", [
    ([], [1, 2], "x is empty"),
    ([1, 2], [], "y is empty"),
    ([1, np.nan], [1, 2], "x contains NaN"),
    ([1, 2], [np.nan], "y contains NaN"),
])
def test_wmw_rejects_empty_and_nan(x, y, match):
    with pytest.raises(ValueError, match=match):
        stats.wmw(x, y)


# --- signed_rank ------------------------------------------------------------

def test_signed_rank_exact_with_ties_by_hand():
    # d = [2, 2, -1]: |d| mid-ranks 2.5, 2.5, 1; V = 5; E = 6/2 = 3.
    # 2^3 sign patterns, positive-rank sums: {} 0, {1} 1, {2.5} 2.5 (x2), {1,2.5} 3.5 (x2),
    # {2.5,2.5} 5, {all} 6. |V* - 3| >= 2 for 0, 1, 5, 6: p = 4/8 = 0.5.
    r = stats.signed_rank([2, 2, -1])
    assert r.method == "exact"
    assert r.statistic == 5.0
    assert r.pvalue == pytest.approx(0.5, abs=1e-12)


def test_signed_rank_all_positive_by_hand():
    # d = [1, 2, 2, 3] (paired x - y): V = 10 = max; only all-plus / all-minus are as extreme: 2/16.
    r = stats.signed_rank([2, 4, 5, 7], [1, 2, 3, 4])
    assert r.statistic == 10.0
    assert r.pvalue == pytest.approx(2 / 16, abs=1e-12)


def test_signed_rank_without_ties_equals_scipy_exact():
    rng = np.random.default_rng(3)
    x = rng.normal(size=14) + 0.4
    y = rng.normal(size=14)
    ours = stats.signed_rank(x, y)
    ref = sst.wilcoxon(x, y, method="exact")
    assert ours.pvalue == pytest.approx(ref.pvalue, abs=TOL)


def test_signed_rank_normal_matches_scipy_with_correction():
    rng = np.random.default_rng(4)
    d = np.round(rng.normal(size=30) + 0.3, 1)
    d = d[d != 0]
    ours = stats.signed_rank(d, exact=False)
    ref = sst.wilcoxon(d, method="approx", correction=True)
    assert ours.pvalue == pytest.approx(ref.pvalue, abs=TOL)


def test_signed_rank_drops_zero_differences_and_rejects_bad_input():
    assert stats.signed_rank([1, 2, 3, 0], [0, 0, 0, 0]).n == 3
    with pytest.raises(ValueError, match="all differences are zero"):
        stats.signed_rank([1, 2], [1, 2])
    with pytest.raises(ValueError, match="same length"):
        stats.signed_rank([1, 2], [1])


# --- holm -----------------------------------------------------------------------

def test_holm_by_hand():
    # sorted p: .01*5 = .05, .02*4 = .08, .03*3 = .09, .04*2 = .08 -> .09, .05*1 -> .09
    np.testing.assert_allclose(stats.holm([0.05, 0.01, 0.04, 0.02, 0.03]),
                               [0.09, 0.05, 0.09, 0.08, 0.09], atol=1e-12)


def test_holm_caps_at_one_and_rejects_nan():
    np.testing.assert_allclose(stats.holm([0.5, 0.6]), [1.0, 1.0])
    with pytest.raises(ValueError):
        stats.holm([0.1, np.nan])


# --- clopper_pearson ------------------------------------------------------------

def test_clopper_pearson_matches_r_binom_test_example():
    # R documentation example ?binom.test: binom.test(c(682, 243), p = 3/4)
    # prints "95 percent confidence interval: 0.7076683 0.7654066".
    ci = stats.clopper_pearson(682, 925)
    assert ci.lower == pytest.approx(0.7076683, abs=TOL)
    assert ci.upper == pytest.approx(0.7654066, abs=TOL)
    assert ci.level == 0.95


def test_clopper_pearson_closed_forms_at_the_edges():
    # k = 0: upper = 1 - (alpha/2)^(1/n); k = n: lower = (alpha/2)^(1/n).
    none, every = stats.clopper_pearson(0, 10), stats.clopper_pearson(10, 10)
    assert (none.lower, none.upper) == pytest.approx((0.0, 1 - 0.025 ** 0.1), abs=1e-10)
    assert (every.lower, every.upper) == pytest.approx((0.025 ** 0.1, 1.0), abs=1e-10)
    # n = 1, k = 1: lower = 0.025.
    assert stats.clopper_pearson(1, 1).lower == pytest.approx(0.025, abs=1e-10)


def test_clopper_pearson_rejects_impossible_counts():
    with pytest.raises(ValueError):
        stats.clopper_pearson(5, 4)
    with pytest.raises(ValueError):
        stats.clopper_pearson(1, 0)


# --- TestResult -------------------------------------------------------------------

def test_test_result_summary_and_html_are_one_readable_line_and_a_table():
    r = stats.wmw([1, 2, 2], [2, 3, 4])
    assert r.summary() == "Wilcoxon–Mann–Whitney, exact: W = 7, p = 0.3 (n = 6)"
    html = r._repr_html_()
    assert html.startswith("<table>") and "<td>7</td>" in html and "3 / 3" in html
    with pytest.raises(AttributeError):
        r.pvalue = 0.01  # frozen


def test_test_result_summary_of_a_chi_square_test_shows_df_and_small_p():
    r = stats.TestResult(statistic=12.5, pvalue=0.0004, method="chi-square", n=30, df=2, test="Log-rank",
                         symbol="χ²")
    assert r.summary() == "Log-rank, chi-square: χ² = 12.5, df = 2, p < 0.001 (n = 30)"


def test_wmw_chooses_exact_by_size_and_refuses_an_infeasible_exact_request():
    import numpy as np

    from ruxlib.stats import EXACT_LIMIT_N, EXACT_MAX_N, ExactTooLarge, signed_rank, wmw

    rng = np.random.default_rng(0)
    small, large = rng.normal(size=EXACT_MAX_N // 2), rng.normal(size=5000)
    assert wmw(small, small + 1).method == "exact"
    assert wmw(large[:2500], large[2500:]).method == "normal"
    with pytest.raises(ExactTooLarge, match=f"limited to {EXACT_LIMIT_N} observations"):
        wmw(large[:2500], large[2500:], exact=True)
    with pytest.raises(ExactTooLarge):
        signed_rank(large, exact=True)


def test_smallest_exact_p_underflows_to_zero_without_overflow():
    from ruxlib.stats import smallest_exact_p

    assert smallest_exact_p(5000, 5000) == 0.0


# --- binomial_test, cp_width, n_for_width ---------------------------------------

def test_binomial_test_matches_r_binom_test_example():
    # R documentation example ?binom.test: binom.test(c(682, 243), p = 3/4)
    # prints "number of successes = 682, number of trials = 925, p-value = 0.3825".
    result = stats.binomial_test(682, 925, 0.75)
    assert result.pvalue == pytest.approx(0.3825, abs=5e-5)
    assert (result.method, result.n, result.statistic, result.expected) == ("exact", 925, 682, 693.75)


def test_binomial_test_by_hand_enumeration():
    from fractions import Fraction
    from math import comb

    # p0 = 1/2 is symmetric: two-sided = 2 P(X >= 13) = 2 (560 + 120 + 16 + 1) / 2^16.
    assert stats.binomial_test(13, 16, 0.5).pvalue == pytest.approx(float(Fraction(2 * 697, 2 ** 16)), rel=1e-12)
    # One-sided, p0 = 1/4: P(X >= 13) = sum_{i>=13} C(16, i) 3^(16-i) / 4^16.
    greater = Fraction(sum(comb(16, i) * 3 ** (16 - i) for i in range(13, 17)), 4 ** 16)
    assert stats.binomial_test(13, 16, 0.25, "greater").pvalue == pytest.approx(float(greater), rel=1e-12)
    less = Fraction(sum(comb(16, i) * 3 ** (16 - i) for i in range(0, 14)), 4 ** 16)
    assert stats.binomial_test(13, 16, 0.25, "less").pvalue == pytest.approx(float(less), rel=1e-12)
    # Two-sided, p0 = 1/4, n = 4, k = 3: d = (81, 108, 54, 12, 1)/256; outcomes with d <= 12/256 are 3 and 4.
    assert stats.binomial_test(3, 4, 0.25).pvalue == pytest.approx(13 / 256, rel=1e-12)


def test_binomial_test_rejects_bad_input():
    for args in [(5, 4, 0.5), (1, 4, 0.0), (1, 4, 1.0), (1.5, 4, 0.5)]:
        with pytest.raises(ValueError):
            stats.binomial_test(*args)
    with pytest.raises(ValueError, match="alternative"):
        stats.binomial_test(1, 4, 0.5, "bigger")


def test_cp_width_and_n_for_width():
    # R: binom.test(682, 925)$conf.int is 0.7076683 to 0.7654066.
    assert stats.cp_width(682, 925) == pytest.approx(0.7654066 - 0.7076683, abs=2 * TOL)
    n = stats.n_for_width(0.2, 0.5)
    assert stats.cp_width(round(0.5 * n), n) <= 0.2 < stats.cp_width(round(0.5 * (n - 1)), n - 1)
    # The Wald formula 4 z^2 p (1 - p) / w^2 gives 96 at p = 0.5, w = 0.2; the exact interval needs a few more.
    assert 96 < n < 110
    with pytest.raises(ValueError, match="width"):
        stats.n_for_width(0.0, 0.5)
    with pytest.raises(ValueError, match="no N"):
        stats.n_for_width(0.01, 0.5, n_max=50)


# --- hodges_lehmann ---------------------------------------------------------------

X4, Y4 = [4.1, 6.3, 7.2, 9.9], [1.0, 2.2, 3.5, 5.0]  # the 16 differences are distinct


def test_hodges_lehmann_by_hand_enumeration():
    # Sorted differences: -0.9 0.6 1.3 1.9 2.2 2.8 3.1 3.7 | 4.1 4.9 5.0 5.3 6.2 6.4 7.7 8.9; median (3.7 + 4.1) / 2.
    # U of 4 vs 4 takes 70 equally likely values: P(U <= 0) = 1/70, P(U <= 1) = 2/70, P(U <= 2) = 4/70.
    # alpha = 0.05: k = 1 (1/70 <= 0.025 < 2/70): [D(1), D(16)]. alpha = 0.06: k = 2: [D(2), D(15)].
    shift = stats.hodges_lehmann(X4, Y4)
    assert (shift.estimate, shift.lower, shift.upper, shift.n_pairs) == (3.9, -0.9, 8.9, 16)
    shift = stats.hodges_lehmann(X4, Y4, alpha=0.06)
    assert (shift.lower, shift.upper, shift.level) == (0.6, 7.7, 0.94)
    # 2 vs 2: the smallest two-sided p is 2/6, so no shift is rejected at 5 %.
    shift = stats.hodges_lehmann([3, 4], [1, 2])
    assert (shift.estimate, shift.lower, shift.upper) == (2.0, -np.inf, np.inf)


def test_hodges_lehmann_with_ties_agrees_with_the_exact_test():
    poor = [3.0, 2.0, 3.0, 2.5, 2.5, 2.0]
    good = [2.0, 0.0, 2.0, 5.0, 0.0, 0.5, 0.5, 1.5, 1.0]
    shift = stats.hodges_lehmann(poor, good)
    assert shift.lower <= shift.estimate <= shift.upper
    # 0 is outside the interval exactly when the exact test rejects "no shift".
    assert (shift.lower > 0) == (stats.wmw(poor, good, exact=True).pvalue <= 0.05)
    # The bounds are differences x_i - y_j.
    diffs = {a - b for a in poor for b in good}
    assert shift.lower in diffs and shift.upper in diffs
    with pytest.raises(ValueError, match="alpha"):
        stats.hodges_lehmann(poor, good, alpha=1.0)


def test_kth_difference_equals_sorting_every_difference():
    # brute force: list and sort all m*n differences (with ties and negative values)
    import numpy as np

    from ruxlib.stats import kth_difference

    rng = np.random.default_rng(3)
    x, y = rng.integers(-5, 6, 23).astype(float), rng.normal(size=17).round(1)
    d = np.sort(np.subtract.outer(x, y).ravel())
    for k in (1, 2, 50, 196, 391):
        assert kth_difference(x, y, k) == d[k - 1]


def test_hodges_lehmann_on_large_samples_uses_the_normal_order_statistics():
    # m = n = 40, no ties: k = floor(800 - 1.959964 * sqrt(1600 * 81 / 12)) = floor(800 - 203.66) = 596,
    # interval [D(596), D(1005)] of the 1600 sorted differences; estimate = mean of D(800), D(801)
    import numpy as np

    from ruxlib.stats import hodges_lehmann

    rng = np.random.default_rng(7)
    x, y = rng.normal(1.0, 1.0, 40), rng.normal(0.0, 1.0, 40)
    d = np.sort(np.subtract.outer(x, y).ravel())
    s = hodges_lehmann(x, y)
    assert s.method == "normal approximation"
    assert (s.lower, s.upper) == (d[595], d[1004])
    assert s.estimate == round((d[799] + d[800]) / 2, 10)


def test_hodges_lehmann_scales_to_thousands_of_subjects():
    import numpy as np

    from ruxlib.stats import hodges_lehmann

    rng = np.random.default_rng(1)
    s = hodges_lehmann(rng.normal(0.5, 1, 5000), rng.normal(0, 1, 5000))
    assert s.lower < 0.5 < s.upper and s.n_pairs == 25_000_000


# --- kth_walsh / walsh_median: the one-sample Hodges-Lehmann estimate without listing -------

def test_walsh_median_by_hand():
    # x = 0, 1, 5: Walsh averages 0, 0.5, 2.5 (i = 0), 1, 3 (i = 1), 5 (i = 2); sorted
    # 0, 0.5, 1, 2.5, 3, 5: the median of six is (1 + 2.5) / 2 = 1.75.
    assert stats.walsh_median([0.0, 1.0, 5.0]) == 1.75
    assert [stats.kth_walsh([0.0, 1.0, 5.0], k) for k in range(1, 7)] == [0, 0.5, 1, 2.5, 3, 5]
    assert stats.walsh_median([3.0]) == 3.0


def test_kth_walsh_by_bisection_equals_listing_the_averages(monkeypatch):
    monkeypatch.setattr(stats, "WALSH_LIST_N", 0)  # force the bisection on samples small enough to list
    rng = np.random.default_rng(7)
    for trial in range(600):
        n = int(rng.integers(1, 300))
        x = [rng.normal(size=n), rng.integers(-3, 4, n).astype(float), np.round(rng.normal(size=n), 1)][trial % 3]
        averages = np.sort((x[:, None] + x[None, :])[np.triu_indices(n)] / 2)
        k = int(rng.integers(1, averages.size + 1))
        assert stats.kth_walsh(x, k) == pytest.approx(averages[k - 1], rel=1e-14, abs=1e-14)
        assert stats.walsh_median(x) == pytest.approx(np.median(averages), rel=1e-14, abs=1e-14)
    with pytest.raises(ValueError):
        stats.kth_walsh([1.0, 2.0], 4)
