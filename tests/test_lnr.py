"""LNR analysis set, day-28 status, median split, exact WMW and log-rank."""


import math

import matplotlib

matplotlib.use("Agg")

import pytest  # noqa: E402
from studyfolder import write_folder as write_study  # noqa: E402

from ruxlib import io, lnr  # noqa: E402

# Analysis set A-F and I (7 patients): LNR 0.01 (I), 0.02 (A), 0.04 (B), 0.05 (C),
# 0.05 (D), 0.10 (E), 0.20 (F): median 0.05, and C and D sit exactly on it.
# G: no LNR (excluded, "no baseline LNR"); H: leukemia (excluded, LNREXCL);
# N: not in the ITT population.
ADSL = """
USUBJID,AGE,SEX,ITTFL,LNRBL,LNREXCL
A,50,M,Y,0.02,
B,50,M,Y,0.04,
C,50,M,Y,0.05,
D,50,F,Y,0.05,
E,50,M,Y,0.10,
F,50,M,Y,0.20,
G,50,M,Y,,
H,50,M,Y,0.5,LEUKEMIA
I,50,M,Y,0.01,
N,50,M,N,0.3,
"""

# A dies day 5, B day 20, I day 40 (after day 28: a day-28 survivor);
# F censored day 10 (alive when last seen: a survivor); C, D, E censored day 60.
ADTTE = """
USUBJID,PARAMCD,AVAL,CNSR
A,OS,5,0
B,OS,20,0
C,OS,60,1
D,OS,60,1
E,OS,60,1
F,OS,10,1
G,OS,3,0
H,OS,60,1
I,OS,40,0
N,OS,60,1
"""


@pytest.fixture
def study(tmp_path):
    return io.load_study(write_study(tmp_path / "s", adsl=ADSL, adtte=ADTTE))


def test_analysis_set_flags_come_from_the_data(study):
    table = lnr.lnr_analysis_set(study).set_index("USUBJID")
    assert list(table.index) == list("ABCDEFGHI")  # N is not ITT
    assert table.loc[list("ABCDEFI"), "LNRFL"].eq("Y").all()
    assert table.loc["G", ["LNRFL", "REASON"]].tolist() == ["N", "no baseline LNR"]
    assert table.loc["H", ["LNRFL", "REASON"]].tolist() == ["N", "LEUKEMIA"]


def test_exclusions_list_who_and_why(study):
    excl = lnr.lnr_exclusions(study)
    assert excl.to_dict("records") == [
        {"USUBJID": "G", "REASON": "no baseline LNR"},
        {"USUBJID": "H", "REASON": "LEUKEMIA"},
    ]


def test_day28_status_death_after_horizon_or_censoring_is_survivor(study):
    status = lnr.day28_status(study)
    assert status["A"] == lnr.NON_SURVIVOR
    assert status["B"] == lnr.NON_SURVIVOR
    assert status["I"] == lnr.SURVIVOR  # died day 40
    assert status["F"] == lnr.SURVIVOR  # censored day 10


def test_day28_status_death_on_the_horizon_counts_as_death(study):
    assert lnr.day28_status(study, horizon=20)["B"] == lnr.NON_SURVIVOR
    assert lnr.day28_status(study, horizon=19.5)["B"] == lnr.SURVIVOR


def test_median_split_puts_ties_at_the_median_in_high(study):
    groups = lnr.lnr_groups(study)
    assert lnr.lnr_median(study) == pytest.approx(0.05)
    assert sorted(groups.index[groups["group"].eq("high")]) == ["C", "D", "E", "F"]
    assert sorted(groups.index[groups["group"].eq("low")]) == ["A", "B", "I"]


def test_exact_wmw_survivors_vs_non_survivors(study):
    # non-survivors A, B hold mid-ranks 2 and 3 of (1, 2, 3, 4.5, 4.5, 6, 7): sum 5,
    # expected 8. Of the C(7, 2) = 21 pairs, |sum - 8| >= 3 for {1,2} {1,3} {2,3}
    # {4.5,7} x2 {6,7}: two-sided exact p = 6/21 (hand enumeration).
    res = lnr.lnr_wmw(study)
    assert res.pvalue == pytest.approx(6 / 21)
    assert res.method == "exact"
    assert res.sizes == (5, 2)  # survivors, non-survivors


def test_logrank_high_vs_low_hand_computed(study):
    # events at 5 (4 high / 3 low at risk), 20 (3 / 2), 40 (3 / 1); high has none.
    # E_high = 4/7 + 3/5 + 3/4 = 1.921429; V = 12/49 + 6/25 + 3/16 = 0.672398;
    # chi-square = E^2 / V = 5.49063, df 1, p = 0.019119 (hand; chi-square table)
    res = lnr.lnr_logrank(study)
    assert res.statistic == pytest.approx(5.49063, abs=1e-4)
    assert res.df == 1
    assert res.pvalue == pytest.approx(0.019119, abs=1e-5)


