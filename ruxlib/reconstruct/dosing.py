"""The dosing model: exact doses per administration, dose intensity and cumulative dose.

Algorithm
---------
Doses are counted in 5 mg units. The plan of a patient with ``n`` BID administrations
is ``P = 3n - 2`` units (10 mg twice on day 0, then 15 mg; A-DOSE). A dose intensity
``D / P`` that prints as a percentage is linear in ``D`` and ``P`` with the interval of
:class:`~ruxlib.printed.Printed` (:func:`add_low_intensity`, :func:`add_adherent`); the
median intensity uses order statistics on ``floor(10^6 D / P)``.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
from ortools.sat.python import cp_model

from .cpsat import Block, add_range_claims, stable_seed
from .encoders import add_kth_smallest
from .targets import HORIZON, N, count, paper, within

LOW = paper("txt.di.below80_value")  # the one patient below the threshold, percent
THRESHOLD = paper("ctx.di.threshold").value / 100  # "all others at least 80 %"
MEDIAN = paper("txt.di.median")  # percent
ROWS = 2 * HORIZON  # BID administrations of a completed course
MILLION = 10**6  # dose intensity kept in millionths (floor)


def dose_plan(rows: int) -> int:
    """Planned 5 mg units of ``rows`` administrations: 2 x 10 mg on day 0, then 15 mg each."""
    return 3 * rows - 2


def max_dose(rows: int, missed: int) -> int:
    """Largest dose (5 mg units) with ``missed`` administrations at 0 and the rest at 20 mg after day 0."""
    return 4 + 4 * (rows - 2 - missed)


def at_low_intensity(dose: int, rows: int) -> bool:
    """Whether ``dose`` units of the plan of ``rows`` administrations print as the low intensity."""
    return within(LOW, Fraction(100 * dose, dose_plan(rows)))


def adherent(dose: int, rows: int) -> bool:
    """Whether ``dose`` units reach the adherence threshold of the plan of ``rows`` administrations."""
    return dose * THRESHOLD.denominator >= THRESHOLD.numerator * dose_plan(rows)


def add_adherent(m: cp_model.CpModel, dose, plan, enforce) -> None:
    """``dose / plan`` at least the adherence threshold, when ``enforce``."""
    m.Add(THRESHOLD.denominator * dose >= THRESHOLD.numerator * plan).OnlyEnforceIf(enforce)


def add_low_intensity(m: cp_model.CpModel, dose, plan, enforce) -> None:
    """``100 dose / plan`` prints as the low intensity, when ``enforce``.

    With ``q = 10^(decimals + 1)`` the interval ends times ``q`` are integers:
    ``lo q P <= 100 q D <= hi q P``, the upper end strict when it does not print so.
    """
    q = 10 ** (LOW.decimals + 1)
    (lo, hi), (_, hi_in) = LOW.interval(), LOW.closed()
    m.Add(100 * q * dose >= int(lo * q) * plan).OnlyEnforceIf(enforce)
    m.Add(100 * q * dose <= int(hi * q) * plan - (0 if hi_in else 1)).OnlyEnforceIf(enforce)


def median_bounds() -> tuple[int, int]:
    """Bounds of ``r8 + r9`` (floored millionths) that guarantee the median prints as printed.

    Each ratio lies in ``[r, r + 1)`` millionths, so their sum ``s`` in ``[r8 + r9, r8 + r9 + 2)``;
    ``s`` prints as the median (in percent, as a mean of two) for integers up to ``hi``.
    """
    lo, hi = MEDIAN.int_bounds(2 * MILLION // 100)
    return lo, hi - 1


def build_dosing(seed: int, T: list[int], completed: list[bool], zeros: list[int], low: int,
                 sample: int | None = None) -> tuple[Block, list, dict, list]:
    """Doses given the treatment days ``T`` and missed rows ``zeros`` per patient.

    The number of planned rows n is 2T - 1 or 2T (last dose in the morning or the
    evening of the last day; all rows for completers). Doses in 5 mg units; day-0 rows
    are 10 mg as planned; later rows take 0 (only the interruption), 5, 10, 15 or 20 mg
    (A-DOSE). Dose intensity r = floor(10^6 D / P) (P = 3n - 2 planned units): the
    low-intensity patient and adherence are linear; the median via order statistics on
    r, with r8 + r9 within :func:`median_bounds`. ``sample`` seeds a random objective
    (:func:`~.cpsat.random_objective`) instead of the plausibility one.
    """
    b = Block("dosing", sample=sample)
    m = b.m
    R = range(N)
    c = {(i, k): m.NewIntVar(0, ROWS - 2, f"c{i}_{k}") for i in R for k in range(5)}
    D, r, n, Pv = [], [], [], []
    for i in R:
        lo = ROWS if completed[i] else max(2, 2 * T[i] - 1)
        hi = ROWS if completed[i] else min(ROWS - 2, 2 * T[i])
        ni = m.NewIntVar(max(lo, 3 + zeros[i] if zeros[i] else lo), hi, f"n{i}")
        P = m.NewIntVar(4, dose_plan(ROWS), f"P{i}")
        m.Add(P == 3 * ni - 2)
        m.Add(c[i, 0] == zeros[i])
        m.Add(sum(c[i, k] for k in range(5)) == ni - 2)
        d = m.NewIntVar(0, 4 * ROWS, f"D{i}")
        m.Add(d == 4 + sum(k * c[i, k] for k in range(5)))
        x = m.NewIntVar(0, MILLION, f"r{i}")
        m.AddDivisionEquality(x, MILLION * d, P)
        D.append(d)
        r.append(x)
        n.append(ni)
        Pv.append(P)
        b.cost += [(3, c[i, 1]), (2, c[i, 2]), (4, c[i, 4])]
    adh = [m.NewBoolVar(f"adh{i}") for i in R]
    for i in R:
        P = Pv[i]
        add_adherent(m, D[i], P, adh[i])
        add_low_intensity(m, D[i], P, adh[i].Not())
    b.enforce("txt.di.below80_value", m.Add(sum(adh) == N - count("txt.di.below80_n")))
    m.Add(adh[low] == 0)
    a8 = m.NewIntVar(0, MILLION, "r.q8")
    a9 = m.NewIntVar(0, MILLION, "r.q9")
    add_kth_smallest(m, r, a8, N // 2, "r.q8")
    add_kth_smallest(m, r, a9, N // 2 + 1, "r.q9")
    b.claim("txt.di.median", a8 + a9, *median_bounds())
    add_range_claims(b, "txt.cumdose", D, Fraction(1, 5), 0, dose_plan(ROWS))
    noise = np.random.default_rng([seed, stable_seed("dose")]).integers(0, 3, N)
    b.cost += [(int(noise[i]), c[i, 2]) for i in R]
    b.free = list(c.values())
    return b, D, c, n


def dose_rows(rng: np.random.Generator, n: int, counts: list[int], zeros: int, reason: str) -> list:
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
