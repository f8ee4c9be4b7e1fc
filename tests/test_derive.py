"""Derived variables, one function each, on hand-worked frames; and load_study calling them."""

import math

import numpy as np
import pandas as pd
import pytest
from studyfolder import write_folder

from ruxlib import derive, io

ADSL = pd.DataFrame({
    "USUBJID": ["A", "B", "C", "D"],
    "ITTFL": ["Y", None, "N", "Y"],
    "WEIGHTBL": [81.0, 100.0, np.nan, 60.0],
    "HEIGHTBL": [180.0, 200.0, 170.0, 150.0],
})


def test_ittfl_defaults_to_y_and_keeps_n():
    out = derive.derive_var_ittfl(ADSL)
    assert out["ITTFL"].tolist() == ["Y", "Y", "N", "Y"]
    assert ADSL["ITTFL"].tolist() == ["Y", None, "N", "Y"]  # the input is not changed
    assert derive.derive_var_ittfl(ADSL.drop(columns="ITTFL"))["ITTFL"].eq("Y").all()
    assert derive.itt_population(out)["USUBJID"].tolist() == ["A", "B", "D"]


def test_compute_bmi_by_hand():
    # 81 / 1.8² = 25; 100 / 2² = 25; 60 / 1.5² = 26.667
    np.testing.assert_allclose(derive.compute_bmi([81, 100, 60], [180, 200, 150]), [25.0, 25.0, 60 / 2.25])


def test_bmibl_keeps_a_recorded_value_and_fills_the_missing_ones():
    recorded = ADSL.assign(BMIBL=[30.0, np.nan, np.nan, np.nan])
    out = derive.derive_var_bmibl(recorded)["BMIBL"]
    assert out.iloc[0] == 30.0  # recorded, not 25
    assert out.iloc[1] == pytest.approx(25.0)
    assert math.isnan(out.iloc[2])  # no weight
    assert out.iloc[3] == pytest.approx(26.6667, abs=1e-4)
    assert "BMIBL" not in derive.derive_var_bmibl(ADSL.drop(columns="HEIGHTBL"))


LAB = pd.DataFrame({
    "USUBJID": ["A", "A", "A", "A", "B", "B"],
    "PARAMCD": ["LYMPH", "NEUT", "LYMPH", "NEUT", "LYMPH", "NEUT"],
    "AVISITN": [0, 0, 7, 7, 0, 0],
    "AVAL": [1.0, 10.0, 2.0, 4.0, 0.5, 0.0],
})


def test_ablfl_from_visit_zero_when_nothing_is_flagged():
    assert derive.derive_var_ablfl(LAB)["ABLFL"].tolist() == ["Y", "Y", None, None, "Y", "Y"]


def test_ablfl_flags_are_taken_as_they_are_when_any_record_is_flagged():
    flagged = LAB.assign(ABLFL=[None, None, "Y", "Y", None, None])
    # day 7 is A's baseline; B has no flagged record, so no baseline (visit 0 is not used)
    assert derive.derive_var_ablfl(flagged)["ABLFL"].tolist() == [None, None, "Y", "Y", None, None]


def test_ablfl_two_baselines_for_one_parameter_name_the_subjects():
    twice = LAB.assign(ABLFL=["Y", "Y", "Y", None, "Y", "Y"])
    with pytest.raises(ValueError, match=r"more than one baseline record .*: A \(LYMPH: 2 records\)$"):
        derive.derive_var_ablfl(twice)


def test_load_study_reports_two_baselines_as_a_data_error(tmp_path):
    lab = LAB.assign(ABLFL=["Y", "Y", "Y", "", "Y", "Y"])
    folder = write_folder(tmp_path / "s", adsl="USUBJID,AGE,SEX\nA,50,M\nB,60,F", adlb=lab)
    with pytest.raises(io.DataError, match=r"\(USUBJID A\): a second baseline record for LYMPH"):
        io.load_study(folder)