def test_page_values_counts(study):
    values = lnr.page_values(study)
    assert values["lnr-n-evaluable"] == 7
    assert values["lnr-n-excluded"] == 1
    assert values["lnr-n-missing"] == 1
    assert values["lnr-n-surv"] == 5
    assert values["lnr-n-nonsurv"] == 2
    assert values["lnr-median"] == pytest.approx(0.05)
    assert values["nonsurv.all_low"] == 2  # both deaths are below the median
    assert values["lnr-logrank-df"] == 1


def test_missing_lnr_columns_mean_nobody_is_evaluable(tmp_path):
    folder = write_study(tmp_path / "s", adsl="USUBJID,AGE,SEX\nA,50,M\nB,60,F")
    table = lnr.lnr_analysis_set(io.load_study(folder))
    assert table["LNRFL"].tolist() == ["N", "N"]
    assert table["REASON"].tolist() == ["no baseline LNR"] * 2


def test_lnrbl_derived_from_adlb_when_absent(tmp_path):
    folder = write_study(
        tmp_path / "s",
        adsl="USUBJID,AGE,SEX\nA,50,M\nB,60,F",
        adlb="USUBJID,PARAMCD,AVISITN,AVAL\nA,LYMPH,0,0.5\nA,NEUT,0,10\nB,LYMPH,0,1",
    )
    table = lnr.lnr_analysis_set(io.load_study(folder)).set_index("USUBJID")
    assert table.loc["A", "LNRBL"] == pytest.approx(0.05)
    assert table.loc["B", "REASON"] == "no baseline LNR"


def test_plots_return_figures(study):
    fig = lnr.lnr_plot(study)
    assert fig.axes[0].get_yscale() == "log"
    labels = [t.get_text() for t in fig.axes[0].get_xticklabels()]
    assert labels == ["Survivors\n(N = 5)", "Non-survivors\n(N = 2)"]
    km = lnr.lnr_km_plot(study)
    legend = [t.get_text() for t in km.axes[0].get_legend().get_texts()]
    assert legend == ["High (≥ 0.05)", "Low (< 0.05)", "censored"]  # the censor mark has a legend entry


def test_median_split_ties_can_go_low_as_in_the_methods_wording(study):
    groups = lnr.lnr_groups(study, at_median="low")
    assert sorted(groups.index[groups["group"].eq("high")]) == ["E", "F"]
    with pytest.raises(ValueError, match="at_median"):
        lnr.lnr_groups(study, at_median="middle")


FULL = {
    "adsl": """
USUBJID,AGE,SEX,TRTDURD,EOTREAS,VENTPRED,D28STAT,LNRBL,LNREXCL
S1,70,M,5,DEATH,3,DEAD,0.03,
S2,60,M,28,COMPLETED,2,ICU VENTILATED,0.05,
S3,50,F,12,DISCHARGED FROM ICU,1,ACUTE CARE,0.10,
S4,40,M,10,TRANSFERRED,0.5,ACUTE CARE,0.20,
S5,55,M,8,ADVERSE EVENT,1,DISCHARGED,0.08,
S6,65,F,20,COMPLETED,2,ICU,0.30,LEUKEMIA
""",
    "adtte": """
USUBJID,PARAMCD,AVAL,CNSR
S1,OS,5,0
S2,OS,60,1
S3,OS,50,0
S4,OS,60,1
S5,OS,60,1
S6,OS,60,1
""",
    "adicu": """
USUBJID,PARAMCD,ASTDY,AENDY
S1,ICU,-4,5
S1,IMV,-3,5
S2,ICU,-3,40
S2,IMV,-2,40
S2,ECMO,0,40
S3,ICU,-2,12
S3,IMV,-1,6
S4,ICU,-1,10
S4,IMV,-0.5,4
S5,ICU,-2,8
S5,IMV,-1,3
S6,ICU,-3,20
S6,IMV,-2,15
""",
}


@pytest.mark.slow
@pytest.mark.parametrize("page", ["icu", "biomarkers", "time-to-start", "lnr"])
def test_page_executes_on_a_small_complete_folder(tmp_path, page):
    import jupytext
    import papermill

    from ruxlib.build import REPO

    lab = ["USUBJID,PARAMCD,AVISITN,AVAL"]
    for i in range(1, 7):
        for code, base in (("CRP", 100), ("IL6", 50), ("FERRITIN", 1000)):
            lab += [f"S{i},{code},0,{base + 7 * i}", f"S{i},{code},7,{base / 4 + i}"]
    folder = write_study(tmp_path / "full", adlb="\n".join(lab), **FULL)
    nb = tmp_path / "page.ipynb"
    jupytext.write(jupytext.read(REPO / "book" / f"{page}.md"), nb)
    papermill.execute_notebook(str(nb), str(tmp_path / "out.ipynb"), parameters={"data_dir": str(folder)},
                               cwd=str(REPO / "book"), progress_bar=False, kernel_name="python3")
    import json

    cells = json.loads((tmp_path / "out.ipynb").read_text(encoding="utf-8"))["cells"]
    outputs = json.dumps([c.get("outputs", []) for c in cells])
    assert "Not available" not in outputs
    assert "image/png" in outputs


