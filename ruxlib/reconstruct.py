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
3. One CP-SAT model per *independent* block (the Table 1 variables that share no
   patient-level link are independent, so solving them separately is the same as
   solving them jointly), and one model for the linked patient course
   (treatment, dosing, ICU course, day-28 status, survival, LNR groups, time to
   start). Each claim group has one assumption literal; when a block is
   infeasible, ``SufficientAssumptionsForInfeasibility`` names the conflicting
   claims, which are written to ``data/published/inconsistencies.yml`` and
   relaxed (only those), and the block is solved again.
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

``txt.sex``            3 female / 13 male
``t1.rf.<category>``   risk-factor rows (patients, factors) of Table 1
``t2.<term>``          Table 2 adverse events (grade 3), patients per term
``txt.trtdur.median|min|max``  treatment duration 20 (4-28) days
``txt.eot``            reasons for end of treatment (4/3/3/2, rest completed)
``txt.interrupt``      two interruptions: 8 days (AE) and 2.5 days (no tube)
``txt.di.median``      dose intensity median 92.9 %
``txt.di.low``         one patient at 72.5 %, all others >= 80 % (15/16 adherent)
``txt.cumdose.median|min|max``  cumulative dose 530 (105-810) mg
``txt.icu.median|min|max``      ICU days in the 28-day window 16 (6-28)
``txt.imv.median|min|max``      ventilation days 14.5 (3-28)
``txt.ecmo``           ECMO in 3 patients: 10, 28, 28 days
``txt.os28``           13/16 alive at day 28, 3 deaths before day 29
``txt.lnr.n``          14 evaluable (one leukaemia excluded, one missing)
``txt.lnr.median``     median LNR 0.07
``txt.lnr.wmw``        exact WMW p < 0.01, 11 survivors vs 3 non-survivors
``txt.logrank.chisq``  log-rank chi-square 3.9 (LNR >= median vs below)
``txt.logrank.p``      log-rank p = 0.05
``txt.start.mediandiff``  difference in medians of VENTPRED 1.5 days
``txt.start.meandiff``    difference in means 1.1 days
``txt.start.p``        WMW p = 0.03 (normal approximation)
``fig3.crp|il6|ferritin``  biomarker significance versus baseline
"""

from __future__ import annotations

import hashlib
import itertools
import math
import shutil
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import numpy as np
import pandas as pd
import yaml
from ortools.sat.python import cp_model

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
        Var("bmi", "BMI (kg/m2)", 10, 15, 60, "29.2", "6.65", "28", "22", "47.8"),
        Var("hr", "Heart rate", 1, 30, 200, "77.1", "17.1", "74.0", "55", "120", "HR", "beats/min"),
        Var("resp", "Respiratory rate", 1, 5, 60, "16.8", "5", "14.5", "12", "28", "RESP", "breaths/min"),
        Var("pfratio", "PaO2/FiO2", 1, 20, 700, "167.3", "148.7", "147.5", "55", "680", "PFRATIO", "mmHg"),
        Var("sysbp", "Systolic BP", 1, 60, 220, "109.8", "13.2", "110.0", "90", "135", "SYSBP", "mmHg"),
        Var("diabp", "Diastolic BP", 1, 20, 140, "55.4", "10.7", "55.0", "40", "80", "DIABP", "mmHg"),
        Var("temp", "Temperature", 10, 33, 42, "36.8", "1.3", "36", "35", "39.6", "TEMP", "C"),
    )
}
STATS = ("mean", "sd", "median", "min", "max")

VS_LABEL = {
    "HR": "Heart rate (beats/min)",
    "RESP": "Respiratory rate (breaths/min)",
    "PFRATIO": "PaO2/FiO2 ratio (mmHg)",
    "SYSBP": "Systolic blood pressure (mmHg)",
    "DIABP": "Diastolic blood pressure (mmHg)",
    "TEMP": "Temperature (C)",
}

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
    """Closed rounding interval of a printed number: ``"59.5"`` -> [59.45, 59.55].

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


def _bounds(text: str, scale: int, mult: int = 1) -> tuple[int, int]:
    lo, hi = interval(text)
    return _ceil(lo * scale * mult), _floor(hi * scale * mult)


