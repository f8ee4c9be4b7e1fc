"""Biomarkers by visit: WMW against the baseline distribution, paired signed-rank + Holm."""

import matplotlib

matplotlib.use("Agg")

import math  # noqa: E402

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from ruxlib import biomarkers, derive  # noqa: E402


def lab(rows):
    """A loaded adlb: the rows with ABLFL derived (AVISITN 0 is baseline)."""
    return derive.derive_var_ablfl(pd.DataFrame(rows, columns=["USUBJID", "PARAMCD", "AVISITN", "AVAL"]))


# Baseline CRP 1, 2, 3 (A, B, C); day 7: 4, 5, 6 (A, B, C), day 14: 10 (A only);
# IL6 rows must not leak into CRP.
ADLB = lab([
    ("A", "CRP", 0, 1.0), ("B", "CRP", 0, 2.0), ("C", "CRP", 0, 3.0),
    ("A", "CRP", 7, 4.0), ("B", "CRP", 7, 5.0), ("C", "CRP", 7, 6.0),
    ("A", "CRP", 14, 10.0),
    ("A", "IL6", 0, 100.0), ("A", "IL6", 7, 1.0),
])


@pytest.mark.parametrize(
    "p, expected",
    [(0.2, ""), (0.05, ""), (0.0499, "*"), (0.01, "*"), (0.0099, "**"), (0.001, "**"),
     (0.00099, "***"), (float("nan"), "")],
)
def test_stars_thresholds_are_strict_as_in_fig3_caption(p, expected):
    assert biomarkers.stars(p) == expected


def test_visit_tests_counts_patients_per_visit_baseline_first():
    table = biomarkers.visit_tests(ADLB, "CRP")
    assert table["AVISITN"].tolist() == [0.0, 7.0, 14.0]
    assert table["n"].tolist() == [3, 3, 1]
    assert table["n_baseline"].tolist() == [3, 3, 3]
    assert table["median"].tolist() == [2.0, 5.0, 10.0]
    assert math.isnan(table.loc[0, "pvalue"])


def test_visit_tests_normal_approximation_with_continuity_correction():
    # 3 vs 3, complete separation: U = 0, E(U) = 4.5, Var(U) = 3*3*7/12 = 5.25,
    # z = (4.5 - 0.5) / sqrt(5.25) = 1.74574, two-sided p = 0.080856 (hand, normal table)
    table = biomarkers.visit_tests(ADLB, "CRP")
    row = table.set_index("AVISITN").loc[7.0]
    assert row["pvalue"] == pytest.approx(0.080856, abs=1e-5)
    assert row["method"] == "normal"
    assert row["stars"] == ""


def test_visit_tests_exact_gives_two_over_twenty():
    # exact: the most extreme of C(6, 3) = 20 arrangements, two-sided: 2/20
    table = biomarkers.visit_tests(ADLB, "CRP", exact=True)
    assert table.set_index("AVISITN").loc[7.0, "pvalue"] == pytest.approx(0.1)


def test_visit_tests_uses_ablfl_when_present():
    adlb = ADLB.copy()
    adlb["ABLFL"] = np.where(adlb["AVISITN"].eq(0), "Y", None)
    # move A's baseline flag to a day -1 record: baseline is then flagged, not day 0
    extra = pd.DataFrame([{"USUBJID": "D", "PARAMCD": "CRP", "AVISITN": -1, "AVAL": 0.5, "ABLFL": "Y"}])
    table = biomarkers.visit_tests(pd.concat([adlb, extra], ignore_index=True), "CRP")
    assert table.loc[0, "n"] == 4