# --- exact permutation and truncated log-rank on the shipped data (issue 12's published figures) ---

def _shipped():
    from pathlib import Path

    return io.load_study(Path(__file__).parents[1] / "data")


def test_exact_permutation_logrank_on_the_shipped_data_is_issue_12s_value():
    # Issue 12: full enumeration of the C(14, 7) = 3,432 splits gives p = 0.070 (asymptotic 0.047).
    res = lnr.lnr_logrank_exact(_shipped())
    assert res.method == "exact"
    assert round(res.pvalue, 2) == 0.07
    assert round(lnr.lnr_logrank(_shipped()).pvalue, 3) == 0.047


def test_logrank_truncated_at_day_28_on_the_shipped_data_is_issue_12s_value():
    # Issue 12: the log-rank truncated at day 28 gives chi-square 3.52.
    assert round(lnr.lnr_logrank(_shipped(), horizon=28).statistic, 2) == 3.52


def test_ties_sentence_is_computed_from_the_data(study):
    # Toy folder: C and D sit exactly on the median 0.05 (see ADSL above).
    values = lnr.page_values(study)
    assert values["lnr-ties-text"].startswith("here 2 patients sit exactly at the median")
    # Shipped data: no LNR equals the median 0.07 (issue 12: the old sentence was false).
    shipped = lnr.page_values(_shipped())
    assert shipped["lnr-n-at-median"] == 0
    assert shipped["lnr-ties-text"].startswith("here no patient sits exactly at the median")
    assert shipped["lnr-logrank-chisq"] == shipped["lnr-logrank-chisq-alt"]
    from pathlib import Path

    page = (Path(__file__).parents[1] / "book" / "lnr.md").read_text(encoding="utf-8")
    assert "as shown above, the choice can change the test statistic" not in page
    assert "{glue:text}`lnr-ties-text`" in page


def test_page_says_exact_only_when_the_exact_method_ran(study):
    values = lnr.page_values(study)
    assert values["lnr-wmw-method"] == "exact" and values["lnr-perm-method"] == "exact"
    assert values["lnr-perm-resamples"] is None  # the Monte Carlo sentence is dropped
    assert lnr.count_text(3432) == "3,432"
    assert lnr.count_text(math.comb(60, 30)) == "about 1.2 × 10^17"


def test_beyond_values_on_the_shipped_data():
    v = lnr.page_values(_shipped())
    assert v["lnr-perm-splits"] == "3,432"  # C(14, 7)
    assert round(v["lnr-perm-p"], 2) == 0.07
    assert round(v["lnr-trunc-chisq"], 2) == 3.52
    assert v["lnr-n-deaths-after"] == 1  # RUX-12, day 65
    assert v["lnr-cox-wald-p"] > 0.05 and v["lnr-cox-lr-p"] < 0.001


def test_wald_teaching_sentence_only_when_wald_and_lr_disagree(study):
    shipped = lnr.page_values(_shipped())
    assert shipped["lnr-wald-fails"] is not None  # Wald p 0.16, LR p < 0.001 (issue 12)
    toy = lnr.page_values(study)
    disagree = toy["lnr-cox-wald-p"] is not None and toy["lnr-cox-wald-p"] >= 0.05 > toy["lnr-cox-lr-p"]
    assert (toy["lnr-wald-fails"] is not None) == disagree


def test_direction_of_the_key_result_is_computed(study):
    # Shipped: non-survivors 0.035, 0.036, 0.039 against survivors from 0.048 up.
    assert lnr.page_values(_shipped())["lnr-direction"] == "a lower median baseline LNR than"
    # Toy: non-survivors A (0.02), B (0.04); survivors I 0.01, C 0.05, D 0.05, E 0.10, F 0.20 (median 0.05).
    assert lnr.page_values(study)["lnr-direction"] == "a lower median baseline LNR than"


def test_ratio_and_count_texts():
    assert lnr.ratio_text(0.8312) == "0.83"
    assert lnr.ratio_text(239.5) == "240"
    assert lnr.ratio_text(1.76e9) == "about 10^9"
    assert lnr.count_text(999) == "999"


def test_firth_interval_verdict_on_the_shipped_data():
    v = lnr.page_values(_shipped())
    # Firth's beta is negative (lower LNR, higher hazard): halving LNR raises the hazard, CI above 1.
    assert v["lnr-firth-hr-half-lower"] > 1
    assert v["lnr-firth-ci-verdict"].startswith("it excludes 1")
