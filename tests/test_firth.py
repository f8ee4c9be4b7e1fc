"""Cox and logistic regression, ordinary and Firth-penalised (ruxlib.firth)."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ruxlib import firth, io, lnr


def _no_ties_cox_data(n=60, seed=3):
    rng = np.random.default_rng(seed)
    x = np.column_stack([rng.normal(size=n), rng.integers(0, 2, n)])
    time = rng.exponential(1 / np.exp(0.7 * x[:, 0] - 0.5 * x[:, 1]))
    cens = rng.exponential(2.0, n)
    return np.minimum(time, cens), (time <= cens).astype(int), x


def test_ordinary_cox_without_ties_agrees_with_lifelines():
    # Without tied times Breslow = Efron = exact partial likelihood, so lifelines
    # (an independent Newton-Raphson, Efron ties) must give the same fit.
    from lifelines import CoxPHFitter

    time, event, x = _no_ties_cox_data()
    fit = firth.cox_fit(time, event, x)
    df = pd.DataFrame({"T": time, "E": event, "x1": x[:, 0], "x2": x[:, 1]})
    ref = CoxPHFitter().fit(df, "T", "E")
    np.testing.assert_allclose(fit.coef, ref.params_.to_numpy(), atol=1e-5)
    np.testing.assert_allclose(fit.se, ref.standard_errors_.to_numpy(), atol=1e-5)
    assert fit.lr.statistic == pytest.approx(ref.log_likelihood_ratio_test().test_statistic, abs=1e-5)
    assert fit.converged and fit.lr.df == 2


def test_firth_cox_is_finite_under_complete_separation():
    # Every death in group 1 and every subject of group 1 dies before anyone of group 0:
    # monotone likelihood, the ordinary estimate runs off; Firth's stays finite and moderate.
    time = [1, 2, 3, 4, 5, 6, 7, 8]
    event = [1, 1, 1, 0, 1, 0, 0, 0]
    x = [1, 1, 1, 1, 0, 0, 0, 0]
    ordinary = firth.cox_fit(time, event, x)
    penal = firth.cox_fit(time, event, x, firth=True)
    assert abs(ordinary.coef[0]) > 10 and ordinary.wald_p[0] > 0.5  # Wald fails under separation
    assert 0 < penal.coef[0] < 5 and np.isfinite(penal.se[0])
    assert penal.converged


def test_firth_cox_is_close_to_ordinary_cox_with_many_events():
    # The penalty is O(1) while the log likelihood is O(n): with n = 1000 the bias
    # correction is a small fraction of the estimate, and it shrinks towards 0.
    time, event, x = _no_ties_cox_data(n=1000, seed=5)
    a = firth.cox_fit(time, event, x[:, :1])
    b = firth.cox_fit(time, event, x[:, :1], firth=True)
    assert b.coef[0] == pytest.approx(a.coef[0], abs=0.01)
    assert b.coef[0] != a.coef[0]


def test_firth_cox_two_subjects_by_hand():
    # Subject x=1 dies at t=1, subject x=0 is censored at t=2. With p = e^b / (1 + e^b):
    # l(b) = log p, I(b) = p (1 - p), so l*(b) = 1.5 log p + 0.5 log(1 - p), maximal where
    # 1.5 / p = 0.5 / (1 - p): p = 3/4, b = log 3. (The ordinary l(b) = log p has no maximum.)
    # Penalised LR: 2 [l*(log 3) - l*(0)] = 2 [1.5 log .75 + .5 log .25 - 2 log .5] = 0.523248.
    fit = firth.cox_fit([1, 2], [1, 0], [1, 0], firth=True)
    assert fit.coef[0] == pytest.approx(np.log(3), abs=1e-6)
    assert fit.lr.statistic == pytest.approx(0.523248, abs=1e-5)


def test_ordinary_logistic_agrees_with_statsmodels():
    import statsmodels.api as sm

    rng = np.random.default_rng(1)
    x = rng.normal(size=(80, 2))
    y = (rng.random(80) < 1 / (1 + np.exp(-(0.3 + x @ [1.0, -0.5])))).astype(int)
    fit = firth.logistic_fit(y, x)
    ref = sm.Logit(y, sm.add_constant(x)).fit(disp=0)
    np.testing.assert_allclose(fit.coef, ref.params, atol=1e-6)
    np.testing.assert_allclose(fit.se, ref.bse, atol=1e-6)
    assert fit.lr.statistic == pytest.approx(ref.llr, abs=1e-6)


@pytest.mark.parametrize("cells", [(3, 0, 2, 6), (5, 2, 1, 7), (0, 4, 4, 0)])
def test_firth_logistic_binary_covariate_is_the_log_odds_ratio_plus_one_half(cells):
    # Known exact property: with one binary covariate, Firth's estimate equals the log odds
    # ratio of the 2 x 2 table with 0.5 added to each cell (finite even with a zero cell).
    a, b, c, d = cells  # x=1: a events, b non-events; x=0: c events, d non-events
    x = [1] * (a + b) + [0] * (c + d)
    y = [1] * a + [0] * b + [1] * c + [0] * d
    fit = firth.logistic_fit(y, x, firth=True)
    expected = np.log((a + 0.5) * (d + 0.5) / ((b + 0.5) * (c + 0.5)))
    assert fit.coef[1] == pytest.approx(expected, abs=1e-6)
    assert fit.coef[0] == pytest.approx(np.log((c + 0.5) / (d + 0.5)), abs=1e-6)


def test_lr_test_of_the_only_covariate_equals_the_global_test():
    y = [1, 1, 1, 0, 0, 1, 0, 0, 0, 0]
    x = [3, 2.5, 4, 1, 0, 2, 2, 0.5, 1, 3]
    for penal in (False, True):
        fit = firth.logistic_fit(y, x, firth=penal)
        assert firth.lr_test(fit, 1).statistic == pytest.approx(fit.lr.statistic, abs=1e-6)


def test_cox_on_log_lnr_shipped_data_wald_fails_lr_does_not():
    # Issue 12: the ordinary Cox fit of OS on log LNR nearly separates (beta about -15, SE about 10.5):
    # Wald p about 0.15 but likelihood-ratio p about 1e-4. These depend on convergence; test the contrast.
    study = io.load_study(Path(__file__).parents[1] / "data")
    fit = lnr.lnr_cox(study)
    assert fit.wald_p[0] > 0.05
    assert fit.lr.pvalue < 0.001
    assert -20 < fit.coef[0] < -10
    penal = lnr.lnr_cox(study, firth=True)
    assert penal.coef[0] > fit.coef[0] and np.isfinite(penal.se[0])


def test_profile_ci_two_subject_firth_cox_by_hand():
    # As above: l*(b) = 1.5 log p + 0.5 log(1 - p), p = e^b / (1 + e^b), maximal at p = 3/4.
    # The 95 % profile bounds solve 2 [l*(log 3) - l*(b)] = 3.841459 (chi-square 1 df, 95 %).
    # Solved here on that closed form, independently of the library's Newton-Raphson.
    from scipy.optimize import brentq

    def lstar(b):
        p = 1 / (1 + np.exp(-b))
        return 1.5 * np.log(p) + 0.5 * np.log(1 - p)

    def gap(b):
        return 2 * (lstar(np.log(3)) - lstar(b)) - 3.841459

    lower, upper = brentq(gap, -10, np.log(3)), brentq(gap, np.log(3), 20)
    fit = firth.cox_fit([1, 2], [1, 0], [1, 0], firth=True)
    lo, hi = firth.profile_ci(fit, 0)
    assert lo == pytest.approx(lower, abs=1e-5)
    assert hi == pytest.approx(upper, abs=1e-5)
    assert lo < np.log(3) < hi


def test_profile_ci_is_open_for_the_ordinary_fit_under_separation_and_finite_with_firth():
    # The separated data above: the ordinary profile likelihood rises for ever as b grows, so it
    # never drops by chi2(0.95)/2 = 1.92 on that side and the upper bound is infinite; Firth's is finite.
    time, event, x = [1, 2, 3, 4, 5, 6, 7, 8], [1, 1, 1, 0, 1, 0, 0, 0], [1, 1, 1, 1, 0, 0, 0, 0]
    lo, hi = firth.profile_ci(firth.cox_fit(time, event, x), 0)
    assert np.isfinite(lo) and hi == np.inf
    penal = firth.cox_fit(time, event, x, firth=True)
    lo, hi = firth.profile_ci(penal, 0)
    assert np.isfinite(lo) and np.isfinite(hi) and lo < penal.coef[0] < hi
