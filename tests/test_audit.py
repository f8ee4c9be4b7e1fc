"""ruxlib.audit on a hand-made four-patient study folder whose answers are worked out by hand."""

import io as _io
import json
from pathlib import Path

import pandas as pd
import pytest

from ruxlib import audit
from ruxlib.claims import load_claims

# Four patients. Ages 30, 40, 50, 60: mean 45, median 45, range 30-60. One woman.
# OS: A dies on day 10, C on day 35 (after day 28); B and D censored at 40 and 30
#     -> 3 of 4 alive at day 28, Kaplan-Meier S(28) = 3/4 = 75 %.
# ICU within [0, 28]: A -2..10 -> 10, B 0..40 -> 28, C 5..15 -> 10, D none -> 0
#     -> median 10, range 0-28.
# ECMO: B 0..40 -> 28 days (the full window), C 5..10 -> 5 days -> 2 patients.
ADSL = [
    {"USUBJID": "A", "AGE": 30, "SEX": "F"},
    {"USUBJID": "B", "AGE": 40, "SEX": "M"},
    {"USUBJID": "C", "AGE": 50, "SEX": "M"},
    {"USUBJID": "D", "AGE": 60, "SEX": "M"},
]
ADTTE = [
    {"USUBJID": "A", "PARAMCD": "OS", "AVAL": 10, "CNSR": 0},
    {"USUBJID": "B", "PARAMCD": "OS", "AVAL": 40, "CNSR": 1},
    {"USUBJID": "C", "PARAMCD": "OS", "AVAL": 35, "CNSR": 0},
    {"USUBJID": "D", "PARAMCD": "OS", "AVAL": 30, "CNSR": 1},
]
ADICU = [
    {"USUBJID": "A", "PARAMCD": "ICU", "ASTDY": -2, "AENDY": 10},
    {"USUBJID": "B", "PARAMCD": "ICU", "ASTDY": 0, "AENDY": 40},
    {"USUBJID": "B", "PARAMCD": "ECMO", "ASTDY": 0, "AENDY": 40},
    {"USUBJID": "C", "PARAMCD": "ICU", "ASTDY": 5, "AENDY": 15},
    {"USUBJID": "C", "PARAMCD": "ECMO", "ASTDY": 5, "AENDY": 10},
]

LEDGER = [
    # id, reported, decimals, status
    ("t1.age.mean", "45.0", 1, "reproduced"),
    ("t1.age.median", "45", 0, "reproduced"),
    ("t1.sex.f", "1", 0, "reproduced"),
    ("txt.os28.alive", "Three", 0, "reproduced"),
    ("txt.os28.pct", "75", 0, "reproduced"),
    ("txt.icu.median", "10", 0, "reproduced"),
    ("txt.icu.max", "28", 0, "reproduced"),
    ("txt.ecmo.n", "2", 0, "reproduced"),
    ("txt.ecmo.days_short", "5", 0, "reproduced"),
    ("txt.ecmo.n_full", "1", 0, "reproduced"),
    ("fig1.n", "4", 0, "reproduced"),
    ("ctx.other.study", "60", 0, "context"),
]


def write_folder(folder):
    folder.mkdir()
    for name, rows in (("adsl", ADSL), ("adtte", ADTTE), ("adicu", ADICU)):
        pd.DataFrame(rows).to_csv(folder / f"{name}.csv", index=False)
    return folder


def write_ledger(path, rows, values=None):
    # page labels and values as in the shipped ledger unless ``values`` gives them
    shipped = load_claims().set_index("id")
    values = values or {}
    df = pd.DataFrame(
        [{"id": i, "source": "test", "quantity": i, "reported": rep, "decimals": d, "status": s,
          "note": "", "page": shipped["page"].get(i, "test"), "value": values.get(i, shipped["value"].get(i, ""))}
         for i, rep, d, s in rows])
    df.to_csv(path, index=False)
    return path


def test_hand_made_study_reproduces_every_claim(tmp_path):
    data = write_folder(tmp_path / "study")
    ledger = write_ledger(tmp_path / "claims.csv", LEDGER)
    out = _io.StringIO()
    code = audit.run(data, as_json=True, claims_path=ledger, stream=out)
    records = {r["id"]: r for r in json.loads(out.getvalue())}
    assert code == 0, out.getvalue()
    assert records["txt.os28.alive"]["computed"] == 3
    assert records["txt.os28.pct"]["computed"] == pytest.approx(75.0)
    assert records["txt.icu.median"]["computed"] == 10
    assert records["txt.ecmo.days_short"]["computed"] == 5
    assert records["t1.age.mean"]["computed"] == 45
    assert set(records["fig1.n"]) >= {"id", "source", "reported", "computed", "status", "ok"}


