"""The ensemble: random objectives stay inside proven bounds, classes, and Dask = local processes."""

from __future__ import annotations

import itertools

import pytest

from ruxlib import ensemble
from ruxlib.reconstruct.cpsat import Block, proven_range, solve_block


def tiny_block(sample: int | None) -> tuple[Block, list]:
    """Three values in 0..4 with sum 6 under a claim and x0 <= x1: a feasible set small enough to list."""
    b = Block("tiny", sample=sample)
    xs = [b.m.NewIntVar(0, 4, f"x{i}") for i in range(3)]
    b.claim("tiny.sum", sum(xs), 6, 6)
    b.m.Add(xs[0] <= xs[1])
    b.free = xs
    return b, xs


def brute_force() -> list[tuple[int, ...]]:
    return [x for x in itertools.product(range(5), repeat=3) if sum(x) == 6 and x[0] <= x[1]]


def test_proven_bounds_equal_brute_force_and_contain_the_samples():
    feasible = brute_force()
    b, xs = tiny_block(None)
    assert proven_range(b, xs[0] + 2 * xs[2]) == (min(x[0] + 2 * x[2] for x in feasible),
                                                  max(x[0] + 2 * x[2] for x in feasible))
    samples = set()
    for seed in range(12):
        b, xs = tiny_block(seed)
        s, relaxed = solve_block(b, seed)
        assert relaxed == []
        samples.add(tuple(s.Value(x) for x in xs))
    assert samples <= set(feasible)
    assert len(samples) > 1  # the random objectives reach different solutions
    b, xs = tiny_block(None)
    lo, hi = proven_range(b, xs[2])
    assert all(lo <= x[2] <= hi for x in samples)


def test_pf_above_200_is_bounded_with_proven_minimum_one():
    lo, hi = ensemble.proven_pf_above_limit()
    assert lo == 1
    assert hi > lo


def test_assumed_numbers_carry_known_assumption_ids():
    rules = ensemble.load_rules()
    assert ensemble.assumptions_of("ledger", "txt.tts.p", rules) == ["A-VENT", "A-D28"]
    assert ensemble.assumptions_of("biomarkers", "biomarkers-sig-text", rules) == ["A-LB"]
    assert ensemble.assumptions_of("ledger", "t1.age.mean", rules) == []


def test_every_number_has_a_class():
    rules = ensemble.load_rules()
    rows = [ensemble._row("p", "same", 1, [1, 1], rules), ensemble._row("p", "varies", 1, [1, 3], rules),
            ensemble._row("ledger", "txt.tts.p", 0.03, [0.03, 0.03], rules)]
    assert [r["class"] for r in rows] == ["pinned", "bounded", "assumed"]
    assert (rows[1]["min"], rows[1]["max"]) == (1, 3)


def test_text_numbers_carry_how_often_each_value_arises():
    # four members: the pattern "CRP 4, IL-6 2" three times, "CRP 4, IL-6 3" once
    rules = ensemble.load_rules()
    row = ensemble._row("biomarkers", "biomarkers-sig-text", "CRP 4, IL-6 2",
                        ["CRP 4, IL-6 2", "CRP 4, IL-6 3", "CRP 4, IL-6 2", "CRP 4, IL-6 2"], rules)
    assert row["counts"] == [["CRP 4, IL-6 2", 3], ["CRP 4, IL-6 3", 1]]
    assert "counts" not in ensemble._row("p", "n", 1, [1, 2], rules)  # numbers have a range instead


@pytest.fixture(scope="module")
def local_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("ens") / "local.json"
    return ensemble.run(3, out, jobs=2, evaluate=ensemble.evaluate_ledger, pool_size=2)


@pytest.mark.slow
def test_ensemble_classes_every_ledger_number(local_run):
    assert local_run["solutions"] == 3
    assert {r["class"] for r in local_run["numbers"]} <= {"pinned", "bounded", "assumed"}
    by = {r["name"]: r for r in local_run["numbers"]}
    assert by["txt.tts.p"]["class"] == "assumed"
    assert by["t1.pfratio.max"]["class"] == "pinned"
    pf = next(b for b in local_run["bounds"] if b["quantity"].startswith("P/F"))
    assert pf["proven"][0] == 1 and pf["proven"][0] <= pf["sampled"][0] <= pf["sampled"][1] <= pf["proven"][1]
    assert local_run["diversity"]["patient course"] == 3


@pytest.mark.slow
def test_dask_local_cluster_gives_the_same_table(local_run, tmp_path):
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        doc = ensemble.run(3, tmp_path / "dask.json", scheduler=cluster.scheduler_address,
                           evaluate=ensemble.evaluate_ledger, pool_size=2)
    assert doc == local_run


def test_day28_logrank_chisq_of_the_shipped_data_lies_in_its_bound():
    # Issue 11/12: cut at day 28, the LNR log-rank chi-square of the shipped data is 3.52
    # (a reviewer's independent recomputation); the pattern bound must contain it.
    from ruxlib.io import load_study
    from ruxlib.paths import DATA

    shipped = ensemble.logrank_chisq_at_horizon(load_study(DATA))
    assert round(shipped, 2) == 3.52
    lo, hi = ensemble.bound_logrank_chisq_at_horizon()
    assert lo <= shipped <= hi and lo < hi


def test_bounds_text_names_each_quantity():
    import pandas as pd

    from ruxlib.pins import bounds_text

    t = pd.DataFrame([{"quantity": "P/F values above 200", "shipped": 5, "sampled min": 2, "sampled max": 4,
                       "proven min": 1, "proven max": 6, "scope of the proof": "Table 1"}])
    assert bounds_text(t) == ("- **P/F values above 200**: 5 in the shipped data; sampled 2 to 4; proven 1 to 6 "
                              "(scope: Table 1).")


def test_numbers_equal_to_a_bounded_quantity_carry_its_proven_range(monkeypatch):
    # three members give 2, 4, 3 for a count the solver proves to lie in 1..6; shipped 5
    rules = ensemble.load_rules()
    q = next(iter(ensemble.BOUND_NUMBERS))
    page, name = ensemble.BOUND_NUMBERS[q][0].split("/")
    monkeypatch.setattr(ensemble, "BOUNDS", {q: (lambda study: 5, None, "scope")})
    members = [ensemble.Member(i, 0, str(i), {page: {name: v}}, {q: v}) for i, v in enumerate([2, 4, 3], start=1)]
    doc = ensemble.summarise({page: {name: 5}}, None, members, rules, {q: (1, 6)})
    row = doc["numbers"][0]
    assert row["class"] == "bounded" and row["proven"] == [1, 6] and row["range"] == "proven"
    assert doc["bounds"][0]["sampled"] == [2, 4]
