"""The time-to-start model: days ventilated before the first dose (VENTPRED) by day-28 group.

Algorithm
---------
VENTPRED in half days is a histogram per group (patients dead or ventilated at day 28,
patients on a ward). The medians are order statistics of the histograms
(:class:`~.encoders.Histogram`), the means linear in the counts, and the WMW p of SAS
NPAR1WAY (normal approximation, continuity correction, tie-corrected variance) a
bound on ``z^2`` that is linear in ``A^2`` and the tie count.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
from scipy.stats import norm

from .cpsat import Block, stable_seed
from .encoders import Histogram
from .targets import N, paper

P_VALUE = paper("txt.tts.p")
DIFF_MEDIAN = paper("txt.tts.diff_median")
DIFF_MEAN = paper("txt.tts.diff_mean")


def z2_bounds(p_value=P_VALUE, decimals: int = 3) -> tuple[Fraction, Fraction]:
    """Bounds of ``z^2``, on a grid of ``10^-decimals``, for a two-sided p in the printed interval.

    Both ends are rounded down to the grid (as the shipped data were made): the upper
    bound is then sufficient, the lower one admits p up to about 1e-5 above the
    interval's upper end (0.035 for a printed 0.03).
    """
    lo, hi = p_value.interval()
    grid = 10**decimals
    z2_lo = Fraction(math.floor(norm.isf(float(hi) / 2) ** 2 * grid), grid)
    z2_hi = Fraction(math.floor(norm.isf(float(lo) / 2) ** 2 * grid), grid)
    return z2_lo, z2_hi


def build_time_to_start(nb: int, ng: int, seed: int, no_ties: bool = False,
                        sample: int | None = None) -> tuple[Block, dict, dict]:
    """VENTPRED (half days, 0-10 days) as histograms of ``nb`` patients {DEAD, ICU
    VENTILATED} and ``ng`` ACUTE CARE patients.

    Claims: medians differ by 1.5 days, means by 1.1 (rounding); the two-sided WMW p
    (normal approximation with continuity correction and tie-corrected variance, as SAS
    NPAR1WAY) rounds to 0.03. With A = 2U - nb ng - 1 (U counts ties as 1/2) and
    TC = sum(t^3 - t) over tie groups, z = A / (2 sigma) and
    sigma^2 = nb ng / 12 ((N + 1) - TC / (N (N - 1))), so
    z^2 within :func:`z2_bounds` is linear in A^2 and TC (both exact integers).
    ``sample`` seeds a random objective (:func:`~.cpsat.random_objective`).
    """
    b = Block(f"start[{nb},{ng}]", sample=sample)
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
    z2_lo, z2_hi = z2_bounds()
    b.claim("txt.tts.p", z2_lo.denominator * lhs - 4 * z2_lo.numerator * nb * ng * core, 0, 10**15)
    b.claim("txt.tts.p", 4 * z2_hi.numerator * nb * ng * core - z2_hi.denominator * lhs, 0, 10**15)

    def med2(c: dict, size: int):  # twice the median
        hist = Histogram(m, c, size)
        return hist.kth_smallest((size + 1) // 2) + hist.kth_smallest(size // 2 + 1)

    # medians in half days: (med2_b - med2_g) / 4 days
    b.claim_printed("txt.tts.diff_median", med2(cb, nb) - med2(cg, ng), DIFF_MEDIAN, 4)
    # means: (sum_b / nb - sum_g / ng) / 2 days in the closed printed interval; with
    # q = 10^(decimals + 1) its ends times 2q are integers
    q = 10 ** (DIFF_MEAN.decimals + 1)
    lo, hi = DIFF_MEAN.interval()
    diff = q * (ng * sum(v * cb[v] for v in levels) - nb * sum(v * cg[v] for v in levels))
    b.claim("txt.tts.diff_mean", diff - int(2 * q * lo) * nb * ng, 0, 10**7)
    b.claim("txt.tts.diff_mean", int(2 * q * hi) * nb * ng - diff, 0, 10**7)
    rng = np.random.default_rng([seed, stable_seed("start"), nb, ng])
    pref = rng.integers(0, 4, (2, len(levels)))
    for v in levels:
        b.cost.append((int(pref[0, v]) + v // 3 + (v > 14) * 5, cb[v]))
        b.cost.append((int(pref[1, v]) + v // 3 + (v > 14) * 5, cg[v]))
        for c in (cb[v], cg[v]):  # spread the values: penalise more than two per level
            e = m.NewIntVar(0, N, "")
            m.Add(e >= c - 2)
            b.cost.append((20, e))
    b.free = [*cb.values(), *cg.values()]
    return b, cb, cg