def test_paired_tests_signed_rank_and_holm():
    # five patients, baseline 10..50; day 3: all five fall (by 1, 2, 3, 4, 5);
    # day 7: three fall (by 1, 2, 3). Exact signed-rank, no ties, all one sign:
    # p = 2 / 2^5 = 0.0625 and 2 / 2^3 = 0.25.
    # Holm: 0.0625 * 2 = 0.125; 0.25 * 1 = 0.25 (monotone): adjusted 0.125 and 0.25.
    rows = []
    for i, u in enumerate("ABCDE"):
        base = 10.0 * (i + 1)
        rows.append((u, "CRP", 0, base))
        rows.append((u, "CRP", 3, base - (i + 1)))
        if i < 3:
            rows.append((u, "CRP", 7, base - (i + 1)))
    rows.append(("F", "CRP", 7, 1.0))  # no baseline: not a pair
    table = biomarkers.paired_tests(lab(rows), "CRP")
    assert table["AVISITN"].tolist() == [3.0, 7.0]
    assert table["n_pairs"].tolist() == [5, 3]
    assert table["median_change"].tolist() == [-3.0, -2.0]
    assert table["pvalue"].tolist() == pytest.approx([0.0625, 0.25])
    assert table["pvalue_holm"].tolist() == pytest.approx([0.125, 0.25])


def test_a_visit_with_no_change_in_any_pair_is_not_tested():
    # found by the property test: the signed-rank test is undefined when every difference is 0
    rows = [("A", "CRP", 0, 5.0), ("A", "CRP", 3, 5.0), ("B", "CRP", 0, 7.0), ("B", "CRP", 3, 7.0)]
    table = biomarkers.paired_tests(lab(rows), "CRP")
    assert table["n_pairs"].tolist() == [2]
    assert table["median_change"].tolist() == [0.0]
    assert math.isnan(table["pvalue"].iloc[0]) and math.isnan(table["pvalue_holm"].iloc[0])


def test_visit_with_no_values_for_parameter_is_absent():
    table = biomarkers.visit_tests(ADLB, "IL6")
    assert table["AVISITN"].tolist() == [0.0, 7.0]
    assert table["n"].tolist() == [1, 1]


def test_biomarker_plot_has_log_axes_and_n_under_axis():
    fig = biomarkers.biomarker_plot(ADLB, paramcds=("CRP", "IL6"))
    assert len(fig.axes) == 2
    assert all(ax.get_yscale() == "log" for ax in fig.axes)
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert "n =" in texts
    assert {"3", "1"} <= set(texts)


def test_missing_adlb_says_so():
    with pytest.raises(ValueError, match="adlb"):
        biomarkers.visit_tests(None, "CRP")


def test_biomarker_plot_puts_stars_over_a_clearly_lower_visit():
    # 10 vs 10, complete separation: z = (50 - 0.5) / sqrt(10*10*21/12) = 3.742,
    # p = 0.00018 -> "***" (hand, normal table)
    rows = [(f"S{i}", "CRP", 0, 100.0 + i) for i in range(10)]
    rows += [(f"S{i}", "CRP", 7, 1.0 + i) for i in range(10)]
    adlb = lab(rows)
    assert biomarkers.visit_tests(adlb, "CRP").loc[1, "stars"] == "***"
    fig = biomarkers.biomarker_plot(adlb, paramcds=("CRP",))
    assert "***" in [t.get_text() for t in fig.axes[0].texts]


# ------------------------------------------------------------ beyond the paper (issue 12)

# Baselines 10, 20, 40 and day-7 values 5, 10, 40: log changes -a, -a, 0 with a = log 2.
GMR_LAB = lab([
    ("A", "CRP", 0, 10.0), ("B", "CRP", 0, 20.0), ("C", "CRP", 0, 40.0),
    ("A", "CRP", 7, 5.0), ("B", "CRP", 7, 10.0), ("C", "CRP", 7, 40.0),
])


def test_gmr_by_hand():
    a = math.log(2)
    row = biomarkers.gmr_to_baseline(GMR_LAB, "CRP").iloc[0]
    assert row["n_pairs"] == 3
    # mean -2a/3: GMR = 2^(-2/3); sd = a/sqrt(3), se = a/3; t(0.975, 2) = 4.302652729911275
    assert row["gmr"] == pytest.approx(2 ** (-2 / 3))
    t = 4.302652729911275
    assert row["lower"] == pytest.approx(math.exp(a * (-2 - t) / 3))
    assert row["upper"] == pytest.approx(math.exp(a * (-2 + t) / 3))
    assert (row["lower"], row["upper"]) == pytest.approx((0.23317, 1.70247), abs=1e-4)
    # Walsh averages -a, -a, 0, -a, -a/2, -a/2: median -3a/4
    assert row["hl"] == pytest.approx(2 ** (-3 / 4))
    # paired t = (-2a/3) / (a/3) = -2 on 2 df: two-sided p = 1 - 2/sqrt(6)
    assert row["pvalue"] == pytest.approx(1 - 2 / math.sqrt(6))


