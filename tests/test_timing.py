"""Time to start: VENTPRED, dead or ventilated at day 28 vs acute care."""


import matplotlib

matplotlib.use("Agg")

import math  # noqa: E402

import pytest  # noqa: E402
from studyfolder import write_folder as write_study  # noqa: E402

from ruxlib import io, timing  # noqa: E402

# poor outcome (DEAD / ICU VENTILATED): 3, 2, 1.5; acute care: 1, 0.5, 0.5.
# Not in either group: ICU (10), DISCHARGED (7), acute care without VENTPRED,
# and a not-ITT patient.
ADSL = """
USUBJID,AGE,SEX,ITTFL,VENTPRED,D28STAT
P1,50,M,Y,3,DEAD
P2,50,M,Y,2,ICU VENTILATED
P3,50,M,Y,1.5,DEAD
G1,50,M,Y,1,ACUTE CARE
G2,50,F,Y,0.5,ACUTE CARE
G3,50,M,Y,0.5,ACUTE CARE
X1,50,M,Y,10,ICU
X2,50,M,Y,7,DISCHARGED
X3,50,M,Y,,ACUTE CARE
X4,50,M,N,9,DEAD
"""


@pytest.fixture
def study(tmp_path):
    return io.load_study(write_study(tmp_path / "s", adsl=ADSL))


def test_groups_follow_d28stat_definition(study):
    data = timing.ventpred_groups(study)
    assert sorted(data.loc[data["group"].eq(timing.POOR), "USUBJID"]) == ["P1", "P2", "P3"]
    assert sorted(data.loc[data["group"].eq(timing.GOOD), "USUBJID"]) == ["G1", "G2", "G3"]


def test_differences_are_poor_minus_good(study):
    res = timing.time_to_start(study)
    # medians 2 - 0.5; means 6.5/3 - 2/3 = 1.5
    assert res.diff_median == pytest.approx(1.5)
    assert res.diff_mean == pytest.approx(1.5)
    assert res.summary.loc[timing.POOR, "n"] == 3
    assert res.summary.loc[timing.GOOD, "mean"] == pytest.approx(2 / 3)


def test_wmw_normal_and_exact_side_by_side(study):
    res = timing.time_to_start(study)
    # normal, hand: U = 9, E = 4.5, tie-corrected Var = 9/12 * (7 - 6/30) = 5.1,
    # z = (4.5 - 0.5)/sqrt(5.1) = 1.77123, p = 0.076523
    assert res.normal.pvalue == pytest.approx(0.076523, abs=1e-5)
    assert res.normal.method == "normal"
    # exact, conditional on the tie (ranks 1.5, 1.5, 3, 4, 5, 6): the poor group
    # holds the top three ranks, 1 of C(6, 3) = 20 arrangements; two-sided 2/20
    assert res.exact.pvalue == pytest.approx(0.1)
    assert res.exact.method == "exact"
    assert res.tests()["pvalue"].tolist() == pytest.approx([res.normal.pvalue, 0.1])


def test_page_values(study):
    values = timing.page_values(study)
    assert values["time-to-start-diff-median"] == pytest.approx(1.5)
    assert values["time-to-start-p-normal"] == pytest.approx(0.076523, abs=1e-5)
    assert values["horizon.day"] == 28


def test_page_values_without_a_group_are_none(tmp_path):
    folder = write_study(tmp_path / "s", adsl="USUBJID,AGE,SEX,VENTPRED,D28STAT\nA,50,M,1,DEAD")
    values = timing.page_values(io.load_study(folder))
    assert values["time-to-start-p-normal"] is None and values["horizon.day"] == 28


def test_empty_group_is_a_clear_error(tmp_path):
    folder = write_study(tmp_path / "s", adsl="USUBJID,AGE,SEX,VENTPRED,D28STAT\nA,50,M,1,DEAD")
    with pytest.raises(ValueError, match="both groups"):
        timing.time_to_start(io.load_study(folder))


def test_missing_column_is_a_clear_error(tmp_path):
    folder = write_study(tmp_path / "s", adsl="USUBJID,AGE,SEX\nA,50,M")
    with pytest.raises(ValueError, match="VENTPRED"):
        timing.ventpred_groups(io.load_study(folder))


def test_plot_labels_groups_with_n(study):
    fig = timing.time_to_start_plot(timing.time_to_start(study))
    labels = [t.get_text() for t in fig.axes[0].get_xticklabels()]
    assert labels[0].endswith("(n = 3)") and labels[1].endswith("(n = 3)")


def test_page_values_hodges_lehmann(study):
    # Differences poor - good: 2, 2.5, 2.5, 1, 1.5, 1.5, 0.5, 1, 1: median 1.5. With 3 vs 3 the
    # smallest exact two-sided p is 2/20 = 0.1, so no shift is rejected at 5 %: no finite bound.
    values = timing.page_values(study)
    assert values["time-to-start-hl"] == 1.5 and values["time-to-start-hl-level"] == pytest.approx(95.0)
    assert values["time-to-start-hl-lower"] is None and values["time-to-start-hl-upper"] is None


