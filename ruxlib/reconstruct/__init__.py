"""Reconstruct pseudo patient-level data from the published aggregates.

The paper (Neubauer et al., Leukemia 35:2917-2923, 2021) prints only summaries of its
patients. :func:`run` builds a *study folder* (``adsl.csv``, ``adtte.csv``, …) whose
recomputed summaries equal every printed number, at the printed precision; the targets
are read from the claims ledger. The data are RECONSTRUCTED pseudo patient-level data,
not the trial's records. The method, the stages and the claim ids are described in
``README.md`` next to this file.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

import numpy as np
import pandas as pd
from ortools.sat.python import cp_model

from .course import MISSED_AE, MISSED_TUBE, Course, build_course
from .cpsat import Block, feasible, solve_block, stable_seed, sum_var
from .dosing import build_dosing, dose_rows
from .layout import Solution, frames, lnr_values, os_times, study_meta, ventpred, write_folder
from .logrank_patterns import early_only_chisq, enumerate_logrank_patterns, logrank_chisq
from .proofs import ASSUMPTIONS, prove_findings, prove_no_ties, write_published
from .table1 import solve_anthropometry, solve_table1_var
from .targets import D28, EOT, TABLE1, N
from .time_to_start import build_time_to_start

__all__ = [
    "ASSUMPTIONS",
    "TABLE1",
    "Block",
    "Course",
    "Solution",
    "Table1",
    "build_course",
    "early_only_chisq",
    "enumerate_logrank_patterns",
    "frames",
    "logrank_chisq",
    "prove_findings",
    "prove_no_ties",
    "run",
    "solve_all",
    "solve_block",
    "solve_course",
    "solve_table1",
    "study_meta",
    "write_folder",
]

STUDY_README = files(__package__) / "study_readme.md"  # written as README.md into the study folder

_INTS = {"n": "rows", "T": "days", "u": "icu_days", "v": "imv_days"}  # solution key -> Course field
_FLAGS = {
    "int8": "ae_interruption", "int25": "tube_interruption", "low": "low_intensity",
    "ecmo10": "ecmo_short", "ecmo28": "ecmo_full", "member": "lnr_member", "high": "lnr_high",
    "leuk": "leukaemia", "miss": "lnr_missing", "dead": "dead",
}


@dataclass
class Table1:
    """The solved Table 1 blocks: independent of the patient course, so reusable across it."""

    t1: dict  # key -> sorted scaled values
    anthro: pd.DataFrame
    relaxed: list


class Laps:
    """Stage timings: :meth:`lap` records the seconds since the previous lap under ``name``."""

    def __init__(self) -> None:
        self.timings: dict = {}
        self._tick = time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.timings[name] = round(now - self._tick, 3)
        self._tick = now


def solve_table1(key: int, found: list, laps: Laps, sample: int | None = None) -> Table1:
    """Solve the Table 1 blocks (each variable alone, then weight, height and BMI together)."""
    t1, relaxed = {}, []
    for k in ("age", "hr", "resp", "pfratio", "sysbp", "diabp", "temp"):
        t1[k], rel = solve_table1_var(k, key, found, sample)
        relaxed += rel
        laps.lap(f"table1.{k}")
    anthro, rel = solve_anthropometry(key, found, sample=sample)
    laps.lap("table1.anthropometry")
    return Table1(t1, anthro, relaxed + rel)


def solve_course(key: int, pattern: dict, table1: Table1, found: list, laps: Laps,
                 sample: int | None = None) -> Solution:
    """Solve the patient course for the log-rank ``pattern``, then time to start and dosing.

    Algorithm
    ---------
    The course block is solved; when the time-to-start claims cannot hold for the
    group sizes it chose, those sizes are excluded (no-good) and the course solved
    again. Exact doses follow from the treatment days. ``sample`` replaces every
    block's plausibility objective by a seeded random one (ensemble members).
    """
    relaxed = list(table1.relaxed)
    course = build_course(key, pattern, sample=sample)
    bad_n = sum(course.day28[i, "DEAD"] + course.day28[i, "ICU VENTILATED"] for i in range(N))
    good_n = sum(course.day28[i, "ACUTE CARE"] for i in range(N))
    for _ in range(40):
        cs, rel = solve_block(course.block, key, det_time=30.0, found=found, opt_time=1.0)
        nb, ng = cs.Value(bad_n), cs.Value(good_n)
        sb, cb, cg = build_time_to_start(nb, ng, key, sample=sample)
        status, _ = feasible(sb, list(sb.lits), key, 10.0)
        if status != cp_model.INFEASIBLE:
            break
        # these group sizes cannot carry the time-to-start claims: exclude and re-solve
        course.block.m.AddForbiddenAssignments([sum_var(course.block.m, bad_n, N), sum_var(course.block.m, good_n, N)], [(nb, ng)])
    relaxed += rel
    laps.lap("course")
    ss, rel = solve_block(sb, key, det_time=10.0, found=found, opt_time=2.0)
    relaxed += rel
    laps.lap("time_to_start")
    V = {name: [cs.Value(x) for x in getattr(course, field)] for name, field in _INTS.items()}
    for name, field in _FLAGS.items():
        V[name] = [bool(cs.Value(x)) for x in getattr(course, field)]
    V["eot"] = [next(r for r in EOT if cs.Value(course.end_reason[i, r])) for i in range(N)]
    V["d28"] = [next(s for s in D28 if cs.Value(course.day28[i, s])) for i in range(N)]
    V["w"] = ventpred(V["d28"], [v for v in cb for _ in range(ss.Value(cb[v]))], [v for v in cg for _ in range(ss.Value(cg[v]))], key)
    V["pattern"] = pattern
    V["early_slot"] = [next((k for k in range(3) if cs.Value(course.slots["early"][i, k])), None) for i in range(N)]
    V["late"] = [[(kind, g, next(i for i in range(N) if cs.Value(x[i]))) for kind, g, x in blk] for blk in course.slots["late"]]
    zeros = [MISSED_AE * a + MISSED_TUBE * b for a, b in zip(V["int8"], V["int25"], strict=True)]
    db, D, c, nv = build_dosing(key, V["T"], [e == "COMPLETED" for e in V["eot"]], zeros, V["low"].index(True), sample=sample)
    ds, rel = solve_block(db, key, det_time=30.0, found=found, opt_time=1.0)
    relaxed += rel
    laps.lap("dosing")
    V["n"] = [ds.Value(x) for x in nv]
    rng = np.random.default_rng([key, stable_seed("layout")])
    doses = []
    for i in range(N):
        counts = [ds.Value(c[i, k]) for k in range(5)]
        reason = "ADVERSE EVENT" if V["int8"][i] else ("NO GASTRIC TUBE" if V["int25"][i] else "")
        doses.append(dose_rows(rng, V["n"][i], counts, zeros[i], reason))
    os_ = os_times(V, key)
    lnr = lnr_values(V, key)
    laps.lap("layout")
    return Solution(V, doses, table1.anthro, table1.t1, os_, lnr, relaxed, found, laps.timings)


def solve_all(seed: int, variant: int = 0) -> Solution:
    """Solve every block for one seed (``variant`` > 0 gives a different consistent dataset)."""
    key = seed * 1000 + variant
    found: list = []
    laps = Laps()
    table1 = solve_table1(key, found, laps)
    patterns = enumerate_logrank_patterns(2)
    pattern = patterns[variant % min(len(patterns), 3)]
    return solve_course(key, pattern, table1, found, laps)


def run(out: Path = Path("data"), seed: int = 2021, solutions: int = 1) -> int:
    """Reconstruct the study folder(s).

    Parameters
    ----------
    out : Path
        Target folder (default ``data``). With ``solutions > 1`` the datasets go to
        ``out/solution-1``, ``out/solution-2``, …; ``out/published`` is left intact.
    seed : int
        Seed of the plausibility targets and of every unpublished value.
    solutions : int
        Number of distinct consistent datasets to write.

    Returns
    -------
    int
        0 on success.
    """
    from ..outdir import check_writable_folder

    out = check_writable_folder(Path(out))
    digests = set()
    first_relaxed: set | None = None
    for k in range(solutions):
        target = out if solutions == 1 else out / f"solution-{k + 1}"
        variant = k
        for _ in range(20):
            sol = solve_all(seed, variant)
            fr = frames(sol, seed * 1000 + variant)
            digest = hashlib.sha256(pd.concat([f.astype(str) for f in fr.values()]).to_csv().encode()).hexdigest()
            # a further solution must be new and relax nothing the first did not
            if digest not in digests and (first_relaxed is None or set(sol.relaxed) <= first_relaxed):
                break
            variant += solutions
        else:
            raise RuntimeError(f"no further distinct consistent dataset found for solution {k + 1}")
        if first_relaxed is None:
            first_relaxed = set(sol.relaxed)
        digests.add(digest)
        write_folder(target, fr, study_meta(seed, variant))
        if k == 0:
            write_published(out, sol)
            (out / "README.md").write_bytes(STUDY_README.read_bytes())
    return 0
