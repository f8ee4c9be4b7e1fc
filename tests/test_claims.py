"""The ledger file and the comparison helpers of ruxlib.claims."""

import pandas as pd
import pytest

from ruxlib import claims


def test_shipped_ledger_loads_with_unique_ids_and_valid_statuses():
    df = claims.load_claims()
    assert df["id"].is_unique
    assert set(df["status"]) <= set(claims.STATUSES)
    assert len(df) > 150


def test_shipped_ledger_has_every_table1_statistic():
    ids = set(claims.load_claims()["id"])
    for var in ["age", "weight", "height", "bmi", "hr", "resp", "pfratio", "sysbp", "diabp", "temp"]:
        for stat in ["n", "mean", "sd", "median", "min", "max"]:
            assert f"t1.{var}.{stat}" in ids


def test_shipped_ledger_keeps_printed_text():
    df = claims.load_claims().set_index("id")
    assert df.loc["t1.age.sd", "reported"] == "14.92"
    assert df.loc["t1.hr.median", "reported"] == "74.0"
    assert df.loc["t1.hr.median", "decimals"] == 1
    assert df.loc["fig4.p", "reported"] == "< 0.01"
    assert df.loc["t2.dialysis.pct", "reported"] == "18.75"


def test_matches_accepts_either_rounding_rule():
    assert claims.matches("0.13", 2, 0.125)
    assert claims.matches("0.12", 2, 0.125)
    assert not claims.matches("0.13", 2, 0.1249)


def test_matches_checks_inequalities_without_rounding():
    # 11 vs 3 exact WMW: p = 2/364 is below 0.01, 4/364 = 0.011 is not
    assert claims.matches("< 0.01", 2, 2 / 364)
    assert not claims.matches("< 0.01", 2, 4 / 364)
    assert claims.matches("more than one", 0, 1.1)
    assert not claims.matches("more than one", 0, 1.0)


def test_matches_is_false_for_missing_values():
    assert not claims.matches("3", 0, None)
    assert not claims.matches("3", 0, float("nan"))


def test_chi_square_p_rounds_to_printed_value():
    # chi-square 3.9 on 1 df: p = 0.0483 (R: pchisq(3.9, 1, lower.tail=FALSE))
    assert claims.matches("0.05", 2, 0.04828)


def _ledger(tmp_path, rows, value=""):
    columns = [c for c in claims.COLUMNS if c != "value"] + ["page"]
    df = pd.DataFrame(rows, columns=columns).assign(value=value)
    path = tmp_path / "claims.csv"
    df.to_csv(path, index=False)
    return path


def test_load_claims_rejects_bad_status_and_duplicate_ids(tmp_path):
    path = _ledger(tmp_path, [
        ["a.b", "Table 1", "q", "1", 0, "maybe", "", "p"],
        ["a.b", "Table 1", "q", "1", 0, "reproduced", "", "p"],
    ])
    with pytest.raises(ValueError, match="status must be one of") as e:
        claims.load_claims(path)
    assert "ids repeat: a.b" in str(e.value)


def test_load_claims_rejects_a_value_that_names_no_page(tmp_path):
    path = _ledger(tmp_path, [["a.b", "Table 1", "q", "1", 0, "reproduced", "", "p"]], value="no-colon")
    with pytest.raises(ValueError, match="value must be page-label:name"):
        claims.load_claims(path)


def test_compare_table_selects_by_page_or_prefix(tmp_path):
    path = _ledger(tmp_path, [
        ["t1.age.mean", "Table 1", "mean age", "59.5", 1, "reproduced", "", "baseline"],
        ["t1.age.sd", "Table 1", "SD age", "14.92", 2, "reproduced", "", "baseline"],
        ["txt.os28.alive", "Results", "alive", "Thirteen", 0, "reproduced", "", "km-survival"],
    ])
    ledger = claims.load_claims(path)
    out = claims.compare_table("baseline", {"t1.age.mean": 59.5, "t1.age.sd": 14.9}, claims=ledger)
    assert out["id"].tolist() == ["t1.age.mean", "t1.age.sd"]
    assert out["match"].tolist() == [True, False]
    assert out["computed"].tolist() == [59.5, 14.9]
    out = claims.compare_table("txt.os28", {"txt.os28.alive": 13}, claims=ledger)
    assert out["match"].tolist() == [True]
    out = claims.compare_table(["t1.age.sd"], {}, claims=ledger)
    assert out["computed"].isna().all() and not out["match"].any()


