"""Each page's declared inputs (ruxlib/page_inputs.yml) are complete and shown to users."""

from __future__ import annotations

import math

import pytest

from ruxlib import inputs
from ruxlib.io import load_study
from ruxlib.pages import PAGES, evaluate
from ruxlib.paths import DATA


def _same(a, b):
    return a == b or (isinstance(a, float) and isinstance(b, float) and math.isclose(a, b, rel_tol=0, abs_tol=0))


@pytest.fixture(scope="module")
def shipped():
    return load_study(DATA)


@pytest.mark.parametrize("label", [p for p in PAGES if p != "registry"])
def test_a_page_computes_the_same_from_its_declared_columns_alone(shipped, label):
    full = evaluate(label, shipped)
    cut = evaluate(label, inputs.only_declared(shipped, label))
    assert cut.keys() == full.keys()
    differ = [k for k in full if not _same(cut[k], full[k])]
    assert differ == [], f"{label} reads a column page_inputs.yml does not declare ({differ[:3]})"


@pytest.fixture(scope="module")
def multiarm(tmp_path_factory):
    from multiarm import make_multiarm_trial

    return load_study(make_multiarm_trial(tmp_path_factory.mktemp("multiarm")))


@pytest.mark.parametrize("label", ["baseline", "km-survival", "adverse-events", "biomarkers", "exposure"])
def test_declared_columns_suffice_on_a_three_arm_trial_too(multiarm, label):
    full = evaluate(label, multiarm, endpoint="TTDE")
    cut = evaluate(label, inputs.only_declared(multiarm, label), endpoint="TTDE")
    assert [k for k in full if not _same(cut.get(k), full[k])] == []


def test_every_declared_file_and_column_is_in_the_contract():
    from ruxlib import schema

    contract = {spec.name.split(".")[0]: {c.name for c in spec.columns} for spec in schema.FILES}
    derived = {"ITTFL", "BMIBL", "LNRBL", "LNRFL", "DTHDY", "D28STAT", "D28OUT", "ABLFL", "LSTALVDY"}
    for label, by_file in inputs.declared().items():
        assert label in PAGES
        for name, cols in by_file.items():
            unknown = set(cols) - contract[name] - derived
            assert not unknown, (label, name, unknown)


def test_the_table_lists_a_row_per_page_and_file():
    t = inputs.table()
    row = t[(t["page"] == "lnr") & (t["file"] == "adsl")].iloc[0]
    assert "LNRBL" in row["columns"] and "LNREXCL" in row["columns"]
