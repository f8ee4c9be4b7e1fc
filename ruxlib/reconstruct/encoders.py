"""Order statistics in CP-SAT: "``a`` is the k-th smallest of a sample".

Algorithm
---------
One criterion for every sample: ``a`` is the k-th smallest (1-based) exactly when

    #(x < a) <= k - 1   and   #(x <= a) >= k.

A sample comes in one of two shapes, and the counts are read from it:

* a list of integer variables (:func:`add_kth_smallest`): one reified comparison
  per item and side; ``a`` is any integer variable. Works on large domains (the
  dose intensity in millionths).
* a histogram (:class:`Histogram`): a count per possible value; with the cumulative
  count ``F``, the k-th smallest is ``v`` iff ``F(v-) <= k - 1`` and ``F(v) >= k``, one
  selector per value. Linear in the counts, for small value sets.

``tests/test_encoders.py`` checks both against brute force on tiny domains.
"""

from __future__ import annotations

from ortools.sat.python import cp_model


def add_kth_smallest(m: cp_model.CpModel, xs: list, a, k: int, name: str) -> None:
    """Constrain ``a`` to be the k-th smallest (1-based) of the variables ``xs``."""
    le, lt = [], []
    for i, x in enumerate(xs):
        at_most = m.NewBoolVar(f"{name}.le{i}")
        m.Add(x <= a).OnlyEnforceIf(at_most)
        m.Add(x > a).OnlyEnforceIf(at_most.Not())
        below = m.NewBoolVar(f"{name}.lt{i}")
        m.Add(x < a).OnlyEnforceIf(below)
        m.Add(x >= a).OnlyEnforceIf(below.Not())
        le.append(at_most)
        lt.append(below)
    m.Add(sum(le) >= k)
    m.Add(sum(lt) <= k - 1)


class Histogram:
    """A sample of ``size`` items given as counts per value, with cumulative counts.

    Parameters
    ----------
    m : CpModel
    counts : dict
        Each possible value -> linear expression of the number of items taking it.
    size : int
        Number of items.
    name : str
        Prefix of the variable names.
    """

    def __init__(self, m: cp_model.CpModel, counts: dict, size: int, name: str = "") -> None:
        self.m, self.name = m, name
        self.values = sorted(counts)
        self.cum: dict = {}  # value -> (F(v-), F(v))
        prev = 0
        for v in self.values:
            f = m.NewIntVar(0, size, f"{name}.F{v}" if name else "")
            m.Add(f == prev + counts[v])
            self.cum[v], prev = (prev, f), f

    def kth_smallest(self, k: int, name: str = ""):
        """A linear expression equal to the k-th smallest (1-based) value of the sample."""
        m = self.m
        sel = {v: m.NewBoolVar(f"{self.name}.{name}{v}" if name else "") for v in self.values}
        m.AddExactlyOne(sel.values())
        for v in self.values:
            before, upto = self.cum[v]
            if not isinstance(before, int):
                m.Add(before <= k - 1).OnlyEnforceIf(sel[v])
            m.Add(upto >= k).OnlyEnforceIf(sel[v])
        return sum(v * sel[v] for v in self.values)
