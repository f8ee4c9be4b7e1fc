"""Reconstruct pseudo patient-level data from the published aggregates.

The paper (Neubauer et al., Leukemia 35:2917-2923, 2021) prints only summaries of
16 patients. This module builds a *study folder* (``adsl.csv``, ``adtte.csv``, …)
whose recomputed summaries equal every printed number, at the printed precision.
The data are RECONSTRUCTED pseudo patient-level data, not the trial's records.

Algorithm
---------
1. Every printed number becomes an interval ``[x - h, x + h]`` with ``h`` half a
   unit of its last printed decimal (this accepts both round-half-even and
   round-half-away-from-zero).
2. Values are integers at a stated precision (``ASSUMPTIONS``), so every claim is
   a linear or quadratic integer constraint: a mean bounds the sum, an SD bounds
   ``16·Σx² − (Σx)²``, a median of 16 bounds the sum of the 8th and 9th order
   statistics, a ratio ``a/b ∈ [lo, hi]`` becomes ``lo·b ≤ a ≤ hi·b``.
3. One CP-SAT model per block. Table 1 variables that share no patient-level link
   are independent, so solving them separately is the same as solving them
   jointly. Linked blocks are solved in stages, each stage carrying the necessary
   conditions of the later ones, with a no-good retry when a later stage fails
   for the values an earlier one chose: weight sample -> heights and BMI (pairing
   per patient); patient course (reasons for stopping, treatment days, ICU, IMV
   and ECMO days, day-28 status, LNR groups, the log-rank event slots, cumulative
   dose bounds) -> exact doses (intensity median) and time to start (values for
   the group sizes the course chose). Each claim group has one assumption
   literal; when a block is infeasible, ``SufficientAssumptionsForInfeasibility``
   (minimised by deletion) names the conflicting claims, which are written to
   ``data/published/inconsistencies.yml`` and relaxed (one at a time, medians
   first), and the block is solved again. For the seed shipped nothing needs
   relaxing; what the numbers imply under other readings is proven in
   :func:`prove_findings`.
4. The log-rank statistic depends only on the order of events and the group
   sizes; all event orders are enumerated exactly (rational arithmetic) and the
   chosen pattern is linked to the patient model.
5. Values the paper does not constrain (biomarker levels, AE onset days, which
   patient has which risk factor) are generated deterministically from the seed
   under the constraints that the paper does state, and checked.
6. Among all consistent datasets, CP-SAT picks the one closest to seeded
   plausible targets (minimum absolute deviation), single worker, deterministic
   time limit: the same seed gives byte-identical files.

Claim ids
---------
``t1.<var>.<stat>`` with var in age, weight, height, bmi, hr, resp, pfratio,
sysbp, diabp, temp and stat in n, mean, sd, median, min, max. Other ids:

``txt.eot``            reasons for end of treatment (4/3/3/2, rest completed)
``txt.interrupt.n``    two interruptions: 8 days (AE) and 2.5 days (no gastric tube)
``txt.trtdur.median|min|max``  treatment duration 20 (4-28) days
``txt.di.median``      dose intensity median 92.9 %
``txt.di.below80_value``  one patient at 72.5 %, all others >= 80 % (15/16 adherent)
``txt.cumdose.median|min|max``  cumulative dose 530 (105-810) mg
``txt.icu.median|min|max``      ICU days in the 28-day window 16 (6-28)
``txt.imv.median|min|max``      ventilation days 14.5 (3-28)
``txt.ecmo.n``         ECMO in 3 patients: 10, 28, 28 days
``txt.os28.alive``     13/16 alive at day 28, 3 deaths before day 29
``fig4.n_evaluable``   14 evaluable for LNR (one leukaemia excluded, one missing)
``fig4.p``             exact WMW p < 0.01, 11 survivors vs 3 non-survivors (forces the
                       three non-survivors below every survivor: p = 2/364)
``txt.logrank.chisq``  log-rank chi-square 3.9 (LNR >= median vs below)
``txt.tts.diff_median``  difference in medians of VENTPRED 1.5 days
``txt.tts.diff_mean``  difference in means 1.1 days
``txt.tts.p``          WMW p = 0.03 (normal approximation, SAS style)
Ids follow the claims ledger ``data/published/claims.csv`` where it has them.
"""

from __future__ import annotations

import hashlib
import itertools
import math
import time
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import numpy as np
import pandas as pd
import yaml
from ortools.sat.python import cp_model

from .baseline import VITAL_LABELS

__all__ = ["run", "TABLE1", "ASSUMPTIONS", "enumerate_logrank_patterns"]

N = 16
HORIZON = 28
FOLLOWUP = 90

# --------------------------------------------------------------------------- claims


@dataclass(frozen=True)
class Var:
    """A Table 1 continuous variable: printed summaries and the precision of values."""

    key: str
    label: str
    scale: int  # values are integers / scale
    lo: int  # plausible bounds of a single value (unscaled units)
    hi: int
    mean: str
    sd: str
    median: str
    min: str
    max: str
    paramcd: str | None = None
    unit: str = ""


TABLE1: dict[str, Var] = {
    v.key: v
    for v in (
        Var("age", "Age (yrs.)", 1, 18, 100, "59.5", "14.92", "59", "35", "92"),
        Var("weight", "Weight (kg)", 1, 40, 160, "89.25", "17.76", "90", "60", "127"),
        Var("height", "Height (cm)", 1, 145, 205, "175.2", "6.06", "175", "163", "186"),
        Var("bmi", "BMI (kg/m2)", 10, 15, 60, "29.2", "6.65", "28.0", "22", "47.8"),  # median 28.0 in the Results text
        Var("hr", "Heart rate", 1, 30, 200, "77.1", "17.1", "74.0", "55", "120", "HR", "beats/min"),
        Var("resp", "Respiratory rate", 1, 5, 60, "16.8", "5", "14.5", "12", "28", "RESP", "breaths/min"),
        Var("pfratio", "PaO2/FiO2", 1, 20, 700, "167.3", "148.7", "147.5", "55", "680", "PFRATIO", "mmHg"),
        Var("sysbp", "Systolic BP", 1, 60, 220, "109.8", "13.2", "110.0", "90", "135", "SYSBP", "mmHg"),
        Var("diabp", "Diastolic BP", 1, 20, 140, "55.4", "10.7", "55.0", "40", "80", "DIABP", "mmHg"),
        Var("temp", "Temperature", 10, 33, 42, "36.8", "1.3", "36", "35", "39.6", "TEMP", "C"),
    )
}
STATS = ("mean", "sd", "median", "min", "max")

VS_LABEL = VITAL_LABELS  # the data carry Table 1's own labels

RISK_FACTORS = {  # Table 1: category -> (patients, factors, terms to draw from)
    "Chronic liver disease": (2, 2, ["Liver cirrhosis", "Chronic hepatitis"]),
    "Chronic lung disease": (2, 2, ["COPD", "Asthma"]),
    "Chronic nervous system disorder": (3, 3, ["Parkinson's disease", "Epilepsy", "Dementia"]),
    "DNR status": (1, 1, ["Do-not-resuscitate order"]),
    "Diabetes": (4, 4, ["Type 2 diabetes mellitus"]),
    "Disorder of cardiovascular system": (
        10,
        20,
        ["Hypertension", "Coronary artery disease", "Atrial fibrillation", "Heart failure", "Hyperlipidaemia"],
    ),
    "Malignant neoplastic disease": (2, 2, ["Chronic lymphocytic leukaemia", "Prostate cancer"]),
    "Respiratory therapy (before trial)": (12, 12, ["Non-invasive ventilation before intubation"]),
    "Rheumatological/Immunological disease": (
        4,
        7,
        ["Rheumatoid arthritis", "Psoriasis", "Hypothyroidism (autoimmune)", "Sarcoidosis"],
    ),
    "Smoking status (smoker/former smoker)": (6, 6, ["Current or former smoker"]),
    "Thromboembolic event": (3, 3, ["Pulmonary embolism", "Deep vein thrombosis", "Stroke"]),
}

TABLE2 = [  # preferred term, patients (grade 3)
    ("Dialysis", 3),
    ("Aspartate aminotransferase increased", 2),
    ("Activated partial thromboplastin time prolonged", 1),
    ("Alanine aminotransferase increased", 1),
    ("Anaemia", 1),
    ("Blood bilirubin increased", 1),
    ("Face oedema", 1),
    ("Facial nerve disorder", 1),
    ("Haematoma evacuation", 1),
    ("Haemothorax", 1),
    ("Hepatic enzyme increased", 1),
    ("Leg amputation", 1),
    ("Leukocytosis", 1),
    ("Plasma protein metabolism disorder", 1),
    ("Pneumonia", 1),
    ("Pulmonary haemorrhage", 1),
    ("Sepsis", 1),
    ("Serum ferritin increased", 1),
    ("Thrombin time prolonged", 1),
    ("Troponin I increased", 1),
]

EOT_COUNTS = {"COMPLETED": 4, "DISCHARGED FROM ICU": 4, "TRANSFERRED": 3, "DEATH": 3, "ADVERSE EVENT": 2}
EOT = list(EOT_COUNTS)
D28 = ["DEAD", "ICU VENTILATED", "ICU", "ACUTE CARE", "DISCHARGED"]


def interval(text: str) -> tuple[Fraction, Fraction]:
    """Rounding interval of a printed number: ``"59.5"`` -> [59.45, 59.55].

    A value v is accepted when rounding it half-even or half-away-from-zero to the
    printed decimals gives the printed number: v in [x - h, x + h), and also v = x + h
    when the last printed digit is even (half-even rounds it down). ``upper_closed``
    tells which; the integer bounds in ``_bounds`` apply it.

    Parameters
    ----------
    text : str
        The number as printed.

    Returns
    -------
    tuple of Fraction
        ``(x - h, x + h)`` with ``h`` half a unit of the last printed decimal.
    """
    x = Fraction(text)
    dec = len(text.split(".")[1]) if "." in text else 0
    h = Fraction(1, 2 * 10**dec)
    return x - h, x + h


def upper_closed(text: str) -> bool:
    """Whether x + h itself rounds to the printed x (half-even, last digit even)."""
    return int(text.replace(".", "")[-1]) % 2 == 0


def _ceil(q: Fraction) -> int:
    return math.ceil(q)


def _floor(q: Fraction) -> int:
    return math.floor(q)


# --------------------------------------------------------------------------- CP-SAT plumbing

RELAX_PRIORITY = ("median", "sd", "mean", "min", "max")


@dataclass
class Block:
    """One CP-SAT model with one assumption literal per claim group."""

    name: str
    m: cp_model.CpModel = field(default_factory=cp_model.CpModel)
    lits: dict = field(default_factory=dict)
    devs: list = field(default_factory=list)
    cost: list = field(default_factory=list)  # (weight, expr) plausibility objective terms

    def lit(self, cid: str):
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

    def claim_text(self, cid: str, expr, text: str, scale, mult: int = 1) -> None:
        """Claim that ``expr / (scale * mult)`` rounds to ``text``; values that round to it
        under only one of the two rules are penalised (preferred: both rules agree)."""
        lo, hi = _bounds(text, scale, mult)
        self.claim(cid, expr, lo, hi)
        blo, bhi = _bounds(text, scale, mult, both=True)
        if (blo, bhi) != (lo, hi) and blo <= bhi:
            e = self.m.NewIntVar(0, 1, "")
            self.m.Add(expr >= blo).OnlyEnforceIf(e.Not())
            self.m.Add(expr <= bhi).OnlyEnforceIf(e.Not())
            self.cost.append((200, e))

    def enforce(self, cid: str, ct) -> None:
        """A claim that is a plain constraint (no distance when relaxed)."""
        ct.OnlyEnforceIf(self.lit(cid))

    def absdev(self, expr, target: int, ub: int):
        d = self.m.NewIntVar(0, ub, "")
        self.m.Add(d >= expr - target)
        self.m.Add(d >= target - expr)
        return d


