"""Every computed number across an ensemble of datasets consistent with the paper.

``ruxlib ensemble --solutions K --out FILE`` calls :func:`run`. The shipped study
folder is one of many datasets that reproduce every printed number; this module
builds K more, evaluates every computed number on each and classes it:

``pinned``
    the same on the shipped data and in every member;
``bounded``
    it varies (the sampled range is shown);
``assumed``
    it rests on a named assumption (``ensemble.yml`` maps numbers to the ids of
    ``data/published/assumptions.yml``).

For counts the CP-SAT model can express, the solver's proven minimum and maximum are
reported beside the sampled range (:data:`BOUNDS`).

Algorithm
---------
1. A pool of Table 1 solutions (:func:`table1_pool`): the Table 1 blocks share no
   patient-level link with the course, so each member combines pool entries per
   variable instead of solving them again.
2. Each member (:func:`member`) draws its log-rank pattern and its Table 1 entries
   from a generator seeded by ``(seed, index)`` and solves the course, time to start
   and doses under a random objective (:func:`~ruxlib.reconstruct.cpsat.random_objective`).
   A member that relaxes a claim is solved again with the next attempt's seed.
3. Members run as independent tasks on local processes or a Dask cluster
   (:func:`run_tasks`); results are ordered by index, so the table does not depend
   on the runner. Duplicate datasets are solved again with the next attempt.
"""

from __future__ import annotations

import fnmatch
import functools
import hashlib
import json
import statistics
import sys
import tempfile
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

import numpy as np
import pandas as pd
import yaml
from ortools.sat.python import cp_model
from tqdm import tqdm

from .audit import compute
from .claims import load_claims
from .eligibility import THRESHOLDS
from .io import Study, load_study
from .reconstruct import (
    ASSUMPTIONS,
    Laps,
    Table1,
    build_course,
    enumerate_logrank_patterns,
    logrank_chisq,
    solve_course,
    solve_table1,
)
from .reconstruct.cpsat import feasible, proven_range, stable_seed
from .reconstruct.layout import fits_followup, frames, study_meta, write_folder
from .reconstruct.logrank_patterns import EVALUABLE
from .reconstruct.table1 import table1_block
from .reconstruct.targets import HORIZON, TABLE1

__all__ = ["EnsembleError", "evaluate_ledger", "member", "run", "run_tasks", "summarise", "table1_pool"]

RULES_FILE = files(__package__) / "ensemble.yml"
PF_LIMIT = THRESHOLDS["NCT04359290"]["pf_max"]  # the trial's P/F inclusion limit (mmHg)
POOL_SIZE = 10  # Table 1 solutions per ensemble (combined per variable by each member)
ATTEMPTS = 5  # solves of one member before it is given up
COUNTS_TOP = 12  # distinct values listed per non-numeric number


class EnsembleError(RuntimeError):
    """The ensemble could not be built (a member kept relaxing claims or repeating another)."""


@dataclass(frozen=True)
class Member:
    """One consistent dataset: its evaluated numbers and what the paper leaves free in it."""

    index: int
    attempt: int  # the first attempt of the solve that gave it
    digest: str
    values: dict  # page -> name -> value
    free: dict  # free quantity -> hashable value


def key(seed: int, kind: str, index: int, attempt: int = 0) -> int:
    """A 31-bit solver key for one pool entry or member (stable across platforms and runs)."""
    return stable_seed(f"ensemble/{seed}/{kind}/{index}/{attempt}") >> 1


def evaluate_ledger(study: Study, **params) -> dict[str, dict[str, object]]:
    """Every ledger claim's computed value, as ``{"ledger": {claim id: value}}``
    (the audit's evaluation, in the shape of ``ruxlib.pages.evaluate_all``)."""
    claims = load_claims()
    todo = claims[claims["status"] != "context"]
    return {"ledger": {cid: value for cid, (value, _) in compute(study, todo, **params).items()}}