def test_context_claims_are_listed_but_not_judged(tmp_path):
    data = write_folder(tmp_path / "study")
    ledger = write_ledger(tmp_path / "claims.csv", LEDGER)
    out = _io.StringIO()
    audit.run(data, as_json=True, claims_path=ledger, stream=out)
    rec = {r["id"]: r for r in json.loads(out.getvalue())}["ctx.other.study"]
    assert rec["computed"] is None and rec["ok"] is None and rec["status"] == "context"


def test_a_wrong_claim_fails_the_audit(tmp_path):
    data = write_folder(tmp_path / "study")
    ledger = write_ledger(tmp_path / "claims.csv", LEDGER + [("t1.age.max", "61", 0, "reproduced")])
    out = _io.StringIO()
    assert audit.run(data, claims_path=ledger, stream=out) == 1
    text = out.getvalue()
    assert "t1.age.max" in text and "NO" in text
    assert "1 claim(s) marked reproduced are not reproduced" in text


def test_claim_without_value_is_not_ok_with_reason(tmp_path):
    data = write_folder(tmp_path / "study")
    ledger = write_ledger(tmp_path / "claims.csv", [("txt.unknown.thing", "1", 0, "reproduced")])
    row = audit.audit(data, load_claims(ledger)).iloc[0]
    assert row["computed"] is None and row["ok"] is False
    assert "no value named" in row["reason"]


def test_missing_optional_dataset_gives_a_reason_not_a_crash(tmp_path):
    data = write_folder(tmp_path / "study")
    ledger = write_ledger(tmp_path / "claims.csv", [("t2.dialysis.n", "3", 0, "reproduced")])
    row = audit.audit(data, load_claims(ledger)).iloc[0]
    assert row["ok"] is False
    assert "not computable" in row["reason"]


def test_a_claim_takes_any_value_an_entry_point_returns(tmp_path):
    data = write_folder(tmp_path / "study")
    ledger = write_ledger(tmp_path / "claims.csv", [("txt.demo.n", "4", 0, "reproduced")],
                          values={"txt.demo.n": "km-survival:km-survival-n"})
    row = audit.audit(data, load_claims(ledger)).iloc[0]
    assert bool(row["ok"]) and row["computed"] == 4


def test_inequality_claims_are_compared_as_inequalities(tmp_path):
    # A dies on day 10 of 4: the Kaplan-Meier S(28) is 0.75; "< 0.8" holds, "< 0.7" does not
    data = write_folder(tmp_path / "study")
    ledger = write_ledger(tmp_path / "claims.csv", [("txt.demo.p", "< 80", 0, "reproduced"),
                                                    ("txt.demo.q", "< 70", 0, "reproduced")],
                          values={"txt.demo.p": "km-survival:km-survival-s", "txt.demo.q": "km-survival:km-survival-s"})
    table = audit.audit(data, load_claims(ledger))
    assert table["ok"].tolist() == [True, False]


def test_summary_says_matches_are_by_construction_on_the_reconstruction(tmp_path):
    data = write_folder(tmp_path / "study")
    table = audit.audit(data, load_claims(write_ledger(tmp_path / "claims.csv", LEDGER)))
    assert "by construction" in audit.summary(table, publication=True)
    assert "by construction" not in audit.summary(table, publication=False)


# --------------------------------------------------------------------------- the shipped data
# Every published number is a test: one test per ledger row marked reproduced.

REPO_DATA = Path(__file__).resolve().parent.parent / "data"
_LEDGER = load_claims()
_REPRODUCED = _LEDGER.loc[_LEDGER["status"] == "reproduced", "id"].tolist()


@pytest.fixture(scope="module")
def shipped_audit():
    if not (REPO_DATA / "adsl.csv").exists():
        pytest.skip("no shipped study folder in data/ yet")
    return audit.audit(REPO_DATA, _LEDGER).set_index("id")


@pytest.mark.parametrize("claim_id", _REPRODUCED)
def test_published_number_is_reproduced_by_shipped_data(shipped_audit, claim_id):
    row = shipped_audit.loc[claim_id]
    assert row["ok"], f"{claim_id}: printed {row['reported']}, computed {row['computed']} ({row['reason']})"


def test_every_reproduced_claim_names_a_value_of_its_own_page():
    rows = _LEDGER[_LEDGER["status"] == "reproduced"]
    assert rows["value"].ne("").all(), rows.loc[rows["value"].eq(""), "id"].tolist()
    assert (rows["value"].str.partition(":")[0] == rows["page"]).all()


def test_every_reproduced_claim_value_resolves_on_the_shipped_data(shipped_audit):
    rows = shipped_audit.loc[_REPRODUCED]
    assert rows["computed"].notna().all(), rows.loc[rows["computed"].isna(), "reason"].to_dict()