def test_lnrbl_is_baseline_lymph_over_neut_and_missing_for_a_zero_neut():
    adsl = pd.DataFrame({"USUBJID": ["A", "B", "C"], "LNRBL": [np.nan, np.nan, 0.3]})
    out = derive.derive_var_lnrbl(adsl, derive.derive_var_ablfl(LAB))["LNRBL"]
    assert out.iloc[0] == pytest.approx(0.1)  # 1 / 10 at day 0, not 2 / 4 at day 7
    assert math.isnan(out.iloc[1])  # NEUT 0
    assert out.iloc[2] == 0.3  # recorded
    assert derive.derive_var_lnrbl(adsl.drop(columns="LNRBL"), None)["LNRBL"].isna().all()


def test_lnrfl_needs_itt_a_ratio_and_no_exclusion():
    adsl = pd.DataFrame({
        "USUBJID": list("ABCDE"),
        "ITTFL": ["Y", "Y", "Y", "N", "Y"],
        "LNRBL": [0.1, np.nan, 0.2, 0.3, 0.4],
        "LNREXCL": [None, None, "LEUKEMIA", None, "  "],
    })
    assert derive.derive_var_lnrfl(adsl)["LNRFL"].tolist() == ["Y", "N", "N", "N", "Y"]


ADTTE = pd.DataFrame({
    "USUBJID": ["A", "B", "C", "D", "A"],
    "PARAMCD": ["OS", "OS", "OS", "OS", "PFS"],
    "AVAL": [6.0, 28.0, 10.0, 40.0, 3.0],
    "CNSR": [0, 0, 1, 0, 0],
})
SUBJECTS = pd.DataFrame({"USUBJID": ["A", "B", "C", "D", "E"]})


def test_dthdy_is_the_os_event_day():
    out = derive.derive_var_dthdy(SUBJECTS, ADTTE)["DTHDY"]
    # A died on day 6 (its PFS event at 3 is not a death), C censored, E has no OS record
    np.testing.assert_array_equal(out, [6.0, 28.0, np.nan, 40.0, np.nan])
    assert derive.derive_var_dthdy(SUBJECTS, None)["DTHDY"].isna().all()


def test_lstalvdy_is_the_os_day_whether_death_or_censoring():
    out = derive.derive_var_lstalvdy(SUBJECTS, ADTTE)["LSTALVDY"]
    np.testing.assert_array_equal(out, [6.0, 28.0, 10.0, 40.0, np.nan])


def test_d28out_death_on_the_horizon_is_dead_and_the_horizon_is_a_parameter():
    adsl = derive.derive_var_lstalvdy(derive.derive_var_dthdy(SUBJECTS, ADTTE), ADTTE)
    assert derive.derive_var_d28out(adsl)["D28OUT"].tolist() == ["DEAD", "DEAD", "ALIVE", "ALIVE", None]
    assert derive.derive_var_d28out(adsl, horizon=27.5)["D28OUT"].tolist() == [
        "DEAD", "ALIVE", "ALIVE", "ALIVE", None]
    assert derive.derive_var_d28out(adsl, horizon=40)["D28OUT"].tolist() == ["DEAD", "DEAD", "ALIVE", "DEAD", None]


def test_load_study_adds_every_derived_variable(tmp_path):
    folder = write_folder(
        tmp_path / "s",
        adsl="USUBJID,AGE,SEX,WEIGHTBL,HEIGHTBL\nA,50,M,81,180\nB,60,F,100,200",
        adtte="USUBJID,PARAMCD,AVAL,CNSR\nA,OS,6,0\nB,OS,10,1",
        adlb=LAB,
    )
    study = io.load_study(folder)
    adsl = study.adsl.set_index("USUBJID")
    assert adsl["ITTFL"].tolist() == ["Y", "Y"]
    assert adsl["BMIBL"].tolist() == pytest.approx([25.0, 25.0])
    assert adsl.loc["A", "LNRBL"] == pytest.approx(0.1)
    assert adsl["LNRFL"].tolist() == ["Y", "N"]
    assert adsl["DTHDY"].tolist()[0] == 6.0 and math.isnan(adsl.loc["B", "DTHDY"])
    assert adsl["LSTALVDY"].tolist() == [6.0, 10.0]
    assert study.adlb["ABLFL"].tolist() == ["Y", "Y", None, None, "Y", "Y"]