def test_gmr_needs_two_pairs_for_an_interval():
    row = biomarkers.gmr_to_baseline(ADLB, "CRP").set_index("AVISITN").loc[14.0]
    assert row["n_pairs"] == 1 and row["gmr"] == pytest.approx(10.0) and np.isnan(row["lower"])


def test_mixed_model_on_complete_balanced_data_gives_the_gmr():
    # balanced and complete: the visit effect of the random-intercept model is the mean paired log change
    mm = biomarkers.mixed_model(GMR_LAB, "CRP")
    assert mm["term"].tolist() == ["day 7"]
    assert mm["ratio"].iloc[0] == pytest.approx(2 ** (-2 / 3), rel=1e-4)
    assert biomarkers.mixed_model(lab([("A", "CRP", 0, 1.0)]), "CRP") is None


def _all_down(ids, paramcd, visit, start=0):
    """Baseline 100 + 10 k, visit value lower by k + 1: every pair falls, by distinct amounts."""
    rows = []
    for k, u in enumerate(ids):
        rows.append((u, paramcd, 0, 100.0 + 10 * k))
        rows.append((u, paramcd, visit, 100.0 + 10 * k - (k + 1)))
    return rows


def test_holm_across_all_tests_by_hand():
    # All pairs fall: exact signed-rank p = 2 / 2^n. CRP day 3: 5 pairs, p = 1/16; CRP day 7:
    # 6 pairs, p = 1/32; IL6 day 3: 4 pairs, p = 1/8.
    rows = _all_down("ABCDEF", "CRP", 7)
    rows += [(u, "CRP", 3, 100.0 + 10 * k - (k + 1)) for k, u in enumerate("ABCDE")]
    rows += _all_down("ABCD", "IL6", 3)
    table = biomarkers.holm_all(lab(rows), ["CRP", "IL6"]).set_index(["PARAMCD", "AVISITN"])
    assert table["pvalue"].tolist() == pytest.approx([1 / 16, 1 / 32, 1 / 8])
    # within CRP (m = 2): 2/32 = 0.0625, max(0.0625, 1/16) = 0.0625; IL6 alone: 0.125
    assert table["holm_within"].tolist() == pytest.approx([0.0625, 0.0625, 0.125])
    # across all (m = 3): 3/32 = 0.09375; 2/16 = 0.125; 1/8 = 0.125
    assert table.loc[("CRP", 7.0), "holm_all"] == pytest.approx(0.09375)
    assert table.loc[("CRP", 3.0), "holm_all"] == pytest.approx(0.125)
    assert table.loc[("IL6", 3.0), "holm_all"] == pytest.approx(0.125)


def test_n_per_visit_says_where_the_missing_went(tmp_path):
    from studyfolder import write_study

    s = write_study(
        tmp_path / "s",
        adsl="USUBJID,AGE,SEX,EOTREAS\nA,50,M,COMPLETED\nB,60,F,DEATH\nC,70,M,DISCHARGED FROM ICU",
        adtte="USUBJID,PARAMCD,AVAL,CNSR\nA,OS,90,1\nB,OS,5,0\nC,OS,90,1",
        adicu="USUBJID,PARAMCD,ASTDY,AENDY\nA,ICU,-1,30\nB,ICU,-1,5\nC,ICU,-1,6",
        adlb=("USUBJID,PARAMCD,AVISITN,AVAL\nA,CRP,0,10\nB,CRP,0,20\nC,CRP,0,30\n"
              "A,CRP,3,9\nB,CRP,3,19\nC,CRP,3,29\nA,CRP,7,8"),
    )
    n = biomarkers.n_per_visit(s, "CRP").set_index("AVISITN")
    assert n.loc[3.0].tolist() == [3, 0, 0, 0]
    # day 7: B died on day 5, C left the ICU alive on day 6
    assert n.loc[7.0].tolist() == [1, 1, 1, 0]