def _params(seed: int, det_time: float) -> cp_model.CpSolver:
    s = cp_model.CpSolver()
    s.parameters.num_workers = 1  # deterministic
    s.parameters.random_seed = seed
    s.parameters.max_deterministic_time = det_time
    return s


def _feasible(block: Block, assumed: list[str], seed: int, det_time: float):
    m = block.m
    m.ClearObjective()
    m.ClearAssumptions()
    m.AddAssumptions([block.lits[c] for c in assumed])
    s = _params(seed, det_time)
    status = s.Solve(m)
    return status, s


def _minimal_core(block: Block, core: list[str], seed: int, det_time: float) -> list[str]:
    core = list(core)
    for c in list(core):
        trial = [x for x in core if x != c]
        status, _ = _feasible(block, trial, seed, det_time)
        if status == cp_model.INFEASIBLE:
            core = trial
    return core


def _relax_order(cid: str) -> tuple:
    stat = cid.rsplit(".", 1)[-1]
    return (RELAX_PRIORITY.index(stat) if stat in RELAX_PRIORITY else len(RELAX_PRIORITY), cid)


def solve_block(block: Block, seed: int, det_time: float = 20.0, found: list | None = None, opt_time: float = 1.0):
    """Solve ``block``: prove and relax conflicting claims, then optimise plausibility.

    Returns the solver (with the solution) and the list of relaxed claim ids;
    every minimal conflicting set found is appended to ``found``.
    """
    relaxed: list[str] = []
    while True:
        assumed = [c for c in block.lits if c not in relaxed]
        status, s = _feasible(block, assumed, seed, det_time)
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            break
        if status != cp_model.INFEASIBLE:
            raise RuntimeError(f"block {block.name}: solver gave up ({s.StatusName(status)})")
        core_idx = set(s.SufficientAssumptionsForInfeasibility())
        core = [c for c in assumed if block.lits[c].Index() in core_idx] or assumed
        core = _minimal_core(block, core, seed, det_time)
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
    s0, s = s, _params(seed, opt_time)
    status = s.Solve(m)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return s0, relaxed  # the feasible solution of the proof phase
    return s, relaxed


def _bounds(text: str, scale, mult: int = 1, both: bool = False) -> tuple[int, int]:
    """Integer bounds of ``value * scale * mult`` for values that round to ``text``.

    With ``both`` the bounds for values that round to ``text`` under both rules
    (half-even and half-away): the upper endpoint never, the lower one only when the
    last printed digit is even.
    """
    lo, hi = interval(text)
    top, bottom = hi * scale * mult, lo * scale * mult
    upper = _floor(top) - (1 if top.denominator == 1 and (both or not upper_closed(text)) else 0)
    lower = _ceil(bottom) + (1 if both and bottom.denominator == 1 and not upper_closed(text) else 0)
    return lower, upper


def add_sd_claim(b: Block, cid: str, total, ss, n: int, scale: int, sd: str, sum_range: tuple[int, int], pad: int) -> None:
    """SD claim: ``n SS - S^2`` in ``n (n-1) [sd_lo^2, sd_hi^2]`` (scaled).

    The sum S takes few integer values (the mean pins it), so S^2 is a table over
    ``sum_range`` widened by ``pad`` (room for a relaxed mean claim).
    """
    m = b.m
    sdlo, sdhi = interval(sd)
    k = n * (n - 1) * scale * scale
    top = k * sdhi * sdhi
    klo, khi = _ceil(k * sdlo * sdlo), _floor(top) - (1 if top.denominator == 1 and not upper_closed(sd) else 0)
    lo, hi = sum_range[0] - pad, sum_range[1] + pad
    sel = {t: m.NewBoolVar(f"{cid}.S{t}") for t in range(max(lo, 0), hi + 1)}
    m.AddExactlyOne(sel.values())
    m.Add(total == sum(t * x for t, x in sel.items()))
    t2 = sum(t * t * x for t, x in sel.items())
    b.claim(cid, n * ss - t2, klo, khi, big=10**12)