def _default_evaluate(study: Study, **params) -> dict[str, dict[str, object]]:
    from .pages import evaluate_all

    return evaluate_all(study, **params)


# --------------------------------------------------------------------------- free quantities


def pf_above_limit(study: Study) -> int:
    """Baseline PaO2/FiO2 values above the trial's inclusion limit."""
    vs = study.advs
    pf = vs.loc[(vs["PARAMCD"] == "PFRATIO") & (vs["ABLFL"] == "Y"), "AVAL"]
    return int((pf > PF_LIMIT).sum())


def deaths_after_horizon(study: Study) -> int:
    """Deaths after day 28 (the events that let the log-rank chi-square reach the printed value)."""
    os_ = study.adtte[study.adtte["PARAMCD"] == "OS"]
    return int(((os_["CNSR"] == 0) & (os_["AVAL"] > HORIZON)).sum())


def free_quantities(study: Study) -> dict:
    """What the paper leaves free, one hashable value each (for the diversity summary)."""
    adsl, vs = study.adsl, study.advs
    out = {f"{code} sample": tuple(sorted(g["AVAL"])) for code, g in vs[vs["ABLFL"] == "Y"].groupby("PARAMCD")}
    out["age sample"] = tuple(sorted(adsl["AGE"]))
    out["weight and height pairs"] = tuple(sorted(zip(adsl["WEIGHTBL"], adsl["HEIGHTBL"], strict=True)))
    out["patient course"] = tuple(sorted(zip(adsl["EOTREAS"], adsl["D28STAT"], adsl["TRTDURD"], strict=True)))
    out["time to start (VENTPRED)"] = tuple(sorted(zip(adsl["D28STAT"], adsl["VENTPRED"], strict=True)))
    out["cumulative doses"] = tuple(sorted(study.adex.groupby("USUBJID")["EXDOSE"].sum()))
    out["survival times"] = tuple(sorted(zip(study.adtte["AVAL"], study.adtte["CNSR"], strict=True)))
    out.update({q: of_study(study) for q, (of_study, _, _) in BOUNDS.items()})
    return out


# --------------------------------------------------------------------------- proven bounds


def proven_pf_above_limit() -> tuple[int, int]:
    """Proven minimum and maximum of the P/F values above the limit under every Table 1 claim."""
    b, xs = table1_block("pfratio")
    m, limit = b.m, PF_LIMIT * TABLE1["pfratio"].scale
    above = []
    for x in xs:
        g = m.NewBoolVar("")
        m.Add(x > limit).OnlyEnforceIf(g)
        m.Add(x <= limit).OnlyEnforceIf(g.Not())
        above.append(g)
    return proven_range(b, sum(above))


def proven_late_deaths() -> tuple[int, int]:
    """Fewest and most deaths after day 28 over the log-rank patterns the course model admits.

    Algorithm
    ---------
    The enumeration (:func:`~ruxlib.reconstruct.enumerate_logrank_patterns`, at most
    two later deaths, those that fit the follow-up) lists every event order giving the
    printed chi-square; none has no later death. For each number of later deaths,
    patterns are tried until CP-SAT finds the course model with every claim feasible.
    """
    counts = set()
    for p in _patterns():
        n = len(p["late"])
        if n in counts:
            continue
        c = build_course(0, p)
        status, _ = feasible(c.block, list(c.block.lits), 0, 30.0)
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            counts.add(n)
    return min(counts), max(counts)


def logrank_chisq_at_horizon(study: Study) -> float:
    """The LNR log-rank chi-square with follow-up cut at day 28 (later deaths censored there)."""
    from .lnr import lnr_groups
    from .survival import logrank

    os_ = study.adtte[study.adtte["PARAMCD"] == "OS"].copy()
    late = os_["AVAL"] > HORIZON
    os_.loc[late, "CNSR"] = 1
    os_.loc[late, "AVAL"] = float(HORIZON)
    return round(float(logrank(os_, lnr_groups(study)["group"]).statistic), 4)


