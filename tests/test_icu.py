"""ICU course: days in ICU / on IMV / on ECMO in [0, horizon], and the swimmer plot."""


import matplotlib

matplotlib.use("Agg")

import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from studyfolder import write_folder as write_study  # noqa: E402

from ruxlib import icu, io  # noqa: E402

ADSL = """
USUBJID,AGE,SEX,ITTFL,TRTDURD,EOTREAS,D28STAT
A,50,M,Y,28,COMPLETED,ICU VENTILATED
B,60,F,Y,5,DEATH,DEAD
C,70,M,Y,10,DISCHARGED FROM ICU,ACUTE CARE
D,40,M,N,1,TRANSFERRED,
"""

# A: ICU from day -3 to 40 (clipped at both ends: 28), IMV -2.5 to 12 (12) plus
#    20 to 22 (2) = 14, ECMO 1 to 11 (10)
# B: ICU 0 to 4.5 (4.5), IMV -1 to 4.5 (4.5), no ECMO
# C: ICU -10 to -1 (before day 0: 0) and 3 to 9 (6), IMV 30 to 35 (after horizon: 0)
# D: not in the ITT population (ITTFL = N): not in the table
ADICU = """
USUBJID,PARAMCD,ASTDY,AENDY
A,ICU,-3,40
A,IMV,-2.5,12
A,IMV,20,22
A,ECMO,1,11
B,ICU,0,4.5
B,IMV,-1,4.5
C,ICU,-10,-1
C,ICU,3,9
C,IMV,30,35
D,ICU,0,1
"""

ADTTE = """
USUBJID,PARAMCD,AVAL,CNSR
A,OS,90,1
B,OS,4.5,0
C,OS,90,1
D,OS,30,1
"""


@pytest.fixture
def study(tmp_path):
    return io.load_study(write_study(tmp_path / "s", adsl=ADSL, adicu=ADICU, adtte=ADTTE))


def test_icu_days_clips_episodes_at_day_0_and_horizon(study):
    days = icu.icu_days(study)
    assert list(days.index) == ["A", "B", "C"]
    assert days.loc["A"].tolist() == [28.0, 14.0, 10.0]
    assert days.loc["B"].tolist() == [4.5, 4.5, 0.0]


def test_icu_days_episodes_outside_window_count_zero(study):
    days = icu.icu_days(study)
    assert days.loc["C"].tolist() == [6.0, 0.0, 0.0]


def test_icu_days_horizon_is_a_parameter(study):
    days = icu.icu_days(study, horizon=10)
    # A: ICU 0..10 = 10, IMV 0..10 = 10, ECMO 1..10 = 9; C: ICU 3..9 = 6
    assert days.loc["A"].tolist() == [10.0, 10.0, 9.0]
    assert days.loc["C", "ICU"] == 6.0


def test_icu_days_subject_without_episodes_gets_zero(tmp_path):
    folder = write_study(
        tmp_path / "s",
        adsl="USUBJID,AGE,SEX\nA,50,M\nB,60,F",
        adicu="USUBJID,PARAMCD,ASTDY,AENDY\nA,ICU,0,3",
    )
    days = icu.icu_days(io.load_study(folder))
    assert days.loc["B"].tolist() == [0.0, 0.0, 0.0]
    assert days.loc["A", "ICU"] == 3.0


def test_icu_days_without_adicu_says_so(tmp_path):
    folder = write_study(tmp_path / "s", adsl="USUBJID,AGE,SEX\nA,50,M")
    with pytest.raises(ValueError, match="adicu"):
        icu.icu_days(io.load_study(folder))


def test_summarise_days_median_range_and_ecmo_count(study):
    summary = icu.summarise_days(icu.icu_days(study))
    # ICU days 28, 4.5, 6 -> median 6, range 4.5-28
    assert summary.loc["ICU", ["median", "min", "max"]].tolist() == [6.0, 4.5, 28.0]
    # ECMO: one patient with 10 days
    assert summary.loc["ECMO", "n_any"] == 1
    assert summary.loc["ECMO", "median_any"] == 10.0
    assert summary.loc["ECMO", "n"] == 3


def test_swimmer_plot_draws_one_row_per_patient_dead_first(study):
    fig = icu.swimmer_plot(study)
    ax = fig.axes[0]
    labels = [t.get_text() for t in ax.get_yticklabels()]
    # top row (largest y) first: B died, then A (ICU ventilated), then C (acute care)
    ticks = ax.get_yticks()
    order = [lab for _, lab in sorted(zip(ticks, labels, strict=True), reverse=True)]
    assert order == ["B", "A", "C"]
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert {"On ICU", "Invasive ventilation", "ECMO", "Death"} <= set(legend)
    assert isinstance(fig, matplotlib.figure.Figure)


def test_itt_subjects_follow_ittfl(study):
    assert list(icu.itt_subjects(study)) == ["A", "B", "C"]
    assert isinstance(icu.itt_subjects(study), pd.Index)


