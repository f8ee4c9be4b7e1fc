"""Tests for ruxlib.ae (Table 2) on small hand-made study folders."""

import math

import pytest
from studyfolder import write_study

from ruxlib import ae

ADSL = [{"USUBJID": u, "AGE": 50, "SEX": "M"} for u in ("1", "2", "3", "4")] + [
    {"USUBJID": "9", "AGE": 50, "SEX": "M", "ITTFL": "N"}
]
ADAE = [
    {"USUBJID": "1", "AEDECOD": "Zeta", "ATOXGR": 3},
    {"USUBJID": "2", "AEDECOD": "Sepsis", "ATOXGR": 4},
    {"USUBJID": "3", "AEDECOD": "Sepsis", "ATOXGR": 3},
    {"USUBJID": "3", "AEDECOD": "Sepsis", "ATOXGR": 5},  # same patient again: counts once
    {"USUBJID": "1", "AEDECOD": "beta", "ATOXGR": 3},
    {"USUBJID": "2", "AEDECOD": "Alpha", "ATOXGR": 3},
    {"USUBJID": "4", "AEDECOD": "Alpha", "ATOXGR": 2},  # below grade 3
    {"USUBJID": "4", "AEDECOD": "Nausea", "ATOXGR": 1},
    {"USUBJID": "9", "AEDECOD": "Zeta", "ATOXGR": 3},  # not ITT
]


def test_ae_table_orders_by_patients_then_term_alphabetically(tmp_path):
    t = ae.ae_table(write_study(tmp_path / "s", adsl=ADSL, adae=ADAE))
    assert list(t["term"]) == ["Sepsis", "Alpha", "beta", "Zeta"]
    assert list(t["n"]) == [2, 1, 1, 1]
    assert list(t["pct"]) == pytest.approx([50.0, 25.0, 25.0, 25.0])  # of ITT N = 4
    assert list(t["cum"]) == [2, 3, 4, 5]


def test_ae_table_grade_threshold_is_a_parameter(tmp_path):
    study = write_study(tmp_path / "s", adsl=ADSL, adae=ADAE)
    g2 = ae.ae_table(study, min_grade=2).set_index("term")
    assert g2.loc["Alpha", "n"] == 2 and "Nausea" not in g2.index
    assert list(ae.ae_table(study, min_grade=1)["term"])[:2] == ["Alpha", "Sepsis"]  # 2 each, A-Z
    g5 = ae.ae_table(study, min_grade=5)
    assert list(g5["term"]) == ["Sepsis"] and list(g5["n"]) == [1]


def test_ae_table_without_adae_is_empty_with_a_note(tmp_path):
    study = write_study(tmp_path / "s", adsl=ADSL)
    t = ae.ae_table(study)
    assert t.empty and list(t.columns) == ["term", "n", "pct", "cum"]
    assert "no adae.csv" in t.attrs["note"]
    assert "no adae.csv" in ae.ae_table_gt(study).as_raw_html()


def test_ae_table_with_no_event_at_the_threshold(tmp_path):
    study = write_study(tmp_path / "s", adsl=ADSL, adae=[{"USUBJID": "1", "AEDECOD": "Nausea", "ATOXGR": 1}])
    t = ae.ae_table(study)
    assert t.empty and "grade ≥ 3" in t.attrs["note"]


def test_ae_table_gt_has_the_ferritin_footnote_and_reconstructed_note(tmp_path):
    study = write_study(tmp_path / "s", adsl=ADSL, adae=ADAE, meta="reconstructed: true\n")
    html = ae.ae_table_gt(study).as_raw_html()
    assert "severe or medically significant but not immediately life-threatening" in html
    assert "Investigations-other" in html and "v5.0" in html
    assert "Reconstructed data" in html
    assert "<td" in html and "Sepsis" in html and ">50<" in html


def test_ae_table_gt_omits_ferritin_footnote_above_grade_3(tmp_path):
    study = write_study(tmp_path / "s", adsl=ADSL, adae=ADAE)
    html = ae.ae_table_gt(study, min_grade=4).as_raw_html()
    assert "Investigations-other" not in html and "Reconstructed data" not in html