def bound_logrank_chisq_at_horizon() -> tuple[float, float]:
    """Smallest and largest day-28 chi-square over the enumerated log-rank patterns.

    Algorithm
    ---------
    Cut at day 28, a pattern's statistic depends only on the group sizes and the ties
    of the early deaths (the later events are censorings at day 28); every consistent
    dataset has one of the enumerated patterns, so the extremes over them bound it.
    """
    values = []
    for p in _patterns():
        steps, n1, n = [], p["L"], EVALUABLE
        for d in p["early"]:
            steps.append((n1, n, d, d))
            n1, n = n1 - d, n - d
        values.append(round(float(logrank_chisq(steps)), 4))
    return min(values), max(values)


BOUNDS: dict[str, tuple[Callable[[Study], float], Callable[[], tuple[float, float]], str]] = {
    f"P/F values above {PF_LIMIT}": (pf_above_limit, proven_pf_above_limit, "every Table 1 claim on PaO2/FiO2"),
    "deaths after day 28": (
        deaths_after_horizon, proven_late_deaths,
        "log-rank patterns with at most two later deaths that fit the 90-day follow-up (A-OS)",
    ),
    "LNR log-rank chi-square cut at day 28": (
        logrank_chisq_at_horizon, bound_logrank_chisq_at_horizon,
        "the same log-rank patterns (A-OS); the extremes over the enumerated patterns, each a possible "
        "event order, not each checked against the rest of the paper",
    ),
}
"""Quantity -> (value on a study, proven (min, max), scope of the proof)."""

BOUND_NUMBERS: dict[str, tuple[str, ...]] = {
    f"P/F values above {PF_LIMIT}": ("baseline/baseline-pf-n-above", "eligibility/eligibility-pf-over"),
}
"""Quantity of :data:`BOUNDS` -> the glued numbers ("page/name") that equal it on every dataset."""


# --------------------------------------------------------------------------- members


@functools.cache
def _patterns() -> list[dict]:
    """The log-rank patterns that fit the follow-up (enumerated once per process, read only)."""
    return [p for p in enumerate_logrank_patterns(2) if fits_followup(p)]


def _pool_entry(seed: int, index: int) -> Table1:
    k = key(seed, "table1", index)
    table1 = solve_table1(k, [], Laps(), sample=k)
    if table1.relaxed:
        raise EnsembleError(f"Table 1 pool entry {index} relaxed {table1.relaxed}")
    return table1


def _combine(pool: list[Table1], rng: np.random.Generator) -> Table1:
    """A Table 1 made of one pool entry per variable (the variables are independent)."""
    t1 = {k: pool[rng.integers(len(pool))].t1[k] for k in pool[0].t1}
    return Table1(t1, pool[rng.integers(len(pool))].anthro, [])


def member(seed: int, index: int, attempt: int, pool: list[Table1], evaluate: Callable, params: dict) -> Member:
    """Solve, write, load and evaluate ensemble member ``index`` (see the module's Algorithm)."""
    for retry in range(attempt, attempt + ATTEMPTS):
        rng = np.random.default_rng([seed, index, retry])
        patterns = _patterns()
        pattern = patterns[rng.integers(len(patterns))]
        k = key(seed, "member", index, retry)
        sol = solve_course(k, pattern, _combine(pool, rng), [], Laps(), sample=k)
        if not sol.relaxed:
            break
    else:
        raise EnsembleError(f"member {index} relaxed claims in {ATTEMPTS} attempts")
    fr = frames(sol, k)
    digest = hashlib.sha256(pd.concat([f.astype(str) for f in fr.values()]).to_csv().encode()).hexdigest()
    with tempfile.TemporaryDirectory() as tmp:
        write_folder(Path(tmp), fr, study_meta(seed, index))
        study = load_study(tmp)
        return Member(index, attempt, digest, evaluate(study, **params), free_quantities(study))


