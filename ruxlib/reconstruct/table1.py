"""The Table 1 model: mean, SD, median, min and max of each continuous variable.

Algorithm
---------
Values are integers at the precision of :data:`~.targets.TABLE1` (A-PREC). A mean
bounds the sum, an SD bounds ``n·Σx² − (Σx)²``, a median of 16 bounds the sum of the
8th and 9th order statistics. Variables without a patient-level link are solved
alone, as sorted samples (:func:`solve_table1_var`). Weight, height and BMI are
linked through ``BMI = weight / height²`` (:func:`solve_anthropometry`).
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd

from ..printed import Printed
from .cpsat import Block, solve_block, stable_seed
from .encoders import Histogram
from .targets import TABLE1, N, Var, count


def add_sd_claim(b: Block, cid: str, total, ss, n: int, scale: int, sd: Printed, sum_range: tuple[int, int], pad: int) -> None:
    """SD claim: ``n SS - S^2`` in ``n (n-1) [sd_lo^2, sd_hi^2]`` (scaled).

    The sum S takes few integer values (the mean pins it), so S^2 is a table over
    ``sum_range`` widened by ``pad`` (room for a relaxed mean claim).
    """
    m = b.m
    (sdlo, sdhi), (_, hi_in) = sd.interval(), sd.closed()
    k = n * (n - 1) * scale * scale
    top = k * sdhi * sdhi
    klo, khi = math.ceil(k * sdlo * sdlo), math.floor(top) - (1 if top.denominator == 1 and not hi_in else 0)
    lo, hi = sum_range[0] - pad, sum_range[1] + pad
    sel = {t: m.NewBoolVar(f"{cid}.S{t}") for t in range(max(lo, 0), hi + 1)}
    m.AddExactlyOne(sel.values())
    m.Add(total == sum(t * x for t, x in sel.items()))
    t2 = sum(t * t * x for t, x in sel.items())
    b.claim(cid, n * ss - t2, klo, khi, big=10**12)


def _mean(b: Block, var: Var, total) -> None:
    b.claim_printed(f"t1.{var.key}.mean", total, var.stat("mean"), var.scale * N)


def _sd(b: Block, var: Var, total, ss) -> None:
    s = var.scale
    sums = var.stat("mean").int_bounds(s * N)
    add_sd_claim(b, f"t1.{var.key}.sd", total, ss, N, s, var.stat("sd"), sums, pad=2 * N * s)


def _median_min_max(b: Block, var: Var, q8, q9, mn, mx) -> None:
    s = var.scale
    b.claim_printed(f"t1.{var.key}.median", q8 + q9, var.stat("median"), s * 2)
    b.claim_printed(f"t1.{var.key}.min", mn, var.stat("min"), s)
    b.claim_printed(f"t1.{var.key}.max", mx, var.stat("max"), s)


def add_sorted_summary(b: Block, xs: list, var: Var) -> None:
    """Constrain mean, SD, median, min, max of the sorted integer variables ``xs`` (values / scale)."""
    m = b.m
    ub = var.hi * var.scale
    total = m.NewIntVar(0, N * ub, f"{var.key}.sum")
    m.Add(total == sum(xs))
    _mean(b, var, total)
    sq = []
    for i, x in enumerate(xs):
        q = m.NewIntVar(0, ub * ub, f"{var.key}.sq{i}")
        m.AddMultiplicationEquality(q, [x, x])
        sq.append(q)
    ss = m.NewIntVar(0, N * ub * ub, f"{var.key}.ss")
    m.Add(ss == sum(sq))
    _sd(b, var, total, ss)
    for a, c in itertools.pairwise(xs):
        m.Add(a <= c)
    _median_min_max(b, var, xs[N // 2 - 1], xs[N // 2], xs[0], xs[-1])


def add_hist_summary(b: Block, var: Var, groups: dict[int, list]) -> None:
    """The same claims on a sample given as a histogram: ``groups`` maps each possible
    scaled value to the 0/1 variables of the items that take it (N items in all)."""
    m = b.m
    cnt = {v: sum(groups[v]) for v in sorted(groups)}
    ub = max(cnt)
    total = m.NewIntVar(0, N * ub, f"{var.key}.sum")
    m.Add(total == sum(v * c for v, c in cnt.items()))
    _mean(b, var, total)
    ss = m.NewIntVar(0, N * ub * ub, f"{var.key}.ss")
    m.Add(ss == sum(v * v * c for v, c in cnt.items()))
    _sd(b, var, total, ss)
    hist = Histogram(m, cnt, N, var.key)
    s = var.scale
    median2 = hist.kth_smallest(N // 2, "q8_") + hist.kth_smallest(N // 2 + 1, "q9_")
    b.claim_printed(f"t1.{var.key}.median", median2, var.stat("median"), s * 2)
    b.claim_printed(f"t1.{var.key}.min", hist.kth_smallest(1, "min_"), var.stat("min"), s)
    b.claim_printed(f"t1.{var.key}.max", hist.kth_smallest(N, "max_"), var.stat("max"), s)


def _targets(var: Var, rng: np.random.Generator) -> np.ndarray:
    """Seeded plausible values: normal with the printed mean and SD, clipped to the printed range."""
    mu, sd = float(var.stat("mean").value), float(var.stat("sd").value)
    x = np.sort(np.clip(rng.normal(mu, sd, N), float(var.stat("min").value), float(var.stat("max").value)))
    return x * var.scale


def table1_block(key: str, sample: int | None = None) -> tuple[Block, list]:
    """The block of one independent Table 1 variable and its sorted scaled values."""
    b = Block(f"t1.{key}", sample=sample)
    var = TABLE1[key]
    xs = [b.m.NewIntVar(var.lo * var.scale, var.hi * var.scale, f"{key}{i}") for i in range(N)]
    add_sorted_summary(b, xs, var)
    b.free = xs
    return b, xs


def solve_table1_var(key: str, seed: int, found: list, sample: int | None = None) -> tuple[list[int], list[str]]:
    """Solve one independent Table 1 variable: sorted scaled values nearest to seeded targets
    (or, with ``sample``, optimal for a random objective)."""
    b, xs = table1_block(key, sample)
    var = TABLE1[key]
    t = _targets(var, np.random.default_rng([seed, stable_seed(key)]))
    span = (var.hi - var.lo) * var.scale
    for x, tk in zip(xs, t, strict=True):
        b.cost.append((1, b.absdev(x, int(round(tk)), span)))
    s, relaxed = solve_block(b, seed, det_time=10.0, found=found, opt_time=0.3)
    return [s.Value(x) for x in xs], relaxed


def bmi10(weight: int, height: int) -> int:
    """BMI x 10 rounded half up, from integer kg and cm."""
    return (2 * 10**5 * weight + height * height) // (2 * height * height)


def solve_anthropometry(seed: int, found: list, tries: int = 8, sample: int | None = None) -> tuple[pd.DataFrame, list[str]]:
    """Weight (integer kg), height (integer cm) and BMI (0.1) linked per patient.

    Algorithm
    ---------
    Two exact stages: the weight sample (its own claims), then a CP-SAT assignment
    of a height to each weight so that the heights and the BMIs (weight/height²,
    rounded to 0.1) meet their claims. If no assignment exists, the weight sample is
    excluded (no-good) and the stages repeat.
    """
    weight, height = TABLE1["weight"], TABLE1["height"]
    rng = np.random.default_rng([seed, stable_seed("anthro")])
    # the weights keep their seeded targets even when sampling: extreme weight samples
    # leave no height assignment, and the no-good retries then cost minutes
    wb = Block("t1.weight")
    W = [wb.m.NewIntVar(weight.lo, weight.hi, f"w{i}") for i in range(N)]
    add_sorted_summary(wb, W, weight)
    for x, tk in zip(W, _targets(weight, rng), strict=True):
        wb.cost.append((1, wb.absdev(x, int(round(tk)), 200)))
    height_targets = _targets(height, rng)
    lo, hi = height.stat("min").int_bounds()[0], height.stat("max").int_bounds()[1]
    for attempt in range(tries):
        s, w_relaxed = solve_block(wb, seed + attempt, det_time=10.0, found=found if attempt == 0 else None, opt_time=0.3)
        ws = [s.Value(x) for x in W]
        pb = Block("t1.height_bmi", sample=sample)
        m = pb.m
        hvals = range(lo - 2 * attempt, hi + 1 + 2 * attempt)  # widened only on retries
        y = {(i, h): m.NewBoolVar(f"y{i}_{h}") for i in range(N) for h in hvals}
        pb.free = list(y.values())
        hexpr = []
        for i in range(N):
            m.AddExactlyOne(y[i, h] for h in hvals)
            hexpr.append(sum(h * y[i, h] for h in hvals))
            if i and ws[i] == ws[i - 1]:
                m.Add(hexpr[i - 1] <= hexpr[i])  # equal weights are interchangeable
        by_height: dict[int, list] = {}
        by_bmi: dict[int, list] = {}
        for (i, h), v in y.items():
            by_height.setdefault(h, []).append(v)
            by_bmi.setdefault(bmi10(ws[i], h), []).append(v)
        add_hist_summary(pb, height, by_height)
        add_hist_summary(pb, TABLE1["bmi"], by_bmi)
        for h, vs in by_height.items():
            d = int(np.min(np.abs(height_targets - h)))
            pb.cost += [(d, v) for v in vs]
        trial: list = []
        ps, b_relaxed = solve_block(pb, seed, det_time=10.0, found=trial, opt_time=2.0)
        if not trial or attempt + 1 == tries:
            if found is not None:
                found += trial
            break
        wb.m.AddForbiddenAssignments(W, [tuple(ws)])
    rows = [(ws[i], h) for (i, h), v in y.items() if ps.Value(v)]
    out = pd.DataFrame(rows, columns=["WEIGHTBL", "HEIGHTBL"])
    out["BMIBL"] = [bmi10(w, h) / 10 for w, h in rows]
    # sex: the shortest patients are the women (assumption A-SEX)
    out = out.sort_values(["HEIGHTBL", "WEIGHTBL"], kind="stable").reset_index(drop=True)
    women = count("t1.sex.f")
    out["SEX"] = ["F"] * women + ["M"] * (N - women)
    return out, w_relaxed + b_relaxed