# --- beyond the paper: the regression the right way round and the grouping sensitivity (issue 12) ---

BINARY = """
USUBJID,AGE,SEX,ITTFL,VENTPRED,D28STAT
A1,50,M,Y,1,DEAD
A2,50,M,Y,1,ICU VENTILATED
A3,50,M,Y,1,ACUTE CARE
B1,50,M,Y,0,DEAD
B2,50,M,Y,0,ACUTE CARE
B3,50,M,Y,0,DISCHARGED
B4,50,M,Y,0,ICU
B5,50,F,Y,0,ACUTE CARE
"""


def test_outcome_regression_uses_every_itt_patient_and_firths_binary_property(tmp_path):
    # VENTPRED 1: 2 poor, 1 not; VENTPRED 0: 1 poor, 4 not (ICU and DISCHARGED count as "not poor").
    # Firth with one binary covariate = log OR with 0.5 added to each cell: (2.5 * 4.5) / (1.5 * 1.5) = 5.
    study = io.load_study(write_study(tmp_path / "b", adsl=BINARY))
    fit = timing.outcome_regression(study)
    assert fit.lr.n == 8
    assert fit.coef[1] == pytest.approx(math.log(5.0), abs=1e-6)


def test_outcome_regression_on_the_toy_folder_excludes_non_itt_and_missing(study):
    fit = timing.outcome_regression(study)
    assert fit.lr.n == 8  # 10 rows: X3 has no VENTPRED, X4 is not ITT


def test_grouping_sensitivity_by_hand(study):
    # Moving X2 (DISCHARGED, 7 days) into the good group: poor 3, 2, 1.5 vs good 1, .5, .5, 7.
    # Ranks: .5 .5 -> 1.5 each, 1 -> 3, 1.5 -> 4, 2 -> 5, 3 -> 6, 7 -> 7: W(poor) = 15 of E = 12,
    # so the p rises from the original split (W = 15 of E = 10.5).
    table = timing.grouping_sensitivity(study)
    row = table[(table["USUBJID"] == "X2") & (table["to"] == timing.GOOD)].iloc[0]
    assert row["from"] == "neither"
    base = timing.time_to_start(study).normal.pvalue
    assert row["p_normal"] > base
    # 8 patients with VENTPRED in the ITT population, each moved to each group it is not in:
    # 6 in a group (1 move each) + 2 in neither (2 moves each) = 10.
    assert len(table) == 10


def test_grouping_sensitivity_on_the_shipped_data_is_issue_12s_value():
    # Issue 12: moving RUX-13 into the good-outcome group moves p from 0.027 to 0.089.
    from pathlib import Path

    shipped = io.load_study(Path(__file__).parents[1] / "data")
    values = timing.page_values(shipped)
    assert round(values["time-to-start-p-normal"], 3) == 0.027
    assert round(values["time-to-start-sens-p-neither-good"], 3) == 0.089
    table = timing.grouping_sensitivity(shipped)
    row = table[(table["USUBJID"] == "RUX-13") & (table["to"] == timing.GOOD)]
    assert round(float(row["p_normal"].iloc[0]), 3) == 0.089


def test_verdict_sentences_follow_the_numbers(study):
    # Toy folder: poor 3, 2, 1.5 vs good 1, .5, .5 (normal-approximation p about 0.05).
    values = timing.page_values(study)
    n_cross = values["time-to-start-sens-n-cross"]
    verdict = values["time-to-start-sens-verdict"]
    assert verdict.startswith("A finding that one patient") == bool(n_cross)
    compare = values["time-to-start-firth-compare"]
    firth_low, groups_low = values["time-to-start-firth-p"] < 0.05, values["time-to-start-p-normal"] < 0.05
    assert compare.startswith("on the same side") == (firth_low == groups_low)


def test_verdicts_on_the_shipped_data():
    # Shipped data: the two-group p is 0.027; Firth's logistic p is not below 0.05 and
    # 11 of 17 single moves cross 0.05 (see the sensitivity table on the page).
    from pathlib import Path

    values = timing.page_values(io.load_study(Path(__file__).parents[1] / "data"))
    assert values["time-to-start-firth-compare"].startswith("not below 0.05")
    assert values["time-to-start-sens-n-cross"] == 11 and values["time-to-start-sens-n-moves"] == 17


def test_shift_direction_words(study):
    # Toy: poor 3, 2, 1.5 against good 1, .5, .5: every difference is positive, the shift is "longer".
    values = timing.page_values(study)
    assert values["time-to-start-hl"] > 0
    assert values["time-to-start-hl-direction"] == "longer"
    assert values["time-to-start-hl-abs"] == values["time-to-start-hl"]