def test_spaghetti_plot_draws_one_line_per_patient_and_the_mean():
    fig = biomarkers.spaghetti_plot(GMR_LAB, paramcds=("CRP",))
    ax = fig.axes[0]
    assert len(ax.lines) == 4 and ax.get_yscale() == "log"


# --- random_intercept_reml against statsmodels MixedLM (an independent implementation) --------

def _statsmodels_fit(X, y, group):
    import warnings

    import statsmodels.api as sm

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = sm.MixedLM(y, X, groups=group).fit(reml=True)
    return fit.fe_params, fit.bse_fe, fit.cov_re[0, 0] if fit.cov_re.ndim == 2 else float(fit.cov_re)


@pytest.mark.parametrize("seed, tau", [(1, 0.8), (2, 0.3), (3, 1.5)])
def test_random_intercept_reml_equals_statsmodels_mixedlm(seed, tau):
    # Unbalanced: 40 patients with 1 to 6 visits of 4 possible, random intercepts of sd tau.
    # Fixed effects agree to statsmodels' convergence tolerance (1e-5); standard errors are the conventional sigma^2 (X'V^-1 X)^-1
    # (R nlme, SAS PROC MIXED), which statsmodels' observed-information bse matches to 0.5 %.
    import numpy as np

    rng = np.random.default_rng(seed)
    sizes = rng.integers(1, 7, 40)
    group = np.repeat(np.arange(40), sizes)
    visit = rng.integers(0, 4, group.size)
    X = np.column_stack([np.ones(group.size)] + [(visit == v).astype(float) for v in (1, 2, 3)])
    y = X @ np.array([4.0, -0.3, -0.7, -1.2]) + rng.normal(0, tau, 40)[group] + rng.normal(0, 0.5, group.size)
    beta, cov = biomarkers.random_intercept_reml(X, y, group)
    ref_beta, ref_se, _ = _statsmodels_fit(X, y, group)
    assert np.allclose(beta, ref_beta, rtol=0, atol=1e-5)
    assert np.allclose(np.sqrt(np.diag(cov)), ref_se, rtol=5e-3)


def test_random_intercept_reml_at_the_boundary_is_ordinary_least_squares():
    # No patient effect at all (every patient's intercept equal, tiny noise): the REML variance
    # ratio sits at 0 and the fit is OLS, whose coefficients and standard errors are known.
    import numpy as np

    rng = np.random.default_rng(5)
    group = np.repeat(np.arange(30), 3)
    x = np.tile([0.0, 1.0, 2.0], 30)
    y = 1.0 + 0.5 * x + rng.normal(0, 0.2, x.size)
    y = y - np.bincount(group, weights=y)[group] / 3 + y.mean()  # group means all equal: gamma = 0
    X = np.column_stack([np.ones_like(x), x])
    beta, cov = biomarkers.random_intercept_reml(X, y, group)
    ols, res, *_ = np.linalg.lstsq(X, y, rcond=None)
    sigma2 = float(res[0]) / (x.size - 2)
    assert np.allclose(beta, ols, atol=1e-10)
    assert np.allclose(cov, sigma2 * np.linalg.inv(X.T @ X), rtol=1e-8)


def test_mixed_model_on_the_shipped_folder_matches_statsmodels():
    import numpy as np
    from conftest import DATA

    from ruxlib import io

    adlb = io.load_study(DATA).adlb
    for code in ("CRP", "IL6", "FERRITIN"):
        rows = adlb[(adlb["PARAMCD"] == code) & (adlb["AVAL"] > 0)]
        visit = np.where(rows["ABLFL"].eq("Y"), 0.0, rows["AVISITN"].astype(float))
        levels = np.unique(visit)
        X = np.column_stack([np.ones(len(rows))] + [(visit == v).astype(float) for v in levels[1:]])
        ref_beta, _, _ = _statsmodels_fit(X, np.log(rows["AVAL"].to_numpy(float)), rows["USUBJID"].to_numpy())
        got = biomarkers.mixed_model(adlb, code)
        assert np.allclose(np.log(got["ratio"].to_numpy()), ref_beta[1:], atol=1e-5)
        assert got["term"].tolist() == [f"day {v:g}" for v in levels[1:]]