def run_tasks(fn: Callable, argsets: list[tuple], jobs: int | None = None, scheduler: str | None = None,
              desc: str = "") -> list:
    """``[fn(*a) for a in argsets]`` in parallel, in order, with a progress bar on stderr.

    Local processes (``jobs`` of them, default all cores), or the Dask distributed
    cluster at ``scheduler`` (an address such as ``tcp://host:8786``).
    """
    bar = tqdm(total=len(argsets), desc=desc, file=sys.stderr)
    if scheduler:
        from distributed import Client
        from distributed import as_completed as dask_completed

        with Client(scheduler) as client:
            futures = [client.submit(fn, *a, pure=False) for a in argsets]
            for _ in dask_completed(futures):
                bar.update()
            out = client.gather(futures)
    else:
        with ProcessPoolExecutor(jobs) as ex:
            futures = [ex.submit(fn, *a) for a in argsets]
            for _ in as_completed(futures):
                bar.update()
            out = [f.result() for f in futures]
    bar.close()
    return out


def table1_pool(seed: int, size: int, jobs: int | None = None, scheduler: str | None = None) -> list[Table1]:
    """``size`` Table 1 solutions under random objectives, solved once and shared by every member."""
    return run_tasks(_pool_entry, [(seed, p) for p in range(size)], jobs, scheduler, "Table 1 pool")


def members(seed: int, k: int, pool: list[Table1], evaluate: Callable, params: dict,
            jobs: int | None = None, scheduler: str | None = None) -> list[Member]:
    """K distinct members; a member that repeats an earlier one is solved again (next attempt)."""
    out: dict[int, Member] = {}
    todo = {i: 0 for i in range(1, k + 1)}  # index -> first attempt
    for _ in range(ATTEMPTS):
        done = run_tasks(member, [(seed, i, a, pool, evaluate, params) for i, a in todo.items()], jobs, scheduler,
                         "ensemble")
        out.update({m.index: m for m in done})
        seen: set[str] = set()
        todo = {}
        for i in sorted(out):
            if out[i].digest in seen:
                todo[i] = out[i].attempt + ATTEMPTS
            seen.add(out[i].digest)
        if not todo:
            return [out[i] for i in sorted(out)]
    raise EnsembleError(f"{len(todo)} members kept repeating others")


# --------------------------------------------------------------------------- summary


def load_rules(path=RULES_FILE) -> list[dict]:
    """The ``assumed`` rules of ``ensemble.yml``, each assumption id checked against assumptions.yml."""
    rules = yaml.safe_load(path.read_text(encoding="utf-8"))["assumed"]
    known = {a["id"] for a in ASSUMPTIONS}
    for r in rules:
        unknown = set(r["assumptions"]) - known
        if unknown:
            raise ValueError(f"{path}: unknown assumption ids {sorted(unknown)} for {r['names']}")
    return rules


def assumptions_of(page: str, name: str, rules: list[dict]) -> list[str]:
    """The assumption ids the number ``page/name`` rests on (empty when none)."""
    ids: list[str] = []
    for r in rules:
        if any(fnmatch.fnmatchcase(f"{page}/{name}", pat) for pat in r["names"]):
            ids += [a for a in r["assumptions"] if a not in ids]
    return ids


def _numeric(values: list) -> list[float] | None:
    if all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
        return [float(v) for v in values]
    return None


def _row(page: str, name: str, shipped, values: list, rules: list[dict]) -> dict:
    ids = assumptions_of(page, name, rules)
    distinct = {json.dumps(v, sort_keys=True, default=str) for v in [shipped, *values]}
    cls = "assumed" if ids else ("pinned" if len(distinct) == 1 else "bounded")
    nums = _numeric([v for v in values if v is not None])
    lo, med, hi = (min(nums), statistics.median(nums), max(nums)) if nums else (None, None, None)
    row = {"page": page, "name": name, "shipped": shipped, "min": lo, "median": med, "max": hi,
           "range": "sampled", "class": cls, "assumptions": ids, "distinct": len(distinct)}
    if nums is None and len(distinct) > 1:
        row["counts"] = value_counts(values)
    return row