def add_sd_claim(b: Block, cid: str, total, ss, n: int, scale: int, sd: str, sum_range: tuple[int, int], pad: int) -> None:
    """SD claim: ``n SS - S^2`` in ``n (n-1) [sd_lo^2, sd_hi^2]`` (scaled).

    The sum S takes few integer values (the mean pins it), so S^2 is a table over
    ``sum_range`` widened by ``pad`` (room for a relaxed mean claim).
    """
    m = b.m
    sdlo, sdhi = interval(sd)
    k = n * (n - 1) * scale * scale
    klo, khi = _ceil(k * sdlo * sdlo), _floor(k * sdhi * sdhi)
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
    b.claim(f"t1.{key}.mean", total, lo, hi)
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
    b.claim(f"t1.{key}.median", lo8 + hi9, *_bounds(var.median, s, 2))
    b.claim(f"t1.{key}.min", mn, *_bounds(var.min, s))
    b.claim(f"t1.{key}.max", mx, *_bounds(var.max, s))
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
    b.claim(f"t1.{key}.mean", total, lo, hi)
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

    b.claim(f"t1.{key}.median", order_stat(n // 2, "q8_") + order_stat(n // 2 + 1, "q9_"), *_bounds(var.median, s, 2))
    b.claim(f"t1.{key}.min", order_stat(1, "min_"), *_bounds(var.min, s))
    b.claim(f"t1.{key}.max", order_stat(n, "max_"), *_bounds(var.max, s))


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
        hvals = range(V["height"].lo, V["height"].hi + 1)
        y = {(i, h): m.NewBoolVar(f"y{i}_{h}") for i in range(N) for h in hvals}
        for i in range(N):
            m.AddExactlyOne(y[i, h] for h in hvals)
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
        status, _ = _feasible(pb, list(pb.lits), seed, 10.0)
        if status != cp_model.INFEASIBLE or attempt + 1 == tries:
            break
        wb.m.AddForbiddenAssignments(W, [tuple(ws)])
    ps, b_relaxed = solve_block(pb, seed, det_time=10.0, found=found, opt_time=0.5)
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


def _ratio_claim(b: Block, cid: str, num, den, text: str, pct: bool = False) -> None:
    """``num/den`` within the rounding interval of ``text`` (``den`` > 0): linear."""
    lo, hi = interval(text)
    if pct:
        lo, hi = lo / 100, hi / 100
    q = lo.denominator * hi.denominator
    b.claim(cid, q * num - int(lo * q) * den, 0, 10**9)
    b.claim(cid, int(hi * q) * den - q * num, 0, 10**9)


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


def build_course(seed: int, pattern: dict | None = None) -> Course:
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
    b.enforce("txt.os28", m.Add(sum(dead) == 3))

    # ---- treatment: n planned rows (BID from day 0), T = ceil(n/2) days
    n = [m.NewIntVar(2, 56, f"n{i}") for i in R]
    T = [m.NewIntVar(1, 28, f"T{i}") for i in R]
    int8 = [m.NewBoolVar(f"int8_{i}") for i in R]
    int25 = [m.NewBoolVar(f"int25_{i}") for i in R]
    for i in R:
        m.Add(2 * T[i] - 1 <= n[i])
        m.Add(n[i] <= 2 * T[i])
        m.Add(n[i] == 56).OnlyEnforceIf(eot[i, "COMPLETED"])
        m.Add(n[i] <= 55).OnlyEnforceIf(eot[i, "COMPLETED"].Not())
        m.Add(int8[i] + int25[i] <= 1)
        m.Add(n[i] >= 3 + 16 * int8[i] + 5 * int25[i])  # the missed run is followed by a dose
        # the 72.5 % patient needs P with 0.7245 P <= D: n >= 3 covers it; cumulative dose
        # needs P >= 105 mg for somebody: implied by completers
    b.enforce("txt.interrupt", m.Add(sum(int8) == 1))
    b.enforce("txt.interrupt", m.Add(sum(int25) == 1))
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
    ok25 = [k for k in range(8, 57) if 5 * (4 + 4 * (k - 7)) >= 4 * (3 * k - 2)]
    for i in R:
        m.AddLinearExpressionInDomain(n[i], cp_model.Domain.FromValues(ok8)).OnlyEnforceIf(int8[i])
        m.AddLinearExpressionInDomain(n[i], cp_model.Domain.FromValues(ok25)).OnlyEnforceIf(int25[i])

    # ---- ICU course: days in the window [0, 28]
    u = [m.NewIntVar(0, 28, f"u{i}") for i in R]
    v = [m.NewIntVar(0, 28, f"v{i}") for i in R]
    e10 = [m.NewBoolVar(f"e10_{i}") for i in R]
    e28 = [m.NewBoolVar(f"e28_{i}") for i in R]
    b.enforce("txt.ecmo", m.Add(sum(e10) == 1))
    b.enforce("txt.ecmo", m.Add(sum(e28) == 2))
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
    _order_claims(b, "txt.icu", u, "16", "6", "28", 1, 0, 28)
    _order_claims(b, "txt.imv", v, "14.5", "3", "28", 1, 0, 28)

    # ---- time to start: VENTPRED in half days
    w = [m.NewIntVar(0, 20, f"w{i}") for i in R]
    tw = rng.integers(0, 12, N)
    for i in R:
        b.cost.append((1, b.absdev(w[i], int(tw[i]), 20)))

    # ---- LNR analysis set and groups
    member = [m.NewBoolVar(f"lnr{i}") for i in R]
    leuk = [m.NewBoolVar(f"leuk{i}") for i in R]
    miss = [m.NewBoolVar(f"miss{i}") for i in R]
    high = [m.NewBoolVar(f"high{i}") for i in R]
    b.enforce("txt.lnr.n", m.Add(sum(leuk) == 1))
    b.enforce("txt.lnr.n", m.Add(sum(miss) == 1))
    for i in R:
        m.Add(member[i] + leuk[i] + miss[i] == 1)
        m.AddImplication(high[i], member[i])
        m.AddImplication(dead[i], member[i])
        b.enforce("txt.lnr.wmw", m.AddImplication(dead[i], high[i].Not()))
    noise = rng.integers(0, 4, (N, len(EOT)))
    for i in R:
        for k, r in enumerate(EOT):
            b.cost.append((int(noise[i, k]), eot[i, r]))
    return Course(b, eot, d28, n, T, int8, int25, low, u, v, e10, e28, w, member, high, leuk, miss, dead)


def _order_claims(b: Block, prefix: str, xs: list, median: str, mn: str, mx: str, scale, lo: int, hi: int) -> None:
    """Median (8th + 9th order statistic), min and max claims on unsorted ``xs``."""
    m = b.m
    a = m.NewIntVar(lo, hi, f"{prefix}.q8")
    c = m.NewIntVar(lo, hi, f"{prefix}.q9")
    add_order_stat(m, xs, a, N // 2, f"{prefix}.q8")
    add_order_stat(m, xs, c, N // 2 + 1, f"{prefix}.q9")
    b.claim(f"{prefix}.median", a + c, *_bounds(median, scale, 2))
    x0 = m.NewIntVar(lo, hi, "")
    x1 = m.NewIntVar(lo, hi, "")
    m.AddMinEquality(x0, xs)
    m.AddMaxEquality(x1, xs)
    b.claim(f"{prefix}.min", x0, *_bounds(mn, scale))
    b.claim(f"{prefix}.max", x1, *_bounds(mx, scale))


def build_dosing(seed: int, n: list[int], zeros: list[int], low: int) -> tuple[Block, list, dict]:
    """Doses given the planned rows ``n`` and missed rows ``zeros`` per patient.

    Doses in 5 mg units; day-0 rows are 10 mg as planned; later rows take 0 (only
    the interruption), 5, 10, 15 or 20 mg (A-DOSE), never more than planned in
    total. Dose intensity r = floor(10^6 D / P) (P = planned): with the 72.5 %
    patient and adherence linear, and the median via order statistics on r, with
    r8 + r9 in [1857000, 1858998], which guarantees the exact mean of the two
    ratios in [0.9285, 0.9295].
    """
    b = Block("dosing")
    m = b.m
    R = range(N)
    c = {(i, k): m.NewIntVar(0, 54, f"c{i}_{k}") for i in R for k in range(5)}
    D, r = [], []
    for i in R:
        P = 3 * n[i] - 2
        m.Add(c[i, 0] == zeros[i])
        m.Add(sum(c[i, k] for k in range(5)) == n[i] - 2)
        d = m.NewIntVar(0, 4 * n[i], f"D{i}")
        m.Add(d == 4 + sum(k * c[i, k] for k in range(5)))
        x = m.NewIntVar(0, 10**6, f"r{i}")
        m.AddDivisionEquality(x, 10**6 * d, P)
        D.append(d)
        r.append(x)
        b.cost += [(3, c[i, 1]), (2, c[i, 2]), (4, c[i, 4])]
    adh = [m.NewBoolVar(f"adh{i}") for i in R]
    for i in R:
        P = 3 * n[i] - 2
        m.Add(5 * D[i] >= 4 * P).OnlyEnforceIf(adh[i])
        m.Add(10000 * D[i] >= 7245 * P).OnlyEnforceIf(adh[i].Not())
        m.Add(10000 * D[i] <= 7255 * P).OnlyEnforceIf(adh[i].Not())
    b.enforce("txt.di.low", m.Add(sum(adh) == N - 1))
    m.Add(adh[low] == 0)
    a8 = m.NewIntVar(0, 10**6, "r.q8")
    a9 = m.NewIntVar(0, 10**6, "r.q9")
    add_order_stat(m, r, a8, N // 2, "r.q8")
    add_order_stat(m, r, a9, N // 2 + 1, "r.q9")
    b.claim("txt.di.median", a8 + a9, 1857000, 1858998)
    _order_claims(b, "txt.cumdose", D, "530", "105", "810", Fraction(1, 5), 0, 166)
    noise = np.random.default_rng([seed, _stable("dose")]).integers(0, 3, N)
    b.cost += [(int(noise[i]), c[i, 2]) for i in R]
    return b, D, c


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
    for k in ("age", "hr", "resp", "pfratio", "sysbp", "diabp", "temp"):
        t1[k], rel = solve_table1_var(k, key, found)
        relaxed += rel
    anthro, rel = solve_anthropometry(key, found)
    relaxed += rel
    course = build_course(key)
    cs, rel = solve_block(course.b, key, det_time=30.0, found=found, opt_time=1.0)
    relaxed += rel
    V = {name: [cs.Value(x) for x in getattr(course, name)] for name in ("n", "T", "u", "v", "w")}
    for name in ("int8", "int25", "low", "ecmo10", "ecmo28", "member", "high", "leuk", "miss", "dead"):
        V[name] = [bool(cs.Value(x)) for x in getattr(course, name)]
    V["eot"] = [next(r for r in EOT if cs.Value(course.eot[i, r])) for i in range(N)]
    V["d28"] = [next(s for s in D28 if cs.Value(course.d28[i, s])) for i in range(N)]
    zeros = [16 * a + 5 * b for a, b in zip(V["int8"], V["int25"], strict=True)]
    db, D, c = build_dosing(key, V["n"], zeros, V["low"].index(True))
    ds, rel = solve_block(db, key, det_time=30.0, found=found, opt_time=1.0)
    relaxed += rel
    rng = np.random.default_rng([key, _stable("layout")])
    doses = []
    for i in range(N):
        counts = [ds.Value(c[i, k]) for k in range(5)]
        reason = "ADVERSE EVENT" if V["int8"][i] else ("NO GASTRIC TUBE" if V["int25"][i] else "")
        doses.append(_dose_rows(rng, V["n"][i], counts, zeros[i], reason))
    os_ = [(float(V["T"][i]), 0) if V["dead"][i] else (float(FOLLOWUP), 1) for i in range(N)]
    lnr = [float("nan")] * N
    return Solution(V, doses, anthro, t1, os_, lnr, relaxed, found)


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
            icu1 = u if u < HORIZON or V["eot"][i] == "TRANSFERRED" else HORIZON + extra
            if alive_end is not None:
                icu1 = min(icu1, alive_end) if u < HORIZON else alive_end
            imv1 = v if v < HORIZON else icu1
            if V["d28"][i] == "ICU" and v >= HORIZON:
                imv1 = HORIZON
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
    must = [i for i in range(N) if V["eot"][i] == "ADVERSE EVENT" or V["int8"][i]]
    rows = []
    pending = list(must)
    for term, k in TABLE2:
        pool = [int(i) for i in rng.permutation(N)]
        chosen = []
        while pending and len(chosen) < k:
            chosen.append(pending.pop(0))
        chosen += [i for i in pool if i not in chosen][: k - len(chosen)]
        for i in chosen:
            hi = max(1, V["T"][i] - 1)
            rows.append((ids[i], term, 3, "Y", float(int(rng.integers(0, hi + 1)))))
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
        "source": "Neubauer A et al. Leukemia 2021;35:2917-2923. doi:10.1038/s41375-021-01374-3",
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
    out = Path(out)
    digests = set()
    for k in range(solutions):
        target = out if solutions == 1 else out / f"solution-{k + 1}"
        variant = k
        while True:
            sol = solve_all(seed, variant)
            fr = frames(sol, seed * 1000 + variant)
            digest = hashlib.sha256(pd.concat([f.astype(str) for f in fr.values()]).to_csv().encode()).hexdigest()
            if digest not in digests:
                break
            variant += solutions
        digests.add(digest)
        write_folder(target, fr, study_meta(seed, variant))
        if k == 0:
            write_inconsistencies(out, sol)
    return 0


def write_inconsistencies(out: Path, sol: Solution) -> None:
    pub = out / "published"
    pub.mkdir(parents=True, exist_ok=True)
    doc = {"relaxed": sorted(set(sol.relaxed)), "conflicts": sol.found}
    (pub / "inconsistencies.yml").write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
