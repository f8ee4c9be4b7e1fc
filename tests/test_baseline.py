"""Tests for ruxlib.baseline (Table 1) on small hand-made study folders."""

import math

import pytest
from studyfolder import write_study

from ruxlib import baseline
from ruxlib.io import load_study
from ruxlib.paths import REPO

DATA = REPO / "data"

ADSL = [
    {"USUBJID": "S1", "AGE": 30, "SEX": "F", "ITTFL": "Y", "WEIGHTBL": 80, "HEIGHTBL": 200},
    {"USUBJID": "S2", "AGE": 40, "SEX": "M", "ITTFL": "Y", "WEIGHTBL": 90, "HEIGHTBL": 150},
    {"USUBJID": "S3", "AGE": 50, "SEX": "M", "ITTFL": "Y", "WEIGHTBL": 60, "HEIGHTBL": 100},
    {"USUBJID": "S4", "AGE": 60, "SEX": "M", "ITTFL": "Y", "WEIGHTBL": 100, "HEIGHTBL": 200},
    {"USUBJID": "X9", "AGE": 99, "SEX": "F", "ITTFL": "N", "WEIGHTBL": 50, "HEIGHTBL": 100},
]


def test_summarise_continuous_small_list_by_hand():
    # mean 40/8 = 5; squared deviations 9+1+1+1+0+0+4+16 = 32; SD = sqrt(32/7)
    s = baseline.summarise_continuous([2, 4, 4, 4, 5, 5, 7, 9])
    assert s["n"] == 8
    assert s["mean"] == pytest.approx(5.0)
    assert s["sd"] == pytest.approx(math.sqrt(32 / 7))
    assert s["sd"] == pytest.approx(2.13809, abs=1e-5)
    assert s["median"] == pytest.approx(4.5)
    assert (s["min"], s["max"]) == (2.0, 9.0)


def test_summarise_continuous_drops_missing_values():
    s = baseline.summarise_continuous([1.0, None, float("nan"), 3.0])
    assert s["n"] == 2
    assert s["mean"] == pytest.approx(2.0)
    assert s["sd"] == pytest.approx(math.sqrt(2))  # (1 + 1) / (2 - 1)


def test_summarise_continuous_single_value_has_no_sd_and_empty_has_no_stats():
    one = baseline.summarise_continuous([7])
    assert one["n"] == 1 and one["mean"] == 7 and math.isnan(one["sd"])
    none = baseline.summarise_continuous([])
    assert none["n"] == 0 and math.isnan(none["mean"])


def test_table1_uses_itt_population_only(tmp_path):
    study = write_study(tmp_path / "s", adsl=ADSL)
    t = baseline.table1(study).set_index("var")
    # ages 30, 40, 50, 60 (99 is not ITT): mean 45, SD sqrt(500/3)
    assert t.loc["age", "n"] == 4
    assert t.loc["age", "mean"] == pytest.approx(45.0)
    assert t.loc["age", "sd"] == pytest.approx(math.sqrt(500 / 3))
    assert t.loc["age", "median"] == pytest.approx(45.0)
    assert (t.loc["age", "min"], t.loc["age", "max"]) == (30.0, 60.0)


def test_table1_derives_bmi_from_weight_and_height(tmp_path):
    study = write_study(tmp_path / "s", adsl=ADSL)
    t = baseline.table1(study).set_index("var")
    # BMI: 80/2^2 = 20, 90/1.5^2 = 40, 60/1^2 = 60, 100/2^2 = 25
    assert t.loc["bmi", "mean"] == pytest.approx((20 + 40 + 60 + 25) / 4)
    assert t.loc["bmi", "median"] == pytest.approx(32.5)
    assert (t.loc["bmi", "min"], t.loc["bmi", "max"]) == (20.0, 60.0)


def test_table1_vital_signs_baseline_records_in_table1_order_labelled_from_param(tmp_path):
    advs = [
        {"USUBJID": "S1", "PARAMCD": "SPO2", "PARAM": "Oxygen saturation (%)", "AVAL": 90, "AVISITN": 0, "ABLFL": "Y"},
        {"USUBJID": "S1", "PARAMCD": "PFRATIO", "PARAM": "", "AVAL": 100, "AVISITN": 0, "ABLFL": "Y"},
        {"USUBJID": "S2", "PARAMCD": "PFRATIO", "PARAM": "", "AVAL": 680, "AVISITN": 0, "ABLFL": "Y"},
        {"USUBJID": "S2", "PARAMCD": "PFRATIO", "PARAM": "", "AVAL": 1, "AVISITN": 3, "ABLFL": ""},
        {"USUBJID": "S1", "PARAMCD": "HR", "PARAM": "", "AVAL": 70, "AVISITN": 0, "ABLFL": "Y"},
        {"USUBJID": "S2", "PARAMCD": "HR", "PARAM": "Pulse (bpm)", "AVAL": 80, "AVISITN": 0, "ABLFL": "Y"},
        {"USUBJID": "S1", "PARAMCD": "XYZ", "PARAM": "", "AVAL": 1, "AVISITN": 0, "ABLFL": "Y"},
    ]
    study = write_study(tmp_path / "s", adsl=ADSL, advs=advs)
    vs = baseline.table1(study)
    vs = vs[vs["section"] == "Vital signs"]
    assert list(vs["var"]) == ["hr", "pfratio", "spo2", "xyz"]
    # PARAM when a record has one, else the Table 1 label, else the code
    assert list(vs["label"]) == ["Pulse (bpm)", "PaO₂/FiO₂ (ratio)", "Oxygen saturation (%)", "XYZ"]
    pf = vs.set_index("var").loc["pfratio"]
    assert pf["n"] == 2 and pf["mean"] == pytest.approx(390.0) and pf["max"] == 680.0


