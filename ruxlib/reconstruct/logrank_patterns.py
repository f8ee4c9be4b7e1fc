"""The log-rank pattern enumeration: every event order that gives the printed chi-square.

Algorithm
---------
The two-group log-rank statistic depends only on the order of events (deaths and
censorings by group) and the group sizes. The low group holds the early deaths
(Fig. 4); every tie structure of them and every sequence of censor/death blocks after
day 28 is enumerated depth first, the statistic computed in exact rational arithmetic.
"""

from __future__ import annotations

from fractions import Fraction

from .targets import DEATHS, count, paper, within

EARLY_TIES = ((1, 1, 1), (2, 1), (1, 2), (3,))  # tie structures of the three early deaths

CHISQ = paper("txt.logrank.chisq")
EVALUABLE = count("fig4.n_evaluable")  # the LNR analysis set


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
    """All event patterns of the LNR analysis set whose chi-square prints as the paper's.

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
    for L in range(DEATHS, EVALUABLE // 2 + 1):
        H = EVALUABLE - L
        for early in EARLY_TIES:
            steps, n1 = [], L
            for d in early:
                steps.append((n1, n1 + H, d, d))
                n1 -= d
            _late_events(L, early, L - DEATHS, H, steps, [], max_late, found)
    found.sort(
        key=lambda p: (len(p["late"]), abs(p["L"] - 7), 3 - len(p["early"]), sum(c + d for c, d, _ in p["late"]), str(p))
    )
    return found


def _late_events(L: int, early: tuple, nl: int, nh: int, steps: list, late: list, max_late: int, found: list) -> None:
    """Depth-first enumeration of censor/death blocks after day 28 (see above)."""
    x = logrank_chisq(steps)
    if within(CHISQ, x):
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
    for L in range(DEATHS, EVALUABLE // 2 + 1):
        for early in EARLY_TIES:
            steps, n1 = [], L
            for d in early:
                steps.append((n1, n1 + EVALUABLE - L, d, d))
                n1 -= d
            rows.append({"L": L, "H": EVALUABLE - L, "early": list(early), "chisq": round(float(logrank_chisq(steps)), 4)})
    return rows