def test_load_inconsistencies_reads_claim_ids_and_proof(tmp_path):
    path = tmp_path / "inconsistencies.yml"
    path.write_text(
        "- claims: [t1.x.mean, t1.x.sd]\n  proof: no integer sum of squares fits\n  block: x\n",
        encoding="utf-8")
    df = claims.load_inconsistencies(path)
    assert df.loc[0, "claims"] == ["t1.x.mean", "t1.x.sd"]
    assert df.loc[0, "proof"] == "no integer sum of squares fits"
    assert df.loc[0, "block"] == "x"


def test_missing_yaml_files_give_none(tmp_path):
    assert claims.load_inconsistencies(tmp_path / "nope.yml") is None
    assert claims.load_assumptions(tmp_path / "nope.yml") is None


def test_load_assumptions_flattens_a_mapping(tmp_path):
    path = tmp_path / "assumptions.yml"
    path.write_text("age:\n  precision: 1\n  why: integer years\n", encoding="utf-8")
    df = claims.load_assumptions(path)
    assert df.to_dict(orient="records") == [{"precision": "1", "why": "integer years", "id": "age"}]


def test_load_inconsistencies_reads_the_reconstruction_layout(tmp_path):
    # ruxlib.reconstruct writes {relaxed: [...], conflicts: [{block, conflict, relaxed}, ...]}
    path = tmp_path / "inconsistencies.yml"
    path.write_text("relaxed: []\nconflicts: []\n", encoding="utf-8")
    assert claims.load_inconsistencies(path).empty
    path.write_text(
        "relaxed: [t1.bmi.sd]\nconflicts:\n- block: bmi\n  conflict: [t1.bmi.mean, t1.bmi.sd]\n"
        "  relaxed: t1.bmi.sd\n", encoding="utf-8")
    df = claims.load_inconsistencies(path)
    assert df.loc[0, "claims"] == ["t1.bmi.mean", "t1.bmi.sd"]
    assert df.loc[0, "relaxed"] == "t1.bmi.sd"
    assert df.loc[0, "block"] == "bmi"


def test_rounding_rule_names_the_rule_a_tie_needs():
    assert claims.rounding_rule("36", 0, 36.5) == "half-even"   # SAS would print 37
    assert claims.rounding_rule("59", 0, 58.5) == "half-away"   # R would print 58
    assert claims.rounding_rule("175.2", 1, 175.25) == "half-even"
    assert claims.rounding_rule("59.5", 1, 59.5) == "both"
    assert claims.rounding_rule("< 0.01", 2, 0.005) == "inequality"
    assert claims.rounding_rule("60", 0, 58.5) == ""


def test_load_inconsistencies_reads_conditional_conflicts(tmp_path):
    path = tmp_path / "inconsistencies.yml"
    path.write_text(
        "relaxed: []\nconflicts: []\nconditional:\n- id: icu-below-treatment\n"
        "  claims: [txt.trtdur.median, txt.icu.median]\n  hypothesis: ICU on every treatment day\n"
        "  result: infeasible\n  proof: median ICU >= median treatment = 20 > 16\n"
        "  table: [{a: 1}]\n  resolution: treated on the ward\n", encoding="utf-8")
    df = claims.load_inconsistencies(path)
    row = df.iloc[0]
    assert row["kind"] == "conditional"
    assert row["claims"] == ["txt.trtdur.median", "txt.icu.median"]
    assert row["hypothesis"] == "ICU on every treatment day"
    assert row["resolution"] == "treated on the ward"
    assert "table" not in df.columns


def test_every_ledger_page_label_is_a_book_page():
    import re
    from pathlib import Path

    book = Path(__file__).resolve().parent.parent / "book"
    labels = set()
    for page in book.glob("*.md"):
        labels |= set(re.findall(r"^\(([a-z0-9-]+)\)=\s*$", page.read_text(encoding="utf-8"), flags=re.M))
    pages = set(claims.load_claims()["page"])
    assert pages <= labels, f"ledger pages without a book page: {sorted(pages - labels)}"