def test_table1_without_advs_has_demographics_only(tmp_path):
    study = write_study(tmp_path / "s", adsl=ADSL)
    assert set(baseline.table1(study)["section"]) == {"Demographics"}


def test_sex_counts_percent_of_itt(tmp_path):
    study = write_study(tmp_path / "s", adsl=ADSL)
    sc = baseline.sex_counts(study).set_index("sex")
    assert sc.loc["F", "n"] == 1 and sc.loc["M", "n"] == 3
    assert sc.loc["F", "pct"] == pytest.approx(25.0) and sc.loc["M", "pct"] == pytest.approx(75.0)


def test_sex_counts_lists_a_sex_with_no_subject_as_zero(tmp_path):
    study = write_study(tmp_path / "s", adsl=[r for r in ADSL if r["SEX"] == "M"])
    assert baseline.sex_counts(study).set_index("sex").loc["F", "n"] == 0


def test_risk_factors_patients_and_rows_sorted_like_table1(tmp_path):
    admh = [
        {"USUBJID": "S1", "MHCAT": "Diabetes", "MHTERM": "type 2"},
        {"USUBJID": "S1", "MHCAT": "Disorder of cardiovascular system", "MHTERM": "hypertension"},
        {"USUBJID": "S1", "MHCAT": "Disorder of cardiovascular system", "MHTERM": "CAD"},
        {"USUBJID": "S2", "MHCAT": "Disorder of cardiovascular system", "MHTERM": "hypertension"},
        {"USUBJID": "S3", "MHCAT": "DNR status", "MHTERM": "DNR"},
        {"USUBJID": "X9", "MHCAT": "Diabetes", "MHTERM": "not ITT"},
    ]
    study = write_study(tmp_path / "s", adsl=ADSL, admh=admh)
    rf = baseline.risk_factors(study)
    # plain character order puts "DNR status" before "Diabetes", as Table 1 prints them
    assert list(rf["category"]) == ["DNR status", "Diabetes", "Disorder of cardiovascular system"]
    assert list(rf["pts"]) == [1, 1, 2]
    assert list(rf["n"]) == [1, 1, 3]


def test_risk_factors_none_without_admh(tmp_path):
    study = write_study(tmp_path / "s", adsl=ADSL)
    assert baseline.risk_factors(study) is None


def test_format_number_drops_trailing_zeros():
    assert baseline.format_number(59.5) == "59.5"
    assert baseline.format_number(90.0) == "90"
    assert baseline.format_number(14.9166) == "14.92"
    assert baseline.format_number(float("nan")) == "–"


def test_table1_gt_formats_like_the_paper_and_flags_reconstructed_data(tmp_path):
    study = write_study(tmp_path / "r", adsl=ADSL, meta="reconstructed: true\n")
    html = baseline.table1_gt(study).as_raw_html()
    assert "45 (±12.91)" in html  # mean (±SD) of ages 30..60
    assert "30–60" in html
    assert "1/3" in html and "25/75%" in html
    assert "Reconstructed data" in html
    plain = write_study(tmp_path / "p", adsl=ADSL)
    assert "Reconstructed data" not in baseline.table1_gt(plain).as_raw_html()


def test_page_values_give_table1_sex_and_risk_factors(tmp_path):
    admh = [{"USUBJID": "S1", "MHCAT": "Diabetes"}, {"USUBJID": "S2", "MHCAT": "Diabetes"}]
    study = write_study(tmp_path / "s", adsl=ADSL, admh=admh)
    v = baseline.page_values(study)
    assert v["table1.age.mean"] == pytest.approx(45.0)
    assert v["baseline-n-female"] == 1 and v["baseline-pct-male"] == pytest.approx(75.0)
    assert v["risk.Diabetes.pts"] == 2 and v["risk.Diabetes.n"] == 2
    assert v["baseline-pf-n"] is None  # no advs.csv