def add_summary(b: Block, key: str, xs: list, var: Var, sorted_: bool = False) -> dict:
    """Constrain mean, SD, median, min, max of the integer variables ``xs`` (values / scale)."""
    m, s, n = b.m, var.scale, len(xs)
    ub = var.hi * s
    total = m.NewIntVar(0, n * ub, f"{key}.sum")
    m.Add(total == sum(xs))
    lo, hi = _bounds(var.mean, s, n)
    b.claim_text(f"t1.{key}.mean", total, var.mean, s, n)
    sq = []
    for i, x in enumerate(xs):
        q = m.NewIntVar(0, ub * ub, f"{key}.sq{i}")
        m.AddMultiplicationEquality(q, [x, x])
        sq.append(q)
    ss = m.NewIntVar(0, n * ub * ub, f"{key}.ss")
    m.Add(ss == sum(sq))
    add_sd_claim(b, f"t1.{key}.sd", total, ss, n, s, var.sd, (lo, hi), pad=2 * n * s)
    if sorted_:
        for a, c in itertools.pairwise(xs):
            m.Add(a <= c)
        lo8, hi9, mn, mx = xs[n // 2 - 1], xs[n // 2], xs[0], xs[-1]
    else:
        lo8 = m.NewIntVar(var.lo * s, ub, f"{key}.q8")
        hi9 = m.NewIntVar(var.lo * s, ub, f"{key}.q9")
        add_order_stat(m, xs, lo8, n // 2, f"{key}.q8")
        add_order_stat(m, xs, hi9, n // 2 + 1, f"{key}.q9")
        mn = m.NewIntVar(var.lo * s, ub, f"{key}.min")
        mx = m.NewIntVar(var.lo * s, ub, f"{key}.max")
        m.AddMinEquality(mn, xs)
        m.AddMaxEquality(mx, xs)
    b.claim_text(f"t1.{key}.median", lo8 + hi9, var.median, s, 2)
    b.claim_text(f"t1.{key}.min", mn, var.min, s)
    b.claim_text(f"t1.{key}.max", mx, var.max, s)
    return {"sum": total, "ss": ss}


def add_order_stat(m: cp_model.CpModel, xs: list, a, k: int, name: str, members: list | None = None) -> None:
    """``a`` is the k-th smallest (1-based) of ``xs`` (restricted to ``members`` when given).

    #(x <= a) >= k and #(x < a) <= k - 1.
    """
    le, lt = [], []
    for i, x in enumerate(xs):
        b1 = m.NewBoolVar(f"{name}.le{i}")
        m.Add(x <= a).OnlyEnforceIf(b1)
        m.Add(x > a).OnlyEnforceIf(b1.Not())
        b2 = m.NewBoolVar(f"{name}.lt{i}")
        m.Add(x < a).OnlyEnforceIf(b2)
        m.Add(x >= a).OnlyEnforceIf(b2.Not())
        if members is not None:
            c1, c2 = m.NewBoolVar(""), m.NewBoolVar("")
            m.AddMultiplicationEquality(c1, [b1, members[i]])
            m.AddMultiplicationEquality(c2, [b2, members[i]])
            b1, b2 = c1, c2
        le.append(b1)
        lt.append(b2)
    m.Add(sum(le) >= k)
    m.Add(sum(lt) <= k - 1)


# --------------------------------------------------------------------------- block A: Table 1


def _targets(var: Var, rng: np.random.Generator) -> np.ndarray:
    mu, sd = float(var.mean), float(var.sd)
    x = np.sort(np.clip(rng.normal(mu, sd, N), float(var.min), float(var.max)))
    return x * var.scale


def _crowding(b: Block, cnt, free: int = 2, weight: int = 20) -> None:
    e = b.m.NewIntVar(0, N, "")
    b.m.Add(e >= cnt - free)
    b.cost.append((weight, e))


def solve_table1_var(key: str, seed: int, found: list) -> tuple[list[int], list[str]]:
    """Solve one independent Table 1 variable; returns the sorted scaled values."""
    return solve_block_values(Block(f"t1.{key}"), key, seed, found)


def _stable(text: str) -> int:
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:4], "little")


def bmi10(w: int, h: int) -> int:
    """BMI x 10 rounded half up, from integer kg and cm."""
    return (2 * 10**5 * w + h * h) // (2 * h * h)


def add_hist_summary(b: Block, key: str, var: Var, groups: dict[int, list]) -> None:
    """Claims on a sample given as a histogram: ``groups`` maps each possible scaled
    value to the 0/1 variables of the items that take it (N items in all).

    Linear in the counts; the k-th smallest is v iff F(v-) <= k-1 and F(v) >= k,
    with F the cumulative count.
    """
    m, s, n = b.m, var.scale, N
    vals = sorted(groups)
    cnt = {v: sum(groups[v]) for v in vals}
    ub = vals[-1]
    total = m.NewIntVar(0, n * ub, f"{key}.sum")
    m.Add(total == sum(v * cnt[v] for v in vals))
    lo, hi = _bounds(var.mean, s, n)
    b.claim_text(f"t1.{key}.mean", total, var.mean, s, n)
    ss = m.NewIntVar(0, n * ub * ub, f"{key}.ss")
    m.Add(ss == sum(v * v * cnt[v] for v in vals))
    add_sd_claim(b, f"t1.{key}.sd", total, ss, n, s, var.sd, (lo, hi), pad=2 * n * s)
    F, prev = {}, 0
    for v in vals:
        f = m.NewIntVar(0, n, f"{key}.F{v}")
        m.Add(f == prev + cnt[v])
        F[v], prev = (prev, f), f

    def order_stat(k: int, name: str):
        sel = {v: m.NewBoolVar(f"{key}.{name}{v}") for v in vals}
        m.AddExactlyOne(sel.values())
        for v in vals:
            before, upto = F[v]
            if not isinstance(before, int):
                m.Add(before <= k - 1).OnlyEnforceIf(sel[v])
            m.Add(upto >= k).OnlyEnforceIf(sel[v])
        return sum(v * sel[v] for v in vals)

    b.claim_text(f"t1.{key}.median", order_stat(n // 2, "q8_") + order_stat(n // 2 + 1, "q9_"), var.median, s, 2)
    b.claim_text(f"t1.{key}.min", order_stat(1, "min_"), var.min, s)
    b.claim_text(f"t1.{key}.max", order_stat(n, "max_"), var.max, s)


def solve_anthropometry(seed: int, found: list, tries: int = 8) -> tuple[pd.DataFrame, list[str]]:
    """Weight (integer kg), height (integer cm) and BMI (0.1) linked per patient.

    Three exact stages: the weight sample and the height sample (each its own
    claims), then a CP-SAT assignment pairing weights with heights so that the
    BMIs (weight/height², rounded to 0.1) meet the BMI claims. If no pairing
    exists, the weight sample is excluded (no-good) and the stages repeat.
    """
    V = TABLE1
    rng = np.random.default_rng([seed, _stable("anthro")])
    wb = Block("t1.weight")
    W = [wb.m.NewIntVar(V["weight"].lo, V["weight"].hi, f"w{i}") for i in range(N)]
    add_summary(wb, "weight", W, V["weight"], sorted_=True)
    for x, tk in zip(W, _targets(V["weight"], rng), strict=True):
        wb.cost.append((1, wb.absdev(x, int(round(tk)), 200)))
    relaxed: list[str] = []
    h_t = _targets(V["height"], rng)
    for attempt in range(tries):
        s, w_relaxed = solve_block(wb, seed + attempt, det_time=10.0, found=found if attempt == 0 else None, opt_time=0.3)
        ws = [s.Value(x) for x in W]
        pb = Block("t1.height_bmi")
        m = pb.m
        lo, hi = _bounds(V["height"].min, 1)[0], _bounds(V["height"].max, 1)[1]
        hvals = range(lo - 2 * attempt, hi + 1 + 2 * attempt)  # widened only on retries
        y = {(i, h): m.NewBoolVar(f"y{i}_{h}") for i in range(N) for h in hvals}
        hexpr = []
        for i in range(N):
            m.AddExactlyOne(y[i, h] for h in hvals)
            hexpr.append(sum(h * y[i, h] for h in hvals))
            if i and ws[i] == ws[i - 1]:
                m.Add(hexpr[i - 1] <= hexpr[i])  # equal weights are interchangeable
        gh: dict[int, list] = {}
        gb: dict[int, list] = {}
        for (i, h), v in y.items():
            gh.setdefault(h, []).append(v)
            gb.setdefault(bmi10(ws[i], h), []).append(v)
        add_hist_summary(pb, "height", V["height"], gh)
        add_hist_summary(pb, "bmi", V["bmi"], gb)
        for h, vs in gh.items():
            d = int(np.min(np.abs(h_t - h)))
            pb.cost += [(d, v) for v in vs]
        trial: list = []
        ps, b_relaxed = solve_block(pb, seed, det_time=10.0, found=trial, opt_time=2.0)
        if not trial or attempt + 1 == tries:
            if found is not None:
                found += trial
            break
        wb.m.AddForbiddenAssignments(W, [tuple(ws)])
    relaxed += w_relaxed + b_relaxed
    rows = [(ws[i], h) for (i, h), v in y.items() if ps.Value(v)]
    out = pd.DataFrame(rows, columns=["WEIGHTBL", "HEIGHTBL"])
    out["BMIBL"] = [bmi10(w, h) / 10 for w, h in rows]
    # sex: the three shortest patients are the women (assumption A-SEX)
    out = out.sort_values(["HEIGHTBL", "WEIGHTBL"], kind="stable").reset_index(drop=True)
    out["SEX"] = ["F"] * 3 + ["M"] * 13
    return out, relaxed


def solve_block_values(b: Block, key: str, seed: int, found: list) -> tuple[list[int], list[str]]:
    """One independent Table 1 variable in ``b``: sorted values nearest to seeded targets."""
    var = TABLE1[key]
    xs = [b.m.NewIntVar(var.lo * var.scale, var.hi * var.scale, f"{key}{i}") for i in range(N)]
    add_summary(b, key, xs, var, sorted_=True)
    t = _targets(var, np.random.default_rng([seed, _stable(key)]))
    span = (var.hi - var.lo) * var.scale
    for x, tk in zip(xs, t, strict=True):
        b.cost.append((1, b.absdev(x, int(round(tk)), span)))
    s, relaxed = solve_block(b, seed, det_time=10.0, found=found, opt_time=0.3)
    return [s.Value(x) for x in xs], relaxed


# --------------------------------------------------------------------------- block B: patient course


@dataclass
class Course:
    """Variables of the patient-course model (block B)."""

    b: Block
    eot: dict
    d28: dict
    n: list
    T: list
    int8: list
    int25: list
    low: list
    u: list
    v: list
    ecmo10: list
    ecmo28: list
    w: list
    member: list
    high: list
    leuk: list
    miss: list
    dead: list
    slot: dict = field(default_factory=dict)


def build_course(seed: int, pattern: dict | None = None, icu_covers_treatment: bool = False) -> Course:
    """CP-SAT model of treatment, dosing, ICU course, day-28 status, LNR groups, time to start."""
    b = Block("course")
    m = b.m
    R = range(N)
    rng = np.random.default_rng([seed, _stable("course")])
    eot = {(i, r): m.NewBoolVar(f"eot{i}_{r}") for i in R for r in EOT}
    d28 = {(i, s): m.NewBoolVar(f"d28_{i}_{s}") for i in R for s in D28}
    for i in R:
        m.AddExactlyOne(eot[i, r] for r in EOT)
        m.AddExactlyOne(d28[i, s] for s in D28)
    for r, k in EOT_COUNTS.items():
        b.enforce("txt.eot", m.Add(sum(eot[i, r] for i in R) == k))
    dead = [eot[i, "DEATH"] for i in R]
    for i in R:
        m.Add(d28[i, "DEAD"] == dead[i])
    b.enforce("txt.os28.alive", m.Add(sum(dead) == 3))

    # ---- treatment: n planned rows (BID from day 0), T = ceil(n/2) days
    n = [m.NewIntVar(2, 56, f"n{i}") for i in R]
    T = [m.NewIntVar(1, 28, f"T{i}") for i in R]
    int8 = [m.NewBoolVar(f"int8_{i}") for i in R]
    int25 = [m.NewBoolVar(f"int25_{i}") for i in R]
    for i in R:
        m.Add(2 * T[i] - 1 <= n[i])
        m.Add(n[i] <= 2 * T[i])
        m.Add(n[i] == 56).OnlyEnforceIf(eot[i, "COMPLETED"])
        m.Add(n[i] <= 54).OnlyEnforceIf(eot[i, "COMPLETED"].Not())  # stopped a day early or more
        m.Add(int8[i] + int25[i] <= 1)
        m.Add(n[i] >= 3 + 16 * int8[i] + 5 * int25[i])  # the missed run is followed by a dose
        # the 72.5 % patient needs P with 0.7245 P <= D: n >= 3 covers it; cumulative dose
        # needs P >= 105 mg for somebody: implied by completers
    b.enforce("txt.interrupt.n", m.Add(sum(int8) == 1))
    b.enforce("txt.interrupt.n", m.Add(sum(int25) == 1))
    _order_claims(b, "txt.trtdur", T, "20", "4", "28", 1, 1, 28)
    # necessary for the dosing block: the 72.5 % patient has a plan P = 15 n - 10 mg
    # admitting a dose D (5 mg steps) with D / P in [0.7245, 0.7255]
    ok = [k for k in range(3, 57) if any(7245 * (3 * k - 2) <= 10000 * d <= 7255 * (3 * k - 2) for d in range(3 * k))]
    low = [m.NewBoolVar(f"low{i}") for i in R]
    m.AddExactlyOne(low)
    for i in R:
        m.AddLinearExpressionInDomain(n[i], cp_model.Domain.FromValues(ok)).OnlyEnforceIf(low[i])
        # 16 missed 15 mg doses leave at most 590/830 = 71.1 % of the plan at 15 mg per dose:
        # the 8-day interruption patient cannot be adherent, so is the 72.5 % patient (and
        # needs some 20 mg doses; DERIVED, see inconsistencies.yml)
        m.AddImplication(int8[i], low[i])
    ok8 = [k for k in ok if any(7245 * (3 * k - 2) <= 10000 * d <= 7255 * (3 * k - 2) for d in range(4 + 4 * (k - 18) + 1))]
    # cumulative dose D (5 mg units) with the intensity bounds (<= 100 %, A-DOSE): the
    # dosing block adds the exact doses and the intensity median
    Dc = [m.NewIntVar(0, 166, f"Dc{i}") for i in R]
    for i in R:
        m.Add(Dc[i] <= 3 * n[i] - 2)
        m.Add(5 * Dc[i] >= 4 * (3 * n[i] - 2)).OnlyEnforceIf(low[i].Not())
        m.Add(10000 * Dc[i] >= 7245 * (3 * n[i] - 2)).OnlyEnforceIf(low[i])
        m.Add(10000 * Dc[i] <= 7255 * (3 * n[i] - 2)).OnlyEnforceIf(low[i])
    _order_claims(b, "txt.cumdose", Dc, "530", "105", "810", Fraction(1, 5), 0, 166)
    ok25 = [k for k in range(8, 57) if 5 * (4 + 4 * (k - 7)) >= 4 * (3 * k - 2)]
    for i in R:
        m.AddLinearExpressionInDomain(n[i], cp_model.Domain.FromValues(ok8)).OnlyEnforceIf(int8[i])
        m.AddLinearExpressionInDomain(n[i], cp_model.Domain.FromValues(ok25)).OnlyEnforceIf(int25[i])

    # ---- ICU course: days in the window [0, 28]
    u = [m.NewIntVar(0, 28, f"u{i}") for i in R]
    v = [m.NewIntVar(0, 28, f"v{i}") for i in R]
    e10 = [m.NewBoolVar(f"e10_{i}") for i in R]
    e28 = [m.NewBoolVar(f"e28_{i}") for i in R]
    b.enforce("txt.ecmo.n", m.Add(sum(e10) == 1))
    b.enforce("txt.ecmo.n", m.Add(sum(e28) == 2))
    for i in R:
        m.Add(v[i] <= u[i])
        m.Add(e10[i] + e28[i] <= 1)
        m.Add(v[i] >= 10).OnlyEnforceIf(e10[i])
        m.Add(v[i] == 28).OnlyEnforceIf(e28[i])
        m.AddImplication(e28[i], d28[i, "ICU VENTILATED"])
        # deaths: in ICU on the ventilator until death; treatment until death (day T)
        m.Add(u[i] == T[i]).OnlyEnforceIf(dead[i])
        m.Add(v[i] == T[i]).OnlyEnforceIf(dead[i])
        # left ICU: treatment ended on leaving
        m.Add(u[i] == T[i]).OnlyEnforceIf(eot[i, "DISCHARGED FROM ICU"])
        m.Add(v[i] <= u[i] - 1).OnlyEnforceIf(eot[i, "DISCHARGED FROM ICU"])
        m.AddBoolOr([d28[i, "ACUTE CARE"], d28[i, "DISCHARGED"]]).OnlyEnforceIf(eot[i, "DISCHARGED FROM ICU"])
        m.Add(u[i] == T[i]).OnlyEnforceIf(eot[i, "TRANSFERRED"])
        m.AddBoolOr([d28[i, "ICU VENTILATED"], d28[i, "ICU"], d28[i, "ACUTE CARE"]]).OnlyEnforceIf(
            eot[i, "TRANSFERRED"]
        )
        # completers may have left the ICU and finished treatment on the ward (A-WARD)
        m.AddBoolOr([d28[i, "ICU VENTILATED"], d28[i, "ICU"], d28[i, "ACUTE CARE"]]).OnlyEnforceIf(
            eot[i, "COMPLETED"]
        )
        here = eot[i, "TRANSFERRED"].Not()
        m.Add(v[i] == 28).OnlyEnforceIf([d28[i, "ICU VENTILATED"], here])
        m.Add(u[i] == 28).OnlyEnforceIf([d28[i, "ICU"], here])
        m.Add(v[i] <= 27).OnlyEnforceIf([d28[i, "ICU"], here])
        for s in ("ACUTE CARE", "DISCHARGED"):
            m.Add(v[i] <= u[i] - 1).OnlyEnforceIf([d28[i, s], here])
    if icu_covers_treatment:  # the hypothesis refuted in prove_findings()
        for i in R:
            m.Add(u[i] >= T[i])
    _order_claims(b, "txt.icu", u, "16", "6", "28", 1, 0, 28)
    _order_claims(b, "txt.imv", v, "14.5", "3", "28", 1, 0, 28)

    # ---- time to start: group sizes here, values in build_time_to_start
    w: list = []

    # ---- LNR analysis set and groups
    member = [m.NewBoolVar(f"lnr{i}") for i in R]
    leuk = [m.NewBoolVar(f"leuk{i}") for i in R]
    miss = [m.NewBoolVar(f"miss{i}") for i in R]
    high = [m.NewBoolVar(f"high{i}") for i in R]
    b.enforce("fig4.n_evaluable", m.Add(sum(leuk) == 1))
    b.enforce("fig4.n_evaluable", m.Add(sum(miss) == 1))
    for i in R:
        m.Add(member[i] + leuk[i] + miss[i] == 1)
        m.AddImplication(high[i], member[i])
        m.AddImplication(dead[i], member[i])
        b.enforce("fig4.p", m.AddImplication(dead[i], high[i].Not()))
    noise = rng.integers(0, 4, (N, len(EOT)))
    for i in R:
        for k, r in enumerate(EOT):
            b.cost.append((int(noise[i, k]), eot[i, r]))
    slots = _add_pattern(b, pattern, T, dead, member, high, d28, eot) if pattern else {}
    return Course(b, eot, d28, n, T, int8, int25, low, u, v, e10, e28, w, member, high, leuk, miss, dead, slots)


def _add_pattern(b: Block, pattern: dict, T, dead, member, high, d28, eot) -> dict:
    """Link a log-rank event pattern (see :func:`enumerate_logrank_patterns`) to patients."""
    m = b.m
    R = range(N)
    lit = b.lit("txt.logrank.chisq")
    low = []
    for i in R:
        x = m.NewBoolVar("")
        m.AddBoolAnd([member[i], high[i].Not()]).OnlyEnforceIf(x)
        m.AddBoolOr([member[i].Not(), high[i]]).OnlyEnforceIf(x.Not())
        low.append(x)
    m.Add(sum(low) == pattern["L"]).OnlyEnforceIf(lit)
    # early deaths: slots in time order with the pattern's ties
    es = {(i, k): m.NewBoolVar(f"es{i}_{k}") for i in R for k in range(3)}
    tau = [m.NewIntVar(1, HORIZON, f"tau{k}") for k in range(3)]
    for k in range(3):
        m.AddExactlyOne(es[i, k] for i in R)
        for i in R:
            m.Add(T[i] == tau[k]).OnlyEnforceIf(es[i, k])
    for i in R:
        m.Add(sum(es[i, k] for k in range(3)) == dead[i])
    k = 0
    groups = pattern["early"]
    for gi, size in enumerate(groups):
        for j in range(1, size):
            m.Add(tau[k + j] == tau[k]).OnlyEnforceIf(lit)
        if gi + 1 < len(groups):
            m.Add(tau[k + size] > tau[k]).OnlyEnforceIf(lit)
        k += size
    # later events: censorings then a death, per block
    slots = {"early": es, "late": []}
    used = []
    for j, (cl, ch, grp) in enumerate(pattern["late"]):
        block = []
        for kind, g, count in (("C", "low", cl), ("C", "high", ch), ("D", grp, 1)):
            for q in range(count):
                x = [m.NewBoolVar(f"late{j}{kind}{g}{q}_{i}") for i in R]
                m.AddExactlyOne(x)
                for i in R:
                    m.AddImplication(x[i], member[i])
                    m.AddImplication(x[i], dead[i].Not())
                    m.AddImplication(x[i], high[i] if g == "high" else high[i].Not())
                    if kind == "D":  # still in the ICU at day 28 (A-LATE)
                        m.AddBoolOr([d28[i, "ICU VENTILATED"], d28[i, "ICU"]]).OnlyEnforceIf(x[i])
                used.append(x)
                block.append((kind, g, x))
        slots["late"].append(block)
    for i in R:
        m.Add(sum(x[i] for x in used) <= 1)
    return slots


def _order_claims(b: Block, prefix: str, xs: list, median: str, mn: str, mx: str, scale, lo: int, hi: int) -> None:
    """Median (8th + 9th order statistic), min and max claims on unsorted ``xs``."""
    m = b.m
    a = m.NewIntVar(lo, hi, f"{prefix}.q8")
    c = m.NewIntVar(lo, hi, f"{prefix}.q9")
    add_order_stat(m, xs, a, N // 2, f"{prefix}.q8")
    add_order_stat(m, xs, c, N // 2 + 1, f"{prefix}.q9")
    # a median of whole numbers is printed as is (A-MEDIAN): the printed value exactly
    med2 = Fraction(median) * scale * 2
    if med2.denominator == 1:
        b.claim(f"{prefix}.median", a + c, int(med2), int(med2))
    else:
        b.claim_text(f"{prefix}.median", a + c, median, scale, 2)
    x0 = m.NewIntVar(lo, hi, "")
    x1 = m.NewIntVar(lo, hi, "")
    m.AddMinEquality(x0, xs)
    m.AddMaxEquality(x1, xs)
    b.claim_text(f"{prefix}.min", x0, mn, scale)
    b.claim_text(f"{prefix}.max", x1, mx, scale)


def build_dosing(seed: int, T: list[int], completed: list[bool], zeros: list[int], low: int) -> tuple[Block, list, dict, list]:
    """Doses given the treatment days ``T`` and missed rows ``zeros`` per patient.

    The number of planned rows n is 2T - 1 or 2T (last dose in the morning or the
    evening of the last day; 56 for completers). Doses in 5 mg units; day-0 rows are
    10 mg as planned; later rows take 0 (only the interruption), 5, 10, 15 or 20 mg
    (A-DOSE). Dose intensity r = floor(10^6 D / P) (P = 3n - 2 planned units): the
    72.5 % patient and adherence are linear; the median via order statistics on r, with
    r8 + r9 in [1857000, 1858998], which guarantees the exact mean of the two ratios
    in [0.9285, 0.9295].
    """
    b = Block("dosing")
    m = b.m
    R = range(N)
    c = {(i, k): m.NewIntVar(0, 54, f"c{i}_{k}") for i in R for k in range(5)}
    D, r, n, Pv = [], [], [], []
    for i in R:
        lo = 56 if completed[i] else max(2, 2 * T[i] - 1)
        hi = 56 if completed[i] else min(54, 2 * T[i])
        ni = m.NewIntVar(max(lo, 3 + zeros[i] if zeros[i] else lo), hi, f"n{i}")
        P = m.NewIntVar(4, 166, f"P{i}")
        m.Add(P == 3 * ni - 2)
        m.Add(c[i, 0] == zeros[i])
        m.Add(sum(c[i, k] for k in range(5)) == ni - 2)
        d = m.NewIntVar(0, 4 * 56, f"D{i}")
        m.Add(d == 4 + sum(k * c[i, k] for k in range(5)))
        x = m.NewIntVar(0, 10**6, f"r{i}")
        m.AddDivisionEquality(x, 10**6 * d, P)
        D.append(d)
        r.append(x)
        n.append(ni)
        Pv.append(P)
        b.cost += [(3, c[i, 1]), (2, c[i, 2]), (4, c[i, 4])]
    adh = [m.NewBoolVar(f"adh{i}") for i in R]
    for i in R:
        P = Pv[i]
        m.Add(5 * D[i] >= 4 * P).OnlyEnforceIf(adh[i])
        m.Add(10000 * D[i] >= 7245 * P).OnlyEnforceIf(adh[i].Not())
        m.Add(10000 * D[i] <= 7255 * P).OnlyEnforceIf(adh[i].Not())
    b.enforce("txt.di.below80_value", m.Add(sum(adh) == N - 1))
    m.Add(adh[low] == 0)
    a8 = m.NewIntVar(0, 10**6, "r.q8")
    a9 = m.NewIntVar(0, 10**6, "r.q9")
    add_order_stat(m, r, a8, N // 2, "r.q8")
    add_order_stat(m, r, a9, N // 2 + 1, "r.q9")
    b.claim("txt.di.median", a8 + a9, 1857000, 1858998)
    _order_claims(b, "txt.cumdose", D, "530", "105", "810", Fraction(1, 5), 0, 166)
    noise = np.random.default_rng([seed, _stable("dose")]).integers(0, 3, N)
    b.cost += [(int(noise[i]), c[i, 2]) for i in R]
    return b, D, c, n


# --------------------------------------------------------------------------- assembly


@dataclass
class Solution:
    """Solved values of every block, per patient (index 0..15 of the course model)."""

    course: dict
    doses: list  # per patient: list of (ADY, EXDOSE, EXPLDOS, EXADJ)
    anthro: pd.DataFrame
    t1: dict  # key -> sorted scaled values
    os: list  # (AVAL, CNSR)
    lnr: list  # LNRBL (nan when missing / excluded too)
    relaxed: list
    found: list
    timings: dict = field(default_factory=dict)


def _dose_rows(rng: np.random.Generator, n: int, counts: list[int], zeros: int, reason: str) -> list:
    """Lay out the doses of one patient: day 0 at 10 mg, the missed run, then the rest."""
    later = [15] * counts[3] + [10] * counts[2] + [5] * counts[1] + [20] * counts[4]
    later = list(rng.permutation(later)) if later else []
    rows = [(0.0, 10, 10, "")]
    if n >= 2:
        rows.append((0.5, 10, 10, ""))
    k = n - 2
    start = None
    if zeros:
        # the missed run starts on a later row and is followed by at least one dose
        start = int(rng.integers(2, k - zeros + 1)) if k - zeros > 2 else 1
    given = iter(later)
    for j in range(k):
        ady = (j + 2) / 2
        if start is not None and start <= j < start + zeros:
            rows.append((ady, 0, 15, reason))
        else:
            dose = int(next(given))
            adj = "" if dose == 15 else ("DOSE REDUCED" if dose < 15 else "DOSE INCREASED")
            rows.append((ady, dose, 15, adj))
    return rows


def solve_all(seed: int, variant: int = 0) -> Solution:
    """Solve every block for one seed (``variant`` > 0 gives a different consistent dataset)."""
    key = seed * 1000 + variant
    found: list = []
    relaxed: list = []
    t1 = {}
    tick = {"t": time.perf_counter()}
    timings: dict = {}

    def lap(name: str) -> None:
        now = time.perf_counter()
        timings[name] = round(now - tick["t"], 3)
        tick["t"] = now

    for k in ("age", "hr", "resp", "pfratio", "sysbp", "diabp", "temp"):
        t1[k], rel = solve_table1_var(k, key, found)
        relaxed += rel
        lap(f"table1.{k}")
    anthro, rel = solve_anthropometry(key, found)
    relaxed += rel
    lap("table1.anthropometry")
    patterns = enumerate_logrank_patterns(2)
    pattern = patterns[variant % min(len(patterns), 3)]
    course = build_course(key, pattern)
    bad_n = sum(course.d28[i, "DEAD"] + course.d28[i, "ICU VENTILATED"] for i in range(N))
    good_n = sum(course.d28[i, "ACUTE CARE"] for i in range(N))
    for _ in range(40):
        cs, rel = solve_block(course.b, key, det_time=30.0, found=found, opt_time=1.0)
        nb, ng = cs.Value(bad_n), cs.Value(good_n)
        sb, cb, cg = build_time_to_start(nb, ng, key)
        status, _ = _feasible(sb, list(sb.lits), key, 10.0)
        if status != cp_model.INFEASIBLE:
            break
        # these group sizes cannot carry the time-to-start claims: exclude and re-solve
        course.b.m.AddForbiddenAssignments([_sum_var(course.b.m, bad_n), _sum_var(course.b.m, good_n)], [(nb, ng)])
    relaxed += rel
    lap("course")
    ss, rel = solve_block(sb, key, det_time=10.0, found=found, opt_time=2.0)
    relaxed += rel
    lap("time_to_start")
    V = {name: [cs.Value(x) for x in getattr(course, name)] for name in ("n", "T", "u", "v")}
    for name in ("int8", "int25", "low", "ecmo10", "ecmo28", "member", "high", "leuk", "miss", "dead"):
        V[name] = [bool(cs.Value(x)) for x in getattr(course, name)]
    V["eot"] = [next(r for r in EOT if cs.Value(course.eot[i, r])) for i in range(N)]
    V["d28"] = [next(s for s in D28 if cs.Value(course.d28[i, s])) for i in range(N)]
    V["w"] = _ventpred(V["d28"], [v for v in cb for _ in range(ss.Value(cb[v]))], [v for v in cg for _ in range(ss.Value(cg[v]))], key)
    V["pattern"] = pattern
    V["early_slot"] = [next((k for k in range(3) if cs.Value(course.slot["early"][i, k])), None) for i in range(N)]
    V["late"] = [[(kind, g, next(i for i in range(N) if cs.Value(x[i]))) for kind, g, x in blk] for blk in course.slot["late"]]
    zeros = [16 * a + 5 * b for a, b in zip(V["int8"], V["int25"], strict=True)]
    db, D, c, nv = build_dosing(key, V["T"], [e == "COMPLETED" for e in V["eot"]], zeros, V["low"].index(True))
    ds, rel = solve_block(db, key, det_time=30.0, found=found, opt_time=1.0)
    relaxed += rel
    lap("dosing")
    V["n"] = [ds.Value(x) for x in nv]
    rng = np.random.default_rng([key, _stable("layout")])
    doses = []
    for i in range(N):
        counts = [ds.Value(c[i, k]) for k in range(5)]
        reason = "ADVERSE EVENT" if V["int8"][i] else ("NO GASTRIC TUBE" if V["int25"][i] else "")
        doses.append(_dose_rows(rng, V["n"][i], counts, zeros[i], reason))
    os_ = _os_times(V, key)
    lnr = _lnr_values(V, key)
    lap("layout")
    return Solution(V, doses, anthro, t1, os_, lnr, relaxed, found, timings)


def _sum_var(m: cp_model.CpModel, expr):
    x = m.NewIntVar(0, N, "")
    m.Add(x == expr)
    return x


def _ventpred(d28: list[str], bad: list[int], good: list[int], seed: int) -> list[int]:
    """Hand the solved VENTPRED samples (half days) to the patients of each group (seeded);
    patients in neither group get seeded values in the same range (unconstrained)."""
    rng = np.random.default_rng([seed, _stable("ventpred")])
    bad = [int(x) for x in rng.permutation(bad)]
    good = [int(x) for x in rng.permutation(good)]
    out = []
    for s in d28:
        if s in ("DEAD", "ICU VENTILATED"):
            out.append(bad.pop())
        elif s == "ACUTE CARE":
            out.append(good.pop())
        else:
            out.append(int(rng.integers(0, 11)))
    return out


def _os_times(V: dict, seed: int) -> list[tuple[float, int]]:
    """OS per patient: early deaths at TRTDURD; after day 28 the pattern's events in order
    (censorings then a death, per block) on increasing days; everyone else censored at the
    end of the 90-day follow-up (A-OS)."""
    rng = np.random.default_rng([seed, _stable("os")])
    os_ = [(float(V["T"][i]), 0) if V["dead"][i] else (float(FOLLOWUP), 1) for i in range(N)]
    day = HORIZON
    for blk in V["late"]:
        for kind, _, i in blk:
            day += int(rng.integers(3, 10))
            os_[i] = (float(day), 0 if kind == "D" else 1)
    if day >= FOLLOWUP:
        raise RuntimeError("late events do not fit into the follow-up")
    return os_


def _lnr_values(V: dict, seed: int) -> list[float]:
    """Baseline LNR (3 decimals, unpublished values) honouring the groups: the three
    day-28 deaths lowest (strictly), the low group below the median, the high group at or
    above it, median of the 14 evaluable in [0.065, 0.075]; ties at the median when the
    pattern's low group has fewer than 7 patients. Leukaemia patient: high LNR, excluded.
    """
    rng = np.random.default_rng([seed, _stable("lnr")])
    L = V["pattern"]["L"]
    dead = [i for i in range(N) if V["dead"][i]]
    low_alive = [i for i in range(N) if V["member"][i] and not V["high"][i] and not V["dead"][i]]
    high = [i for i in range(N) if V["high"][i]]
    med = 70  # thousandths: the paper's threshold "at least 0.07" is the median itself
    gap = 0 if L < 7 else int(rng.integers(1, 4))
    x7, x8 = med - gap, med + gap  # the 7th and 8th of the 14 sorted values
    out = [float("nan")] * N
    pool = np.arange(x7 - 35, x7) if L == 7 else np.arange(med - 35, med)
    lows = sorted(int(x) for x in rng.choice(pool, len(low_alive) + len(dead) - (L == 7), replace=False))
    if L == 7:
        lows = lows + [x7]
    # the deaths take the three lowest values, strictly below every survivor
    for i, x in zip(dead + [int(j) for j in rng.permutation(low_alive)], lows, strict=True):
        out[i] = x / 1000
    n_at = 1 if L == 7 else 8 - L  # values equal to x8 (ties at the median when L < 7)
    above = sorted(int(x) for x in rng.choice(np.arange(x8 + 1, x8 + 400), len(high) - n_at, replace=False))
    for i, x in zip([int(j) for j in rng.permutation(high)], [x8] * n_at + above, strict=True):
        out[i] = x / 1000
    leuk = V["leuk"].index(True)
    out[leuk] = round(float(rng.uniform(1.5, 4.0)), 3)
    return out


def _fmt(x) -> str:
    if isinstance(x, float) and math.isnan(x):
        return ""
    if isinstance(x, float) and x == int(x):
        return str(int(x))
    return str(x)


def frames(sol: Solution, seed: int) -> dict[str, pd.DataFrame]:
    """Turn a solution into the study-folder data frames (sorted, deterministic)."""
    V = sol.course
    rng = np.random.default_rng([seed, _stable("frames")])
    ids = [f"RUX-{i + 1:02d}" for i in range(N)]
    # Table 1 values are independent of the course: pair them by seeded permutations
    anthro = sol.anthro.iloc[rng.permutation(N)].reset_index(drop=True)
    t1 = {k: [v[j] for j in rng.permutation(N)] for k, v in sol.t1.items()}
    adsl = pd.DataFrame(
        {
            "USUBJID": ids,
            "AGE": t1["age"],
            "SEX": anthro["SEX"],
            "ITTFL": "Y",
            "WEIGHTBL": anthro["WEIGHTBL"],
            "HEIGHTBL": anthro["HEIGHTBL"],
            "BMIBL": anthro["BMIBL"],
            "TRTDURD": V["T"],
            "EOTREAS": V["eot"],
            "VENTPRED": [w / 2 for w in V["w"]],
            "D28STAT": V["d28"],
            "LNRBL": sol.lnr,
            "LNREXCL": ["LEUKEMIA" if x else "" for x in V["leuk"]],
        }
    )
    adtte = pd.DataFrame(
        {
            "USUBJID": ids,
            "PARAMCD": "OS",
            "PARAM": "Overall survival (days from first dose)",
            "AVAL": [a for a, _ in sol.os],
            "CNSR": [c for _, c in sol.os],
        }
    )
    adex = pd.DataFrame(
        [(ids[i], ady, dose, plan, adj) for i in range(N) for ady, dose, plan, adj in sol.doses[i]],
        columns=["USUBJID", "ADY", "EXDOSE", "EXPLDOS", "EXADJ"],
    )
    adicu = _icu_frame(sol, ids, rng)
    advs = pd.DataFrame(
        [
            (ids[i], TABLE1[k].paramcd, VS_LABEL[TABLE1[k].paramcd], t1[k][i] / TABLE1[k].scale, TABLE1[k].unit, 0, "Y")
            for i in range(N)
            for k in ("hr", "resp", "pfratio", "sysbp", "diabp", "temp")
        ],
        columns=["USUBJID", "PARAMCD", "PARAM", "AVAL", "AVALU", "AVISITN", "ABLFL"],
    )
    admh = _mh_frame(sol, ids, adsl, rng)
    adae = _ae_frame(sol, ids, rng)
    adlb = _lb_frame(sol, ids, seed)
    return {
        "adsl": adsl,
        "adtte": adtte,
        "adex": adex,
        "adicu": adicu,
        "advs": advs,
        "admh": admh,
        "adae": adae,
        "adlb": adlb,
    }


def _icu_frame(sol: Solution, ids: list[str], rng: np.random.Generator) -> pd.DataFrame:
    V = sol.course
    rows = []
    for i in range(N):
        vent0 = -V["w"][i] / 2
        icu0 = vent0 - int(rng.integers(0, 3))
        aval, cnsr = sol.os[i]
        alive_end = aval if cnsr == 0 else None
        u, v = V["u"][i], V["v"][i]
        if V["dead"][i]:
            icu1 = imv1 = aval
        else:
            extra = int(rng.integers(3, 15))
            if u < HORIZON:  # left the ICU (or was transferred) within the window
                icu1 = u
            elif alive_end is not None:  # died in the ICU after day 28
                icu1 = alive_end
            else:  # still in the ICU at day 28: leaves later, not after the last contact
                icu1 = min(HORIZON + extra, aval)
            imv1 = v if v < HORIZON else icu1
        rows.append((ids[i], "ICU", icu0, float(icu1)))
        rows.append((ids[i], "IMV", vent0, float(imv1)))
        if V["ecmo28"][i]:
            rows.append((ids[i], "ECMO", vent0, float(imv1)))
        elif V["ecmo10"][i]:
            s0 = float(int(rng.integers(0, max(1, min(v, HORIZON) - 10) + 1)))
            rows.append((ids[i], "ECMO", s0, s0 + 10))
    return pd.DataFrame(rows, columns=["USUBJID", "PARAMCD", "ASTDY", "AENDY"])


def _mh_frame(sol: Solution, ids: list[str], adsl: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Risk factors: Table 1 counts exactly; the leukaemia patient has the malignancy (A-MH)."""
    V = sol.course
    leuk = V["leuk"].index(True)
    oldest = int(np.argmax(adsl["AGE"].to_numpy()))
    rows = []
    for cat, (npt, nrf, terms) in RISK_FACTORS.items():
        fixed = []
        if cat.startswith("Malignant"):
            fixed = [leuk]
        if cat == "DNR status":
            fixed = [oldest]
        others = [i for i in rng.permutation(N) if i not in fixed]
        pts = fixed + [int(i) for i in others[: npt - len(fixed)]]
        # factors per patient: at least one each, the rest spread round-robin
        per = [1] * npt
        for j in range(nrf - npt):
            per[j % npt] += 1
        for p, k in zip(pts, per, strict=True):
            chosen = terms[:k] if cat != "Malignant neoplastic disease" else [terms[0] if p == leuk else terms[1]]
            if k > len(terms):
                raise ValueError(f"{cat}: more factors than terms")
            if cat not in ("Malignant neoplastic disease",):
                start = int(rng.integers(0, len(terms)))
                chosen = [terms[(start + t) % len(terms)] for t in range(k)]
            for term in chosen:
                rows.append((ids[p], cat, term))
    df = pd.DataFrame(rows, columns=["USUBJID", "MHCAT", "MHTERM"])
    return df.sort_values(["USUBJID", "MHCAT", "MHTERM"], kind="stable").reset_index(drop=True)


def _ae_frame(sol: Solution, ids: list[str], rng: np.random.Generator) -> pd.DataFrame:
    """Table 2 (grade 3): each term in exactly N patients; AE-stopped and AE-interrupted
    patients have at least one; onset during treatment (A-AE)."""
    V = sol.course
    # the events behind the stops and the 8-day interruption: onset on the last dose day,
    # or on the day of the first missed dose
    onset = {}
    for i in range(N):
        if V["eot"][i] == "ADVERSE EVENT":
            onset[i] = float(V["T"][i] - 1)
        elif V["int8"][i]:
            onset[i] = float(math.floor(next(a for a, d, _, _ in sol.doses[i] if d == 0)))
    left = {term: k for term, k in TABLE2}
    assigned: dict[str, list[int]] = {term: [] for term in left}
    terms = [t for t, _ in TABLE2]
    for i in onset:
        term = terms[int(rng.integers(0, len(terms)))]
        while len(assigned[term]) >= left[term] or i in assigned[term]:
            term = terms[(terms.index(term) + 1) % len(terms)]
        assigned[term].append(i)
    rows = []
    for term, k in TABLE2:
        chosen = list(assigned[term])
        pool = [int(i) for i in rng.permutation(N)]
        chosen += [i for i in pool if i not in chosen][: k - len(chosen)]
        for i in chosen:
            day = onset[i] if i in assigned[term] else float(int(rng.integers(0, max(1, V["T"][i] - 1) + 1)))
            rows.append((ids[i], term, 3, "", day))
    df = pd.DataFrame(rows, columns=["USUBJID", "AEDECOD", "ATOXGR", "AESER", "ASTDY"])
    return df.sort_values(["USUBJID", "ASTDY", "AEDECOD"], kind="stable").reset_index(drop=True)


BIOMARKER_VISITS = (0, 3, 7, 14, 21, 28)


def _lb_frame(sol: Solution, ids: list[str], seed: int) -> pd.DataFrame:
    """Biomarkers (unpublished values): seeded log-normal levels; a patient is sampled at a
    visit while on treatment (visit day < TRTDURD, day 28 for completers). Drawn again
    (next sub-seed) until CRP and IL-6 are significantly lower than baseline (two-sided
    WMW, normal approximation, p < 0.05) at one or more later visits and ferritin at none."""
    from scipy.stats import mannwhitneyu

    V = sol.course
    spec = {  # median at baseline, log-SD, log-change per day, unit
        "CRP": (150.0, 0.6, -0.09, "mg/L", "C-reactive protein"),
        "IL6": (120.0, 0.9, -0.08, "pg/mL", "Interleukin-6"),
        "FERRITIN": (1500.0, 0.6, 0.0, "ug/L", "Ferritin"),
    }
    present = [
        [vis == 0 or vis < V["T"][i] or (vis == HORIZON and V["T"][i] == HORIZON) for vis in BIOMARKER_VISITS]
        for i in range(N)
    ]
    for attempt in range(200):
        rng = np.random.default_rng([seed, _stable("lb"), attempt])
        rows, ok = [], True
        for code, (med, sd, slope, unit, label) in spec.items():
            base = rng.normal(math.log(med), sd, N)
            vals = {}
            for j, vis in enumerate(BIOMARKER_VISITS):
                x = base + slope * min(vis, 14) + rng.normal(0, 0.35, N) * (vis > 0)
                vals[vis] = [round(float(math.exp(x[i])), 1) for i in range(N) if present[i][j]]
                for i in range(N):
                    if present[i][j]:
                        rows.append((ids[i], code, label, float(vis), round(float(math.exp(x[i])), 1), unit))
            sig = [
                mannwhitneyu(vals[vis], vals[0], alternative="two-sided", method="asymptotic").pvalue < 0.05
                for vis in BIOMARKER_VISITS[1:]
                if len(vals[vis]) >= 2
            ]
            lower = [np.median(vals[vis]) < np.median(vals[0]) for vis in BIOMARKER_VISITS[1:] if len(vals[vis]) >= 2]
            if code == "FERRITIN":
                ok &= not any(sig)
            else:
                ok &= any(s and lo for s, lo in zip(sig, lower, strict=True))
        if ok:
            break
    else:
        raise RuntimeError("no biomarker draw met the significance pattern of Fig. 3")
    df = pd.DataFrame(rows, columns=["USUBJID", "PARAMCD", "PARAM", "AVISITN", "AVAL", "AVALU"])
    df["ABLFL"] = np.where(df["AVISITN"] == 0, "Y", "")
    df["ADY"] = df["AVISITN"]
    return df.sort_values(["USUBJID", "PARAMCD", "AVISITN"], kind="stable").reset_index(drop=True)


def write_folder(out: Path, fr: dict[str, pd.DataFrame], meta: dict) -> None:
    """Write the CSVs (LF line ends, fixed number formatting) and study.yml."""
    out.mkdir(parents=True, exist_ok=True)
    for name, df in fr.items():
        text = df.map(_fmt).to_csv(index=False, lineterminator="\n")
        (out / f"{name}.csv").write_text(text, encoding="utf-8")
    (out / "study.yml").write_text(yaml.safe_dump(meta, sort_keys=False, allow_unicode=True), encoding="utf-8")


def study_meta(seed: int, variant: int) -> dict:
    return {
        "title": "Ruxolitinib in COVID-19 ARDS (Neubauer et al. 2021): reconstructed pseudo patient-level data",
        "reconstructed": True,
        "screened": 18,
        "description": (
            "RECONSTRUCTED pseudo patient-level data, not the trial's records: 16 synthetic patients "
            "built by an exact constraint model (OR-Tools CP-SAT) so that every number printed in "
            "Neubauer et al., Leukemia 35:2917-2923 (2021) is reproduced at its printed precision. "
            "Regenerate with `ruxlib reconstruct --seed "
            f"{seed}`. See data/README.md and data/published/assumptions.yml."
        ),
        "source": "Neubauer A et al. Leukemia 35:2917-2923 (2021)",
        "seed": seed,
        "variant": variant,
        "horizon_days": HORIZON,
        "followup_days": FOLLOWUP,
    }


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
    from .outdir import check_writable_folder

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
            (out / "README.md").write_text(README, encoding="utf-8")
    return 0


# --------------------------------------------------------------------------- log-rank patterns

CHISQ_RANGE = (Fraction(385, 100), Fraction(395, 100))  # printed 3.9; half-open upper end keeps p at 0.05


def _lr_step(n1: int, n: int, d1: int, d: int) -> tuple[Fraction, Fraction]:
    """Observed-minus-expected (group 1) and hypergeometric variance at one death time."""
    e = Fraction(d * n1, n)
    var = Fraction(d * n1 * (n - n1) * (n - d), n * n * (n - 1)) if n > 1 else Fraction(0)
    return d1 - e, var


def logrank_chisq(steps: list[tuple[int, int, int, int]]) -> Fraction:
    """Chi-square of the two-group log-rank test from ``(n1, n, d1, d)`` per death time."""
    oe, var = Fraction(0), Fraction(0)
    for st in steps:
        a, b = _lr_step(*st)
        oe += a
        var += b
    return oe * oe / var


def enumerate_logrank_patterns(max_late: int = 2) -> list[dict]:
    """All event patterns of the LNR analysis set (14 patients) with chi-square in [3.85, 3.95).

    A pattern: L patients in the low group (LNR < median; 3..7, L < 7 needs ties at the
    median), the three deaths before day 29 all in the low group with a tie structure
    (all at risk: every survivor is followed to day 28), then after day 28 a sequence of
    at most ``max_late`` deaths, each preceded by censorings (cl low, ch high). The
    statistic depends on nothing else. Exact rational arithmetic.

    Returns
    -------
    list of dict
        ``{"L", "early", "late": [(cl, ch, group), ...], "chisq"}``, simplest first.
    """
    found = []
    for L in range(3, 8):
        H = 14 - L
        for early in ((1, 1, 1), (2, 1), (1, 2), (3,)):
            steps, n1 = [], L
            for d in early:
                steps.append((n1, n1 + H, d, d))
                n1 -= d
            _late_events(L, early, L - 3, H, steps, [], max_late, found)
    found.sort(
        key=lambda p: (len(p["late"]), abs(p["L"] - 7), 3 - len(p["early"]), sum(c + d for c, d, _ in p["late"]), str(p))
    )
    return found


def _late_events(L: int, early: tuple, nl: int, nh: int, steps: list, late: list, max_late: int, found: list) -> None:
    """Depth-first enumeration of censor/death blocks after day 28 (see above)."""
    x = logrank_chisq(steps)
    if CHISQ_RANGE[0] <= x < CHISQ_RANGE[1]:
        found.append({"L": L, "early": list(early), "late": list(late), "chisq": x})
    if len(late) == max_late:
        return
    for cl in range(nl + 1):
        for ch in range(nh + 1):
            a, b = nl - cl, nh - ch
            if a > 0:
                _late_events(L, early, a - 1, b, steps + [(a, a + b, 1, 1)], late + [(cl, ch, "low")], max_late, found)
            if b > 0:
                _late_events(L, early, a, b - 1, steps + [(a, a + b, 0, 1)], late + [(cl, ch, "high")], max_late, found)


def early_only_chisq() -> list[dict]:
    """Chi-square for every pattern with the three early deaths only (no later death)."""
    rows = []
    for L in range(3, 8):
        for early in ((1, 1, 1), (2, 1), (1, 2), (3,)):
            steps, n1 = [], L
            for d in early:
                steps.append((n1, n1 + 14 - L, d, d))
                n1 -= d
            rows.append({"L": L, "H": 14 - L, "early": list(early), "chisq": round(float(logrank_chisq(steps)), 4)})
    return rows


Z_LO2 = Fraction(4445, 1000)  # (2.10836)^2 = 4.44518 rounded up: p <= 0.035
Z_HI2 = Fraction(5023, 1000)  # (2.24140)^2 = 5.02387 rounded down: p >= 0.025


def build_time_to_start(nb: int, ng: int, seed: int, no_ties: bool = False) -> tuple[Block, dict, dict]:
    """VENTPRED (half days, 0-10 days) as histograms of ``nb`` patients {DEAD, ICU
    VENTILATED} and ``ng`` ACUTE CARE patients.

    Claims: medians differ by 1.5 days, means by 1.1 (rounding); the two-sided WMW p
    (normal approximation with continuity correction and tie-corrected variance, as SAS
    NPAR1WAY) rounds to 0.03. With A = 2U - nb ng - 1 (U counts ties as 1/2) and
    TC = sum(t^3 - t) over tie groups, z = A / (2 sigma) and
    sigma^2 = nb ng / 12 ((N + 1) - TC / (N (N - 1))), so
    z^2 in [Z_LO2, Z_HI2] is linear in A^2 and TC (both exact integers).
    """
    b = Block(f"start[{nb},{ng}]")
    m = b.m
    levels = range(21)
    cb = {v: m.NewIntVar(0, nb, f"cb{v}") for v in levels}
    cg = {v: m.NewIntVar(0, ng, f"cg{v}") for v in levels}
    m.Add(sum(cb.values()) == nb)
    m.Add(sum(cg.values()) == ng)
    n_all = nb + ng
    # U2 = 2U = sum_v cb_v (2 #good below v + #good at v)
    u2_terms, tc_terms, below = [], [], 0
    cubes = [(t, t**3) for t in range(n_all + 1)]
    for v in levels:
        y = m.NewIntVar(0, 2 * nb * ng, "")
        k = m.NewIntVar(0, 2 * ng, "")
        m.Add(k == 2 * below + cg[v])
        m.AddMultiplicationEquality(y, [cb[v], k])
        u2_terms.append(y)
        t = m.NewIntVar(0, 1 if no_ties else n_all, "")
        m.Add(t == cb[v] + cg[v])
        t3 = m.NewIntVar(0, n_all**3, "")
        m.AddAllowedAssignments([t, t3], cubes)
        tc_terms.append(t3)
        below = below + cg[v]
    A = m.NewIntVar(0, 2 * nb * ng, "A")
    m.Add(A == sum(u2_terms) - nb * ng - 1)
    A2 = m.NewIntVar(0, (2 * nb * ng) ** 2, "A2")
    m.AddMultiplicationEquality(A2, [A, A])
    TC = m.NewIntVar(0, n_all**3, "TC")
    m.Add(TC == sum(tc_terms) - n_all)
    # z^2 = A^2 / (4 sigma^2) = 12 N (N-1) A^2 / (4 nb ng ((N+1) N (N-1) - TC))
    lhs = 12 * n_all * (n_all - 1) * A2
    core = (n_all + 1) * n_all * (n_all - 1) - TC
    b.claim("txt.tts.p", Z_LO2.denominator * lhs - 4 * Z_LO2.numerator * nb * ng * core, 0, 10**15)
    b.claim("txt.tts.p", 4 * Z_HI2.numerator * nb * ng * core - Z_HI2.denominator * lhs, 0, 10**15)

    def med2(c: dict, size: int):
        cum, prev = {}, 0
        for v in levels:
            f = m.NewIntVar(0, size, "")
            m.Add(f == prev + c[v])
            cum[v], prev = (prev, f), f
        out = 0
        for kth in ((size + 1) // 2, size // 2 + 1):
            sel = {v: m.NewBoolVar("") for v in levels}
            m.AddExactlyOne(sel.values())
            for v in levels:
                before, upto = cum[v]
                if not isinstance(before, int):
                    m.Add(before <= kth - 1).OnlyEnforceIf(sel[v])
                m.Add(upto >= kth).OnlyEnforceIf(sel[v])
            out = out + sum(v * sel[v] for v in levels)
        return out

    # medians in half days: (med2_b - med2_g) / 4 days = 1.5
    b.claim("txt.tts.diff_median", med2(cb, nb) - med2(cg, ng), 6, 6)
    # means: (sum_b / nb - sum_g / ng) / 2 in [1.05, 1.15]
    diff = 100 * (ng * sum(v * cb[v] for v in levels) - nb * sum(v * cg[v] for v in levels))
    b.claim("txt.tts.diff_mean", diff - 210 * nb * ng, 0, 10**7)
    b.claim("txt.tts.diff_mean", 230 * nb * ng - diff, 0, 10**7)
    rng = np.random.default_rng([seed, _stable("start"), nb, ng])
    pref = rng.integers(0, 4, (2, len(levels)))
    for v in levels:
        b.cost.append((int(pref[0, v]) + v // 3 + (v > 14) * 5, cb[v]))
        b.cost.append((int(pref[1, v]) + v // 3 + (v > 14) * 5, cg[v]))
        for c in (cb[v], cg[v]):  # spread the values: penalise more than two per level
            e = m.NewIntVar(0, N, "")
            m.Add(e >= c - 2)
            b.cost.append((20, e))
    return b, cb, cg


_START_SIZES: dict = {}


def feasible_start_sizes() -> list[tuple[int, int]]:
    """Group sizes (nb, ng) for which the time-to-start claims can hold (exact, cached)."""
    if not _START_SIZES:
        for nb in range(3, N):
            for ng in range(1, N - nb + 1):
                b, _, _ = build_time_to_start(nb, ng, 0)
                status, _ = _feasible(b, list(b.lits), 0, 5.0)
                _START_SIZES[nb, ng] = status
    return [k for k, st in _START_SIZES.items() if st in (cp_model.OPTIMAL, cp_model.FEASIBLE)]


# --------------------------------------------------------------------------- assumptions and findings

ASSUMPTIONS: list[dict] = [
    {
        "id": "A-ROUND",
        "assumption": "A printed number x with d decimals stands for the closed interval [x - 0.5e-d, x + 0.5e-d].",
        "rationale": "Accepts both round-half-even and round-half-away-from-zero; the paper does not say which it used.",
        "pages": ["baseline", "exposure", "icu", "survival", "lnr", "time-to-start"],
    },
    {
        "id": "A-MEDIAN",
        "assumption": "A median of whole-number quantities printed without decimals (treatment days 20, ICU days 16, cumulative dose 530 mg) equals the printed value exactly.",
        "rationale": "Such a median is a whole number or ends in .5; SAS would have printed the .5.",
        "pages": ["exposure", "icu"],
    },
    {
        "id": "A-PREC",
        "assumption": "Age, weight (kg), height (cm), heart rate, respiratory rate, PaO2/FiO2, systolic and diastolic pressure are whole numbers; temperature has one decimal; BMI is weight/height^2 rounded to one decimal.",
        "rationale": "The usual recording precision of these measurements; BMI must agree with weight and height.",
        "pages": ["baseline"],
    },
    {
        "id": "A-SEX",
        "assumption": "The three women are the three shortest patients.",
        "rationale": "Plausibility only; no published number depends on who is female.",
        "pages": ["baseline"],
    },
    {
        "id": "A-PAIR",
        "assumption": "Age and the vital signs are solved as independent samples and handed to patients by a seeded permutation; weight, height and BMI are linked per patient.",
        "rationale": "The paper publishes only marginal summaries; any joint distribution is invented, so none is implied.",
        "pages": ["baseline"],
    },
    {
        "id": "A-TARGET",
        "assumption": "Among all datasets meeting the claims, the solver returns the one closest (sum of absolute deviations) to seeded plausible targets; one worker, fixed deterministic time limit.",
        "rationale": "Makes the data look like a cohort rather than a corner solution, and the same seed gives byte-identical files; another seed gives another consistent dataset.",
        "pages": ["reconstruction"],
    },
    {
        "id": "A-MH",
        "assumption": "Risk-factor terms (MHTERM) are illustrative; the excluded leukaemia patient carries the malignant neoplastic disease (chronic lymphocytic leukaemia); the oldest patient has the DNR status; extra factors of a category are spread round-robin over its patients.",
        "rationale": "Table 1 gives patients and factors per category only.",
        "pages": ["baseline"],
    },
    {
        "id": "A-AE",
        "assumption": "adae holds the grade-3 events of Table 2 only, each term in exactly its N patients; both patients who stopped for adverse events and the patient interrupted for 8 days have at least one; onset day during treatment; seriousness left empty.",
        "rationale": "Table 2 counts patients per term; who and when is not published.",
        "pages": ["adverse-events"],
    },
    {
        "id": "A-DOSE",
        "assumption": "BID administrations from day 0 (ADY 0, 0.5, 1, ...), 10 mg planned on day 0 and 15 mg from day 1; rows run from the first to the last dose; a given dose is 0, 5, 10, 15 or 20 mg; the dose intensity of a patient is at most 100 %; zero doses occur only in the two interruptions; the missed run starts on day 1 or later and is followed by a dose.",
        "rationale": "The schedule of the Methods; the paper gives intensity and cumulative dose but not single doses.",
        "pages": ["exposure"],
    },
    {
        "id": "A-DOSE20",
        "assumption": "The patient interrupted for 8 days is the 72.5 % patient and received some 20 mg doses.",
        "rationale": "DERIVED: 16 missed 15 mg doses leave at most 590/830 = 71.1 % of the plan if no dose exceeds 15 mg, so that patient can be neither adherent nor at 72.5 % without doses above 15 mg (see inconsistencies.yml, conditional).",
        "pages": ["exposure"],
    },
    {
        "id": "A-TRT",
        "assumption": "Treatment duration counts days from the first to the last dose, both included; the last dose is in the morning or the evening of day TRTDURD - 1; completers have 56 administrations (day 0 to 27.5).",
        "rationale": "The agreed definition (HELPERS.md).",
        "pages": ["exposure"],
    },
    {
        "id": "A-DEATH",
        "assumption": "The three patients whose treatment ended by death are the three deaths before day 29; each died on study day TRTDURD, in the ICU and on the ventilator.",
        "rationale": "Three deaths ended treatment and three patients died by day 28; a death after the end of treatment for another reason would make four.",
        "pages": ["survival", "icu", "exposure"],
    },
    {
        "id": "A-ICU",
        "assumption": "One ICU and one ventilation episode per patient, both begun before the first dose (ventilation at -VENTPRED, ICU 0-2 days earlier); patients discharged from the ICU or transferred left the ICU at the end of treatment (day TRTDURD); patients discharged from the ICU were extubated at least a day before; completers and patients stopped for adverse events may have finished treatment on the ward.",
        "rationale": "Treatment ended on ICU discharge or transfer per the reasons given; the ICU median (16) below the treatment median (20) forces some treatment outside the ICU (proven, inconsistencies.yml, conditional).",
        "pages": ["icu"],
    },
    {
        "id": "A-D28",
        "assumption": "Day-28 status: DEAD; ICU VENTILATED = on the ventilator beyond day 28 (both ECMO-28 patients); ICU = in the ICU beyond day 28, extubated; ACUTE CARE = on a ward; DISCHARGED = out of hospital. ICU-discharged patients are ACUTE CARE or DISCHARGED; transferred patients ICU VENTILATED, ICU or ACUTE CARE (status at the receiving hospital).",
        "rationale": "The paper's grouping for the time-to-start comparison; the status of individual patients is not published.",
        "pages": ["time-to-start", "icu"],
    },
    {
        "id": "A-VENT",
        "assumption": "VENTPRED (days ventilated before the first dose) in half days, 0-10 days; ties allowed; the WMW p is SAS NPAR1WAY's normal approximation with continuity correction and tie-corrected variance.",
        "rationale": "Without ties the claims cannot hold (proven, inconsistencies.yml, conditional); 'recent intubation' was an inclusion criterion.",
        "pages": ["time-to-start"],
    },
    {
        "id": "A-OS",
        "assumption": "Follow-up runs to day 90 (the secondary endpoint); every survivor is followed at least to day 28; the events after day 28 are those of the chosen log-rank pattern, on increasing days 3-9 days apart; patients dying after day 28 were still in the ICU at day 28; everybody else is censored at day 90.",
        "rationale": "Chi-square 3.9 is impossible with the three early deaths alone (proven by enumeration): the log-rank test must have used follow-up beyond day 28.",
        "pages": ["survival", "lnr"],
    },
    {
        "id": "A-LR",
        "assumption": "Log-rank pattern: the one with the fewest deaths after day 28, then no ties at the LNR median (7 vs 7), then the fewest tied early deaths, then the fewest censorings.",
        "rationale": "The simplest event history giving chi-square in [3.85, 3.95); all patterns are listed by enumerate_logrank_patterns().",
        "pages": ["lnr", "survival"],
    },
    {
        "id": "A-LNR",
        "assumption": "LNR at three decimals; the three day-28 deaths have the lowest values; the low group lies below the median and the high group at or above it; the leukaemia patient has a high LNR and is excluded; one other patient has no LNR.",
        "rationale": "Exact WMW p < 0.01 with 11 vs 3 forces complete separation (p = 2/364 = 0.0055; one overlap gives 0.011).",
        "pages": ["lnr"],
    },
    {
        "id": "A-LB",
        "assumption": "CRP, IL-6 and ferritin at visits 0, 3, 7, 14, 21, 28 while on treatment; seeded log-normal values (CRP and IL-6 falling, ferritin flat), redrawn with the next sub-seed until CRP and IL-6 are significantly lower than baseline at a later visit and ferritin is not (two-sided WMW, normal approximation, p < 0.05).",
        "rationale": "Fig. 3 shows only the direction of significance; the values are not published, so they come from a seeded generator checked against that pattern.",
        "pages": ["biomarkers"],
    },
]


def prove_findings(found: list | None = None) -> list[dict]:
    """Proofs of what the printed numbers imply (fast ones; see ``prove_no_ties`` for the slow one).

    Each entry names the claims, the hypothesis under which they conflict, the proof
    and how the reconstruction resolves it.
    """
    out = []
    rows = early_only_chisq()
    best = min(rows, key=lambda r: abs(r["chisq"] - 3.9))
    pats1 = enumerate_logrank_patterns(1)
    pats2 = enumerate_logrank_patterns(2)
    out.append(
        {
            "id": "logrank-needs-follow-up-beyond-28",
            "claims": ["txt.logrank.chisq", "txt.logrank.p", "txt.os28.alive", "fig4.p", "txt.lnr.median"],
            "hypothesis": "only the three deaths before day 29 enter the log-rank test (every survivor censored at day 28 or later with no later death)",
            "result": "infeasible",
            "proof": (
                "Exhaustive enumeration, exact rational arithmetic: low group L = 3..7 (L < 7 needs ties at the median), "
                "the three deaths all in the low group (Fig. 4) with every tie structure, all 14 at risk at each death. "
                f"Chi-square takes only the values {sorted({r['chisq'] for r in rows})}; "
                f"the closest is {best['chisq']} (L = {best['L']}, ties {best['early']}); none in [3.85, 3.95). "
                "7 vs 7 with distinct death days gives 3.5468."
            ),
            "table": rows,
            "resolution": (
                f"With deaths after day 28 (90-day follow-up) chi-square 3.9 is reachable: {len(pats1)} patterns with one later death, "
                f"{len(pats2)} with at most two. The KM estimate at day 28 stays exactly 13/16. Chosen (A-LR): "
                f"L = {pats2[0]['L']}, early ties {pats2[0]['early']}, later blocks {pats2[0]['late']}, chi-square = {float(pats2[0]['chisq']):.4f}."
            ),
        }
    )
    # ICU days versus treatment days: tiny exact model
    b = Block("icu-vs-treatment")
    m = b.m
    T = [m.NewIntVar(1, 28, f"T{i}") for i in range(N)]
    u = [m.NewIntVar(0, 28, f"u{i}") for i in range(N)]
    for i in range(N):
        m.Add(u[i] >= T[i])
        if i:
            m.Add(T[i - 1] <= T[i])  # patients indexed by treatment days (symmetry breaking)
    b.claim("txt.trtdur.median", T[7] + T[8], 40, 40)
    _order_claims(b, "txt.icu", u, "16", "6", "28", 1, 0, 28)
    status, s = _feasible(b, list(b.lits), 0, 10.0)
    core = []
    if status == cp_model.INFEASIBLE:
        idx = set(s.SufficientAssumptionsForInfeasibility())
        core = _minimal_core(b, [c for c in b.lits if b.lits[c].Index() in idx], 0, 10.0)
    out.append(
        {
            "id": "icu-days-below-treatment-days",
            "claims": core,
            "hypothesis": "every patient was in the ICU on every treatment day (ICU days >= treatment days)",
            "result": cp_model.CpSolver().StatusName(status).lower(),
            "proof": "CP-SAT with one assumption literal per claim; SufficientAssumptionsForInfeasibility, minimised by deletion. "
            "By hand: ICU days >= treatment days for each patient gives median ICU >= median treatment = 20 > 16.",
            "resolution": "Some patients (completers, patients stopped for adverse events) were treated on the ward after leaving the ICU (A-ICU).",
        }
    )
    out.append(
        {
            "id": "interruption-8-days-needs-doses-above-15mg",
            "claims": ["txt.interrupt.ae_days", "txt.di.below80_n", "txt.di.below80_value"],
            "hypothesis": "no single dose exceeds the planned 15 mg",
            "result": "infeasible",
            "proof": "16 missed administrations x 15 mg = 240 mg; the largest possible plan is 830 mg (28 days), so the interrupted "
            "patient gets at most 590/830 = 71.1 % (less for shorter plans): neither adherent (>= 80 %) nor 72.5 %, yet only one "
            "patient is below 80 % and that one is at 72.5 %.",
            "resolution": "The 8-day patient is the 72.5 % patient and received some 20 mg doses (A-DOSE20).",
        }
    )
    out.append(
        {
            "id": "bmi-max-pins-heaviest-and-shortest",
            "claims": ["t1.bmi.max", "t1.weight.max", "t1.height.min"],
            "hypothesis": "weight and height whole numbers, BMI = weight / height^2 within rounding",
            "result": "feasible, one way only",
            "proof": "BMI 47.8 needs weight/height^2 >= 47.75 with weight <= 127 kg and height >= 163 cm: 127/1.63^2 = 47.80, "
            "126/1.63^2 = 47.42 and 127/1.64^2 = 47.22, so the patient with the largest BMI is the heaviest (127 kg) and the "
            "shortest (163 cm).",
            "resolution": "Reproduced as is.",
        }
    )
    out.append(
        {
            "id": "temperature-median-below-mean",
            "claims": ["t1.temp.mean", "t1.temp.median", "t1.temp.sd", "t1.temp.min", "t1.temp.max"],
            "hypothesis": "temperatures at 0.1 C",
            "result": "feasible",
            "proof": "CP-SAT finds samples (block t1.temp) with median in [35.5, 36.5) and mean 36.8: half the patients near "
            "35-36.4 C and a febrile tail up to 39.6 C. Odd, but not impossible; a median printed as 36.0 (one decimal) is "
            "feasible too.",
            "resolution": "Reproduced as is.",
        }
    )
    out.append(
        {
            "id": "time-to-start-needs-ties",
            "claims": ["txt.tts.diff_median", "txt.tts.diff_mean", "txt.tts.p"],
            "hypothesis": "all VENTPRED values (half days) distinct among the compared patients",
            "result": "infeasible",
            "proof": "CP-SAT over every group size pair (nb >= 3, ng >= 1, nb + ng <= 16) with tie counts limited to 1: "
            "INFEASIBLE for all (prove_no_ties(); about 90 s; tests/test_reconstruct.py). Intuition for 6 vs 6: p = 0.03 "
            "needs U = 32 of 36, nearly complete separation, which distinct half-day values cannot combine with a mean "
            "difference of only 1.1 days and a median difference of 1.5.",
            "resolution": "Ties allowed; p with SAS's tie-corrected variance (A-VENT).",
        }
    )
    return out


def prove_no_ties() -> dict:
    """Check every group-size pair of the time-to-start claims without ties (slow, ~90 s)."""
    res = {}
    for nb in range(3, N):
        for ng in range(1, N - nb + 1):
            b, _, _ = build_time_to_start(nb, ng, 0, no_ties=True)
            status, s = _feasible(b, list(b.lits), 0, 5.0)
            res[nb, ng] = s.StatusName(status)
    return res


README = """# Study folder: RECONSTRUCTED pseudo patient-level data

**These files are not the trial's records.** They are 16 synthetic patients built so
that every number printed in Neubauer A et al., *Leukemia* 35:2917-2923 (2021)
("Ruxolitinib for the treatment of SARS-CoV-2 induced acute respiratory distress
syndrome (ARDS)") is reproduced at its printed precision. The trial's individual
data are not public. Any pattern in these data that the paper does not print
(who is female, which patient had which adverse event, biomarker values, ...) is
invented and means nothing.

## How they were made

`ruxlib.reconstruct` turns every printed number into an interval (rounding) and
every claim into integer constraints, and solves them exactly with OR-Tools
CP-SAT: Table 1 (mean, SD, median, min, max of 10 variables; BMI = weight /
height² per patient; sex; risk factors), Table 2, treatment duration, reasons for
stopping, interruptions, dose intensity and cumulative dose, ICU / ventilation /
ECMO days, day-28 survival, the LNR analysis (median, exact WMW, log-rank
chi-square 3.9 by exhaustive enumeration of event orders) and the time-to-start
comparison (medians, means, WMW p). Where the paper is silent the choice is an
explicit assumption: `published/assumptions.yml`. What the printed numbers imply
(and which readings of them are impossible, with proofs) is in
`published/inconsistencies.yml`. Biomarker values are seeded draws checked
against the significance pattern of Fig. 3.

## Regenerate

    ruxlib reconstruct --out data --seed 2021          # these files, byte for byte
    ruxlib reconstruct --out /tmp/alt --solutions 3    # three other consistent datasets

or in Python: `ruxlib.reconstruct.run(Path("data"), seed=2021)`. The files in
`published/` other than `inconsistencies.yml` and `assumptions.yml` are not
touched.

## Files

adsl (subjects), adtte (overall survival, days from first dose, 90-day follow-up),
adex (one row per planned BID administration), adicu (ICU, IMV, ECMO episodes),
advs (baseline vital signs), admh (Table 1 risk factors), adae (Table 2, grade 3),
adlb (CRP, IL-6, ferritin), study.yml (title, `reconstructed: true`,
`screened: 18`). Layout: the data contract in the book's data appendix.
"""


def write_published(out: Path, sol: Solution) -> None:
    """assumptions.yml and inconsistencies.yml (claims.csv is left alone)."""
    pub = out / "published"
    pub.mkdir(parents=True, exist_ok=True)
    (pub / "assumptions.yml").write_text(
        yaml.safe_dump({"assumptions": ASSUMPTIONS}, sort_keys=False, allow_unicode=True, width=100), encoding="utf-8"
    )
    conflicts = [
        {
            "id": f"conflict-{k + 1}",
            "claims": f["conflict"],
            "block": f["block"],
            "proof": "CP-SAT: minimal set of claim literals from SufficientAssumptionsForInfeasibility (deletion-minimised)"
            + (
                ""
                if f["block"] in {f"t1.{k}" for k in TABLE1}
                else "; conditional on the earlier stage's values or the chosen log-rank pattern (module docstring)"
            ),
            "relaxed": f["relaxed"],
        }
        for k, f in enumerate(sol.found)
    ]
    doc = {
        "relaxed": sorted(set(sol.relaxed)),
        "conflicts": conflicts,
        "conditional": _plain(prove_findings()),
    }
    (pub / "inconsistencies.yml").write_text(
        yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=100), encoding="utf-8"
    )


def _plain(x):
    if isinstance(x, dict):
        return {k: _plain(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [_plain(v) for v in x]
    if isinstance(x, Fraction):
        return float(x)
    return x