def test_page_values_give_every_table_cell_by_term(tmp_path):
    study = write_study(tmp_path / "s", adsl=ADSL, adae=ADAE)
    v = ae.page_values(study)
    assert v["ae.Sepsis.n"] == 2 and v["ae.Sepsis.pct"] == pytest.approx(50.0)
    assert v["ae.Alpha.cum"] == 3
    assert "ae.Pneumonia.n" not in v
    assert (v["adverse-events-top-term"], v["adverse-events-top-n"]) == ("Sepsis", 2)
    without = ae.page_values(write_study(tmp_path / "n", adsl=ADSL))
    assert without["adverse-events-n-rows"] is None and without["adverse-events-n-terms"] is None
    assert not math.isnan(v["ae.Sepsis.n"])


# A second literal adae with seriousness, onset day and system organ class; every expectation below is
# counted by hand from these rows.
ADAE_FULL = [
    {"USUBJID": "1", "AEDECOD": "Zeta", "ATOXGR": 3, "AESER": "N", "ASTDY": 5, "AEBODSYS": "Gastro"},
    {"USUBJID": "1", "AEDECOD": "beta", "ATOXGR": 3, "AESER": "N", "ASTDY": 2, "AEBODSYS": "Gastro"},
    {"USUBJID": "2", "AEDECOD": "Sepsis", "ATOXGR": 4, "AESER": "Y", "ASTDY": 10, "AEBODSYS": "Infections"},
    {"USUBJID": "2", "AEDECOD": "Alpha", "ATOXGR": 3, "AESER": "N", "ASTDY": 1, "AEBODSYS": "Investigations"},
    {"USUBJID": "3", "AEDECOD": "Sepsis", "ATOXGR": 3, "AESER": "N", "ASTDY": 3, "AEBODSYS": "Infections"},
    {"USUBJID": "3", "AEDECOD": "Sepsis", "ATOXGR": 5, "AESER": "Y", "ASTDY": 12, "AEBODSYS": "Infections"},
    {"USUBJID": "4", "AEDECOD": "Alpha", "ATOXGR": 2, "AESER": "N", "ASTDY": 0, "AEBODSYS": "Investigations"},
    {"USUBJID": "4", "AEDECOD": "Nausea", "ATOXGR": 1, "AESER": "N", "ASTDY": 1, "AEBODSYS": "Gastro"},
    {"USUBJID": "9", "AEDECOD": "Zeta", "ATOXGR": 5, "AESER": "Y", "ASTDY": 1, "AEBODSYS": "Gastro"},  # not ITT
]


def test_ae_overview_counts_patients_by_grade_with_exact_cis(tmp_path):
    o = ae.ae_overview(write_study(tmp_path / "s", adsl=ADSL, adae=ADAE_FULL)).set_index("category")
    # any grade: 1, 2, 3, 4; grade >= 3: 1, 2, 3; grade 3 exactly: 1, 2 (Alpha), 3; grade 5: 3; serious: 2, 3
    assert list(o["n"]) == [4, 3, 3, 1, 2]
    assert list(o["pct"]) == pytest.approx([100, 75, 75, 25, 50])
    # Clopper-Pearson closed forms: k = n -> lower (α/2)^(1/n); k = 1 -> lower 1 - (1 - α/2)^(1/n);
    # R binom.test(3, 4)$conf.int = 0.1941204 0.9936905, binom.test(2, 4) = 0.06758599 0.93241401
    assert o.iloc[0][["lower", "upper"]].tolist() == pytest.approx([100 * 0.025 ** 0.25, 100])
    assert o.iloc[1][["lower", "upper"]].tolist() == pytest.approx([19.41204, 99.36905], abs=1e-4)
    assert o.iloc[3]["lower"] == pytest.approx(100 * (1 - 0.975 ** 0.25))
    assert o.iloc[4][["lower", "upper"]].tolist() == pytest.approx([6.758599, 93.241401], abs=1e-5)
    assert "serious" in o.index[4]


def test_ae_overview_leaves_out_serious_without_aeser(tmp_path):
    o = ae.ae_overview(write_study(tmp_path / "s", adsl=ADSL, adae=ADAE))
    assert len(o) == 4 and not o["category"].str.contains("serious").any()
    assert "does not record seriousness" in ae.overview_gt(write_study(tmp_path / "t", adsl=ADSL, adae=ADAE)).as_raw_html()
    assert ae.serious_table(write_study(tmp_path / "u", adsl=ADSL, adae=ADAE)) is None
    assert ae.ae_overview(write_study(tmp_path / "n", adsl=ADSL)).empty