def test_ecmo_courses_and_page_values(study):
    # ECMO: A has 10 days (horizon 28) -> one short course, no full course
    values = icu.page_values(study)
    assert values["icu-course-ecmo-n"] == 1
    assert values["ecmo.days_short"] == 10.0
    assert values["ecmo.n_short"] == 1
    assert values["ecmo.n_full"] == 0
    assert values["icu-course-icu-median"] == 6.0
    assert values["icu-course-imv-max"] == 14.0
    assert values["itt.n"] == 3
    # with horizon 10, A's ECMO (day 1 to 11) covers 9 of 10 days: still not full
    courses = icu.ecmo_courses(icu.icu_days(study, 10), 10)
    assert courses.to_dict("records") == [{"days": 9.0, "n": 1, "full": False}]


def test_ecmo_over_whole_window_is_a_full_course(tmp_path):
    folder = write_study(
        tmp_path / "s",
        adsl="USUBJID,AGE,SEX\nA,50,M\nB,60,F\nC,70,M",
        adicu="USUBJID,PARAMCD,ASTDY,AENDY\nA,ECMO,-2,30\nB,ECMO,0,28\nC,ECMO,3,13",
    )
    values = icu.page_values(io.load_study(folder))
    assert values["icu-course-ecmo-n"] == 3
    assert (values["ecmo.days_short"], values["ecmo.n_short"]) == (10.0, 1)
    assert (values["ecmo.days_full"], values["ecmo.n_full"]) == (28.0, 2)


# --- competing risks and ventilator-free days -------------------------------------

CR_ADSL = """
USUBJID,AGE,SEX,ITTFL,TRTDURD,EOTREAS,D28STAT
P1,50,M,Y,10,COMPLETED,ACUTE CARE
P2,60,F,Y,5,DEATH,DEAD
P3,70,M,Y,12,TRANSFERRED,ACUTE CARE
P4,40,M,Y,28,COMPLETED,ICU VENTILATED
P5,55,F,Y,15,TRANSFERRED,ACUTE CARE
"""

# P1 leaves ICU (day 10) and the ventilator (day 8) alive; P2 dies on day 5 in both;
# P3 is transferred on day 12 still ventilated (censored in both); P4 is extubated on
# day 20 and dies in the ICU on day 30; P5 is extubated on day 9, transferred from the ICU on day 15.
CR_ADICU = """
USUBJID,PARAMCD,ASTDY,AENDY
P1,ICU,0,10
P1,IMV,0,8
P2,ICU,-2,5
P2,IMV,-2,5
P3,ICU,0,12
P3,IMV,0,12
P4,ICU,0,30
P4,IMV,0,20
P5,ICU,0,15
P5,IMV,0,9
"""

CR_ADTTE = """
USUBJID,PARAMCD,AVAL,CNSR
P1,OS,90,1
P2,OS,5,0
P3,OS,90,1
P4,OS,30,0
P5,OS,90,1
"""


@pytest.fixture
def cr_study(tmp_path):
    return io.load_study(write_study(tmp_path / "cr", adsl=CR_ADSL, adicu=CR_ADICU, adtte=CR_ADTTE))


def test_exit_events_apply_one_transfer_rule(cr_study):
    icu_exit = icu.exit_events(cr_study, "ICU")
    assert icu_exit["time"].tolist() == [10, 5, 12, 30, 15]
    assert icu_exit["event"].tolist() == [1, 2, 0, 2, 0]
    imv_exit = icu.exit_events(cr_study, "IMV")
    assert imv_exit["time"].tolist() == [8, 5, 12, 20, 9]
    assert imv_exit["event"].tolist() == [1, 2, 0, 1, 1]
    with pytest.raises(ValueError, match="episode"):
        icu.exit_events(cr_study, "ECMO")


def test_exit_incidence_by_hand(cr_study):
    # ICU: day 5, 1 death of 5 at risk: CIF(death) = 0.2, S = 0.8; day 10, 1 discharge of 4:
    # CIF(discharge) = 0.8 / 4 = 0.2, S = 0.6; censored on days 12 and 15; day 30, the last
    # patient dies: CIF(death) = 0.2 + 0.6 = 0.8.
    aj = icu.exit_incidence(cr_study, "ICU").set_index("time")
    assert aj.loc[10, ["cif1", "cif2", "surv"]].tolist() == pytest.approx([0.2, 0.2, 0.6])
    assert aj.loc[30, ["cif1", "cif2", "surv"]].tolist() == pytest.approx([0.2, 0.8, 0.0])
    assert aj["n_censor"].sum() == 2


