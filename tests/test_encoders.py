"""The order-statistic encoder against brute force on tiny domains.

For every small integer sample and every k, the set of values the encoder allows for
the k-th smallest must be exactly the brute-force one (``sorted(xs)[k - 1]``).
"""

from __future__ import annotations

import itertools

import pytest
from ortools.sat.python import cp_model

from ruxlib.reconstruct.encoders import Histogram, add_kth_smallest

DOMAIN = range(0, 3)


def _allowed(build) -> set[int]:
    """Every value of the encoded k-th smallest that CP-SAT finds feasible."""
    out = set()
    for a in range(min(DOMAIN) - 1, max(DOMAIN) + 2):
        m = cp_model.CpModel()
        expr = build(m)
        m.Add(expr == a)
        if cp_model.CpSolver().Solve(m) in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            out.add(a)
    return out


@pytest.mark.parametrize("n", [1, 2, 3])
def test_kth_smallest_of_variables_equals_brute_force(n):
    for xs in itertools.product(DOMAIN, repeat=n):
        for k in range(1, n + 1):

            def build(m, xs=xs, k=k):
                vs = [m.NewIntVar(x, x, "") for x in xs]
                a = m.NewIntVar(min(DOMAIN) - 1, max(DOMAIN) + 1, "a")
                add_kth_smallest(m, vs, a, k, "t")
                return a

            assert _allowed(build) == {sorted(xs)[k - 1]}, (xs, k)


@pytest.mark.parametrize("n", [1, 2, 3, 4])
def test_kth_smallest_of_a_histogram_equals_brute_force(n):
    for xs in itertools.combinations_with_replacement(DOMAIN, n):
        for k in range(1, n + 1):

            def build(m, xs=xs, k=k):
                counts = {v: m.NewIntVar(xs.count(v), xs.count(v), "") for v in DOMAIN}
                return Histogram(m, counts, n, "h").kth_smallest(k, "q")

            assert _allowed(build) == {sorted(xs)[k - 1]}, (xs, k)


def test_kth_smallest_leaves_free_samples_free():
    """With the sample free, every value of the domain is reachable as the median of 3."""
    m = cp_model.CpModel()
    xs = [m.NewIntVar(min(DOMAIN), max(DOMAIN), "") for _ in range(3)]
    a = m.NewIntVar(-5, 5, "a")
    add_kth_smallest(m, xs, a, 2, "t")
    reach = set()
    for v in range(-5, 6):
        m2 = m.Clone()
        m2.Add(m2.GetIntVarFromProtoIndex(a.Index()) == v)
        if cp_model.CpSolver().Solve(m2) in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            reach.add(v)
    assert reach == set(DOMAIN)
