"""Time to start: VENTPRED, dead or ventilated at day 28 vs acute care."""


import matplotlib

matplotlib.use("Agg")

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
