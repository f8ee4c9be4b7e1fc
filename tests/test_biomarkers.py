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