def value_counts(values: list, top: int = COUNTS_TOP) -> list[list]:
    """``[[value, members], ...]``, most frequent first (ties in first-seen order), at most ``top`` rows.

    For numbers that are not numeric (a sentence listing which visits are significant, say),
    how often each distinct value arises across the ensemble.

    >>> value_counts(["a", "b", "a", None])
    [['a', 2], ['b', 1], [None, 1]]
    """
    seen: dict[str, list] = {}
    for v in values:
        k = json.dumps(v, sort_keys=True, default=str)
        seen.setdefault(k, [v, 0])[1] += 1
    return sorted(seen.values(), key=lambda vc: -vc[1])[:top]


def summarise(shipped: dict, shipped_study: Study, ensemble: list[Member], rules: list[dict],
              proven: dict[str, tuple[int, int]]) -> dict:
    """The output document: numbers, bounds and diversity (see :func:`run`)."""
    numbers = [
        _row(page, name, value, [m.values.get(page, {}).get(name) for m in ensemble], rules)
        for page, named in shipped.items()
        for name, value in named.items()
    ]
    bounds = []
    for q, (of_study, _, scope) in BOUNDS.items():
        sampled = [m.free[q] for m in ensemble]
        bounds.append({"quantity": q, "shipped": of_study(shipped_study),
                       "sampled": [min(sampled), max(sampled)], "proven": list(proven[q]), "scope": scope})
    by_key = {f"{r['page']}/{r['name']}": r for r in numbers}
    for q, names in BOUND_NUMBERS.items():
        for n in names:
            if n in by_key and by_key[n]["class"] == "bounded":
                by_key[n].update(proven=list(proven[q]), range="proven")
    diversity = {q: len({m.free[q] for m in ensemble}) for q in ensemble[0].free}
    return {"solutions": len(ensemble), "numbers": numbers, "bounds": bounds, "diversity": diversity}


def run(solutions: int, out: Path, seed: int = 2021, jobs: int | None = None, scheduler: str | None = None,
        data: Path | None = None, evaluate: Callable | None = None, params: dict | None = None,
        pool_size: int = POOL_SIZE) -> dict:
    """Build the ensemble and write the JSON document ``out``.

    Parameters
    ----------
    solutions : int
        K, the number of distinct consistent datasets.
    out : Path
        The JSON file written: ``{"solutions", "seed", "numbers": [{page, name, shipped,
        min, median, max, range: "sampled" or "proven", class, assumptions, distinct[, counts][,
        proven: [min, max]]}], "bounds":
        [{quantity, shipped, sampled: [min, max], proven: [min, max], scope}],
        "diversity": {free quantity: number of distinct values}}``.
    seed : int
        Seed of the pool, the members' random objectives and their unpublished values.
    jobs, scheduler
        Local processes (default all cores), or a Dask scheduler address.
    data : Path, optional
        The shipped study folder (default the repository's ``data``).
    evaluate : callable, optional
        ``evaluate(study, **params) -> {page: {name: value}}``; default
        ``ruxlib.pages.evaluate_all``.
    params : dict, optional
        Passed to ``evaluate``.
    pool_size : int
        Table 1 solutions in the pool.

    Returns
    -------
    dict
        The document written.
    """
    from .cli import DEFAULT_DATA

    evaluate = evaluate or _default_evaluate
    params = params or {}
    shipped_study = load_study(data or DEFAULT_DATA)
    pool = table1_pool(seed, min(pool_size, solutions), jobs, scheduler)
    ensemble = members(seed, solutions, pool, evaluate, params, jobs, scheduler)
    proven = {q: prove() for q, (_, prove, _) in BOUNDS.items()}
    doc = {"seed": seed, **summarise(evaluate(shipped_study, **params), shipped_study, ensemble, load_rules(), proven)}
    Path(out).write_text(json.dumps(doc, indent=1, ensure_ascii=False, default=str) + "\n", encoding="utf-8")
    return doc
