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