def test_baseline_values_and_dotplot_mark_mean_median_and_reference(tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    advs = [
        {"USUBJID": u, "PARAMCD": "PFRATIO", "AVAL": v, "ABLFL": "Y"}
        for u, v in (("S1", 100), ("S2", 150), ("S3", 200), ("S4", 680), ("X9", 1))
    ]
    study = write_study(tmp_path / "s", adsl=ADSL, advs=advs)
    values = baseline.baseline_values(study, "PFRATIO")
    assert sorted(values) == [100.0, 150.0, 200.0, 680.0]  # X9 is not ITT
    fig = baseline.dotplot(study, "PFRATIO", reference=200, reference_label="entry ≤ 200")
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    # mean (100+150+200+680)/4 = 282.5, median (150+200)/2 = 175
    assert set(labels) == {"mean 282.5", "median 175.0", "entry ≤ 200", "patient (sorted)"}


def test_baseline_values_empty_without_advs(tmp_path):
    study = write_study(tmp_path / "s", adsl=ADSL)
    assert baseline.baseline_values(study, "PFRATIO").empty


def test_format_printed_rounds_ties_away_from_zero_and_keeps_decimals():
    assert baseline.format_printed(89.5, 0) == "90"
    assert baseline.format_printed(88.5, 0) == "89"  # half-even would print 88
    assert baseline.format_printed(36.45, 0) == "36"
    assert baseline.format_printed(74.0, 1) == "74.0"  # the paper prints the trailing zero
    assert baseline.format_printed(-0.004, 2) == "0.00"


def test_table1_as_printed_uses_the_ledgers_decimals_on_the_shipped_data():
    study = load_study(DATA)
    shown = baseline.table1_display(study, printed=baseline.printed_decimals()).set_index("label")
    # the paper prints weight median 90 (not 89.5), BMI min 22 (not 21.5), temperature median 36
    # (not 36.45) and respiratory-rate SD 5 (not 4.78)
    assert shown.loc["Weight (kg)", "median"] == "90"
    assert shown.loc["BMI (kg/m²)", "range"].startswith("22–")
    assert shown.loc["Temperature (°C)", "median"] == "36"
    assert shown.loc["Respiratory rate (breaths per minute)", "mean_sd"].endswith("(±5)")
    default = baseline.table1_display(study).set_index("label")
    assert default.loc["Weight (kg)", "median"] != "90"  # the unrounded value differs


def test_printed_decimals_reads_the_ledger():
    d = baseline.printed_decimals()
    assert d[("weight", "median")] == 0 and d[("resp", "sd")] == 0 and d[("bmi", "max")] == 1


def test_severity_table_by_hand(tmp_path):
    adsl = [{"USUBJID": str(i), "AGE": 50, "SEX": "M", "VENTPRED": v} for i, v in enumerate([0, 1, 2, 5], start=1)]
    adicu = [
        {"USUBJID": "1", "PARAMCD": "ECMO", "ASTDY": -2, "AENDY": 10},  # on ECMO at the first dose
        {"USUBJID": "2", "PARAMCD": "ECMO", "ASTDY": 3, "AENDY": 8},  # started later
    ]
    t = baseline.severity_table(write_study(tmp_path / "s", adsl=adsl, adicu=adicu)).set_index("characteristic")
    vent = t.loc["Days on invasive ventilation before the first dose"]
    # median of 0, 1, 2, 5 = 1.5; type-7 quartiles at positions 0.75 and 2.25: 0.75 and 2.75
    assert (vent["n"], vent["median"], vent["q1"], vent["q3"], vent["max"]) == (4, 1.5, 0.75, 2.75, 5)
    assert t.loc["On ECMO at the first dose", "count"] == 1
    assert "Lymphocyte-to-neutrophil ratio" not in t.index
    bare = baseline.severity_table(write_study(tmp_path / "b", adsl=[{"USUBJID": "1", "AGE": 50, "SEX": "M"}]))
    assert bare.empty
    assert "holds none of these data" in baseline.severity_gt(
        write_study(tmp_path / "c", adsl=[{"USUBJID": "1", "AGE": 50, "SEX": "M"}])).as_raw_html()


def test_risk_factor_table_has_a_correct_heading(tmp_path):
    adsl = [{"USUBJID": str(i), "AGE": 50, "SEX": "M"} for i in range(1, 5)]
    admh = [{"USUBJID": "1", "MHCAT": "Diabetes"}, {"USUBJID": "1", "MHCAT": "Diabetes"},
            {"USUBJID": "2", "MHCAT": "Diabetes"}]
    html = baseline.risk_factors_gt(write_study(tmp_path / "s", adsl=adsl, admh=admh)).as_raw_html()
    assert "Patients, n (%)" in html and "2 (50.0 %)" in html and ">3<" in html
    assert baseline.risk_factors_gt(write_study(tmp_path / "n", adsl=adsl)) is None
