"""CP-SAT blocks: one model per group of linked claims, one assumption literal per claim.

Algorithm
---------
:func:`solve_block` first solves with every claim literal assumed. When the block is
infeasible, ``SufficientAssumptionsForInfeasibility``, minimised by deletion
(:func:`minimal_core`), names a minimal set of conflicting claims; the one first in
``RELAX_PRIORITY`` (medians first) is relaxed and the block solved again. The feasible
solution then seeds a short optimisation of the plausibility objective.

A block made with ``sample`` (an ensemble member) optimises a random objective
instead (:func:`random_objective`): seeded integer weights on its free variables,
so that each member lands on another corner of what the claims leave open.
:func:`proven_range` asks for the exact minimum and maximum of an expression under
every claim.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import numpy as np
from ortools.sat.python import cp_model

from ..printed import Printed
from .encoders import add_kth_smallest
from .targets import N, paper

RELAX_PRIORITY = ("median", "sd", "mean", "min", "max")
RANDOM_WEIGHT = 5  # weights of a random objective lie in [-RANDOM_WEIGHT, RANDOM_WEIGHT]
SAMPLE_TIME = 0.25  # deterministic time limit of one ensemble member's block


class UnprovenBound(RuntimeError):
    """The solver did not prove a bound optimal within its time limit."""


@dataclass
class Block:
    """One CP-SAT model with one assumption literal per claim group."""

    name: str
    m: cp_model.CpModel = field(default_factory=cp_model.CpModel)
    lits: dict = field(default_factory=dict)
    devs: list = field(default_factory=list)
    cost: list = field(default_factory=list)  # (weight, expr) plausibility objective terms
    free: list = field(default_factory=list)  # what the claims leave open (random objective terms)
    sample: int | None = None  # seed of a random objective (ensemble member), None: plausibility

    def lit(self, cid: str):
        """The assumption literal of claim ``cid`` (made on first use)."""
        if cid not in self.lits:
            self.lits[cid] = self.m.NewBoolVar(cid)
        return self.lits[cid]

    def claim(self, cid: str, expr, lo: int, hi: int, big: int = 10**7) -> None:
        """``lo <= expr <= hi`` under claim ``cid``; a deviation variable measures a relaxed claim."""
        lit = self.lit(cid)
        self.m.Add(expr >= lo).OnlyEnforceIf(lit)
        self.m.Add(expr <= hi).OnlyEnforceIf(lit)
        dev = self.m.NewIntVar(0, big, f"dev[{cid}]")
        self.m.Add(dev >= lo - expr)
        self.m.Add(dev >= expr - hi)
        self.devs.append(dev)

    def claim_printed(self, cid: str, expr, printed: Printed, scale=1) -> None:
        """Claim that ``expr / scale`` prints as ``printed``.

        Values that print so under only one of the two rounding rules are penalised
        (preferred: both rules agree).
        """
        lo, hi = printed.int_bounds(scale)
        self.claim(cid, expr, lo, hi)
        blo, bhi = printed.int_bounds(scale, both=True)
        if (blo, bhi) != (lo, hi) and blo <= bhi:
            e = self.m.NewIntVar(0, 1, "")
            self.m.Add(expr >= blo).OnlyEnforceIf(e.Not())
            self.m.Add(expr <= bhi).OnlyEnforceIf(e.Not())
            self.cost.append((200, e))

    def enforce(self, cid: str, ct) -> None:
        """A claim that is a plain constraint (no distance when relaxed)."""
        ct.OnlyEnforceIf(self.lit(cid))

    def absdev(self, expr, target: int, ub: int):
        """A variable at least ``|expr - target|`` (for the plausibility objective)."""
        d = self.m.NewIntVar(0, ub, "")
        self.m.Add(d >= expr - target)
        self.m.Add(d >= target - expr)
        return d


def solver(seed: int, det_time: float) -> cp_model.CpSolver:
    """A deterministic CP-SAT solver: one worker, fixed seed and deterministic time limit."""
    s = cp_model.CpSolver()
    s.parameters.num_workers = 1  # deterministic
    s.parameters.random_seed = seed
    s.parameters.max_deterministic_time = det_time
    return s


def feasible(block: Block, assumed: list[str], seed: int, det_time: float):
    """Solve ``block`` with the claim literals ``assumed`` (no objective); returns status and solver."""
    m = block.m
    m.ClearObjective()
    m.ClearAssumptions()
    m.AddAssumptions([block.lits[c] for c in assumed])
    s = solver(seed, det_time)
    status = s.Solve(m)
    return status, s


def minimal_core(block: Block, core: list[str], seed: int, det_time: float) -> list[str]:
    """Shrink an infeasible set of claims by deletion until every claim in it is needed."""
    core = list(core)
    for c in list(core):
        trial = [x for x in core if x != c]
        status, _ = feasible(block, trial, seed, det_time)
        if status == cp_model.INFEASIBLE:
            core = trial
    return core


def _relax_order(cid: str) -> tuple:
    stat = cid.rsplit(".", 1)[-1]
    return (RELAX_PRIORITY.index(stat) if stat in RELAX_PRIORITY else len(RELAX_PRIORITY), cid)


def solve_block(block: Block, seed: int, det_time: float = 20.0, found: list | None = None, opt_time: float = 1.0):
    """Solve ``block``: prove and relax conflicting claims, then optimise plausibility.

    Returns the solver (with the solution) and the list of relaxed claim ids;
    every minimal conflicting set found is appended to ``found``. A block with
    ``sample`` set is first tried by :func:`sample_block`.
    """
    if block.sample is not None:
        s = sample_block(block, seed)
        if s is not None:
            return s, []
    relaxed: list[str] = []
    while True:
        assumed = [c for c in block.lits if c not in relaxed]
        status, s = feasible(block, assumed, seed, det_time)
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            break
        if status != cp_model.INFEASIBLE:
            raise RuntimeError(f"block {block.name}: solver gave up ({s.StatusName(status)})")
        core_idx = set(s.SufficientAssumptionsForInfeasibility())
        core = [c for c in assumed if block.lits[c].Index() in core_idx] or assumed
        core = minimal_core(block, core, seed, det_time)
        drop = sorted(core, key=_relax_order)[0]
        if found is not None:
            found.append({"block": block.name, "conflict": sorted(core), "relaxed": drop})
        relaxed.append(drop)
    m = block.m
    m.ClearAssumptions()
    for c, lit in block.lits.items():
        if c not in relaxed:
            m.Add(lit == 1)
    terms = [1000 * d for d in block.devs] + [w * e for w, e in block.cost]
    m.Minimize(sum(terms))
    m.ClearHints()
    for i in range(len(m.Proto().variables)):
        v = m.GetIntVarFromProtoIndex(i)
        m.AddHint(v, s.Value(v))
    s0, s = s, solver(seed, opt_time)
    status = s.Solve(m)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return s0, relaxed  # the feasible solution of the proof phase
    return s, relaxed


def random_objective(block: Block) -> list[tuple[int, object]]:
    """Seeded random weights on the free variables of ``block`` (an ensemble member's objective).

    Algorithm
    ---------
    Each free variable gets an integer weight drawn uniformly from
    ``[-RANDOM_WEIGHT, RANDOM_WEIGHT]`` by a generator seeded with ``block.sample``
    and the block name; minimising the sum under the claims drives the solution
    towards a random corner of the consistent set (a random linear objective).
    """
    if not block.free:
        raise ValueError(f"block {block.name}: a random objective needs free variables")
    rng = np.random.default_rng([block.sample, stable_seed(block.name)])
    weights = rng.integers(-RANDOM_WEIGHT, RANDOM_WEIGHT + 1, len(block.free))
    return [(int(w), x) for w, x in zip(weights, block.free, strict=True)]


def sample_block(block: Block, seed: int, det_time: float = SAMPLE_TIME):
    """One solve of ``block`` with every claim fixed and its random objective; the solver, or None.

    The best solution found within ``det_time`` is taken (it need not be optimal: the
    objective only spreads the members); None when none was found in time or the
    claims conflict, and :func:`solve_block` then proves and relaxes as usual.
    """
    m = block.m.Clone()
    m.ClearAssumptions()
    m.ClearHints()
    for lit in block.lits.values():
        m.Add(lit == 1)  # the copy shares the variables' indices
    m.Minimize(sum(w * x for w, x in random_objective(block)))
    s = solver(seed, det_time)
    return s if s.Solve(m) in (cp_model.OPTIMAL, cp_model.FEASIBLE) else None


def proven_range(block: Block, expr, det_time: float = 30.0) -> tuple[int, int]:
    """The exact minimum and maximum of ``expr`` over every solution meeting every claim of ``block``.

    Algorithm
    ---------
    On a copy of the model with every claim literal fixed true, CP-SAT minimises and
    then maximises ``expr`` (one worker, deterministic time limit). Both must end
    OPTIMAL, i.e. proven; otherwise :class:`UnprovenBound` is raised.
    """
    ends = []
    for sense in (1, -1):
        m = block.m.Clone()
        m.ClearAssumptions()
        m.ClearHints()
        for lit in block.lits.values():
            m.Add(lit == 1)  # the copy shares the variables' indices
        m.Minimize(sense * expr)
        s = solver(0, det_time)
        status = s.Solve(m)
        if status != cp_model.OPTIMAL:
            raise UnprovenBound(f"block {block.name}: bound not proven ({s.StatusName(status)})")
        ends.append(sense * round(s.ObjectiveValue()))
    return ends[0], ends[1]


def stable_seed(text: str) -> int:
    """A stable sub-seed for ``text`` (the same on every platform and run)."""
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:4], "little")


def sum_var(m: cp_model.CpModel, expr, ub: int):
    """A variable equal to the linear ``expr`` in ``[0, ub]`` (for table constraints)."""
    x = m.NewIntVar(0, ub, "")
    m.Add(x == expr)
    return x


def add_range_claims(b: Block, prefix: str, xs: list, scale, lo: int, hi: int) -> None:
    """Median (8th + 9th order statistic), min and max claims ``<prefix>.median|min|max`` on unsorted ``xs``.

    ``xs`` are integers in ``[lo, hi]``, the values ``xs / scale``. A median of whole
    numbers printed without a half is the printed value exactly (A-MEDIAN).
    """
    m = b.m
    a = m.NewIntVar(lo, hi, f"{prefix}.q8")
    c = m.NewIntVar(lo, hi, f"{prefix}.q9")
    add_kth_smallest(m, xs, a, N // 2, f"{prefix}.q8")
    add_kth_smallest(m, xs, c, N // 2 + 1, f"{prefix}.q9")
    median = paper(f"{prefix}.median")
    med2 = median.value * scale * 2
    if med2.denominator == 1:
        b.claim(f"{prefix}.median", a + c, int(med2), int(med2))
    else:
        b.claim_printed(f"{prefix}.median", a + c, median, scale * 2)
    x0 = m.NewIntVar(lo, hi, "")
    x1 = m.NewIntVar(lo, hi, "")
    m.AddMinEquality(x0, xs)
    m.AddMaxEquality(x1, xs)
    b.claim_printed(f"{prefix}.min", x0, paper(f"{prefix}.min"), scale)
    b.claim_printed(f"{prefix}.max", x1, paper(f"{prefix}.max"), scale)