def test_ae_terms_adds_ci_grade3_grade5_and_onset(tmp_path):
    t = ae.ae_terms(write_study(tmp_path / "s", adsl=ADSL, adae=ADAE_FULL)).set_index("term")
    assert list(t.index) == ["Sepsis", "Alpha", "beta", "Zeta"]
    assert t.loc["Sepsis", ["n", "n_grade3", "n_grade5"]].tolist() == [2, 1, 1]
    assert t.loc["Alpha", ["n", "n_grade3", "n_grade5"]].tolist() == [1, 1, 0]
    assert t.loc["Sepsis", "onset"] == pytest.approx(6.5)  # first grade >= 3 day: patient 2 day 10, patient 3 day 3
    assert t.loc["Alpha", "onset"] == 1 and t.loc["beta", "onset"] == 2
    assert t.loc["Sepsis", ["lower", "upper"]].tolist() == pytest.approx([6.758599, 93.241401], abs=1e-5)
    assert t.loc["Zeta", "soc"] == "Gastro"


def test_onset_is_each_patients_first_qualifying_day(tmp_path):
    study = write_study(tmp_path / "s", adsl=ADSL, adae=ADAE_FULL)
    d = ae.onset(study)
    assert list(zip(d["USUBJID"], d["term"], d["day"], strict=True)) == [
        ("2", "Alpha", 1), ("1", "beta", 2), ("3", "Sepsis", 3), ("1", "Zeta", 5), ("2", "Sepsis", 10)]
    v = ae.page_values(study)
    # first qualifying day per patient: 1 -> 2, 2 -> 1, 3 -> 3
    assert (v["adverse-events-onset-median"], v["adverse-events-onset-min"], v["adverse-events-onset-max"]) == (2, 1, 3)
    assert v["adverse-events-onset-week1"] == 3
    assert ae.onset(write_study(tmp_path / "t", adsl=ADSL, adae=ADAE)) is None


def test_soc_table_groups_terms_under_their_class(tmp_path):
    t = ae.soc_table(write_study(tmp_path / "s", adsl=ADSL, adae=ADAE_FULL))
    assert list(zip(t["soc"], t["term"], t["n"], strict=True)) == [
        ("Infections", "", 2), ("Infections", "Sepsis", 2),
        ("Gastro", "", 1), ("Gastro", "beta", 1), ("Gastro", "Zeta", 1),  # patient 1 once in the class row
        ("Investigations", "", 1), ("Investigations", "Alpha", 1)]
    assert ae.soc_table(write_study(tmp_path / "t", adsl=ADSL, adae=ADAE)) is None


def test_serious_table_and_page_values(tmp_path):
    study = write_study(tmp_path / "s", adsl=ADSL, adae=ADAE_FULL)
    s = ae.serious_table(study)
    assert list(s["term"]) == ["Sepsis"] and list(s["n"]) == [2]
    v = ae.page_values(study)
    assert (v["adverse-events-any-n"], v["adverse-events-g3-n"], v["adverse-events-g5-n"]) == (4, 3, 1)
    assert v["adverse-events-serious-n"] == 2 and v["adverse-events-n-soc"] == 3
    assert v["adverse-events-procedures"] is None
    plain = ae.page_values(write_study(tmp_path / "p", adsl=ADSL, adae=ADAE))
    assert plain["adverse-events-serious-n"] is None and plain["adverse-events-onset-median"] is None


def test_procedure_terms_found_case_insensitively(tmp_path):
    rows = [{"USUBJID": "1", "AEDECOD": "dialysis", "ATOXGR": 3}, {"USUBJID": "2", "AEDECOD": "Sepsis", "ATOXGR": 3},
            {"USUBJID": "3", "AEDECOD": "Leg amputation", "ATOXGR": 3}]
    assert ae.procedure_terms(write_study(tmp_path / "s", adsl=ADSL, adae=rows)) == ["Leg amputation", "dialysis"]
    html = ae.terms_gt(write_study(tmp_path / "t", adsl=ADSL, adae=ADAE_FULL)).as_raw_html()
    assert "Grade 3 exactly" in html and "6.5" in html and "nan" not in html.lower().replace("nanum", "")