def test_ventilator_free_days_by_hand(cr_study):
    # P1 28 - 8 = 20; P2 died by day 28: 0; P3 transferred ventilated on day 12: unknown,
    # worst 0, best 28 - 12 = 16; P4 alive at day 28 (dies on day 30), 28 - 20 = 8; P5 28 - 9 = 19.
    vfd = icu.ventilator_free_days(cr_study)
    assert vfd.drop("P3").tolist() == [20, 0, 8, 19] and pd.isna(vfd["P3"])
    assert icu.ventilator_free_days(cr_study, transferred="worst")["P3"] == 0
    assert icu.ventilator_free_days(cr_study, transferred="best")["P3"] == 16
    assert icu.ventilator_free_days(cr_study, horizon=10).tolist() == [2, 0, 0, 0, 1]
    with pytest.raises(ValueError, match="transferred"):
        icu.ventilator_free_days(cr_study, transferred="drop")


def test_page_values_beyond_the_paper_by_hand(cr_study):
    values = icu.page_values(cr_study)
    assert values["icu-course-icu-cif-alive"] == pytest.approx(20.0)
    assert values["icu-course-icu-cif-death"] == pytest.approx(20.0)
    # 1 - KM with deaths censored: the discharge on day 10 is 1 of 4 at risk: 25 %, more than 20 %.
    assert values["icu-course-icu-naive"] == pytest.approx(25.0)
    assert (values["icu-course-icu-transferred"], values["icu-course-imv-transferred"]) == (2, 1)
    # VFD 20, 0, unknown, 8, 19: median 13.5 of 4; worst (P3 = 0) 8; best (P3 = 16) 16.
    assert (values["icu-course-vfd-median"], values["icu-course-vfd-n"], values["icu-course-vfd-unknown"]) == (13.5, 4, 1)
    assert (values["icu-course-vfd-median-worst"], values["icu-course-vfd-median-best"]) == (8, 16)
    assert values["icu-course-vfd-zero"] == 1


def test_exit_needs_the_end_of_treatment_reason(tmp_path):
    adsl = CR_ADSL.replace(",EOTREAS", "").replace(",COMPLETED", "").replace(",DEATH", "").replace(",TRANSFERRED", "")
    study = io.load_study(write_study(tmp_path / "noeot", adsl=adsl, adicu=CR_ADICU, adtte=CR_ADTTE))
    with pytest.raises(ValueError, match="EOTREAS"):
        icu.exit_events(study)
    values = icu.page_values(study)
    assert values["icu-course-icu-cif-alive"] is None and values["icu-course-vfd-median"] is None
    assert values["icu-course-icu-median"] is not None


def test_an_episode_that_ended_before_the_first_dose_is_not_at_risk(tmp_path):
    """Found by the property test: an ICU stay from day -9 to day -2 gave a negative time."""
    from studyfolder import write_study

    from ruxlib import icu

    study = write_study(
        tmp_path / "s",
        adsl="USUBJID,AGE,SEX,EOTREAS\nA,50,M,COMPLETED\nB,60,F,COMPLETED",
        adtte="USUBJID,PARAMCD,AVAL,CNSR\nA,OS,90,1\nB,OS,90,1",
        adicu="USUBJID,PARAMCD,ASTDY,AENDY\nA,ICU,-9,-2\nB,ICU,-1,10",
    )
    assert list(icu.exit_events(study).index) == ["B"]
    assert icu.exit_incidence(study)["cif1"].iloc[-1] == 1.0


def test_swimmer_starts_at_the_first_ventilation_day_and_marks_later_deaths(cr_study, study):
    # cr_study: P2 ventilated from day -2; the fixture `study`: A from day -2.5 -> axis from -3
    assert icu.first_ventilation_day(cr_study) == -2
    assert icu.first_ventilation_day(study) == -3
    fig = icu.swimmer_plot(cr_study)
    ax = fig.axes[0]
    assert ax.get_xlim()[0] == -2 and fig.ruxbook_view == "patients"
    texts = [t.get_text() for t in ax.texts]
    # P4 dies on day 30, after the horizon of 28
    assert any(t.endswith("died day 30") for t in texts)
    assert "Died after day 28 (day at right)" in [t.get_text() for t in ax.get_legend().get_texts()]


def test_swimmer_switches_to_the_summary_view_above_the_limit(cr_study):
    assert icu.swimmer_view(60) == "patients" and icu.swimmer_view(61) == "summary"
    fig = icu.swimmer_plot(cr_study, max_patients=4)  # 5 patients > 4
    assert fig.ruxbook_view == "summary"
    assert "Summary view: 5 patients" in fig.axes[0].get_title(loc="left")


def test_state_occupancy_by_hand(cr_study):
    occ = icu.state_occupancy(cr_study, horizon=28, start=-2)
    # day 0: all 5 in the ICU on the ventilator
    assert occ.loc[0.0, "ICU, ventilated"] == 5
    # day 13: P1 out (ICU ended day 10), P2 dead (day 5), P3 transferred (censored day 12),
    # P4 ventilated, P5 in the ICU off the ventilator (extubated day 9, transferred day 15)
    assert occ.loc[13.0].to_dict() == {"Dead": 1, "ICU, ECMO": 0, "ICU, ventilated": 1, "ICU, not ventilated": 1,
                                       "Out of ICU, alive": 1, "Transferred (unknown)": 1}
    assert (occ.sum(axis=1) == 5).all()
