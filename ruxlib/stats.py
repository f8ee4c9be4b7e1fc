"""Rank tests, multiplicity adjustment, exact binomial intervals, and the result types of every test.

The Wilcoxon-Mann-Whitney test follows SAS PROC NPAR1WAY (and R ``coin``):
mid-ranks for ties; the exact p-value is the exact *conditional* permutation
distribution of the rank sum given the tie pattern, and the normal
approximation uses the tie-corrected variance with a 0.5 continuity
correction. scipy's exact Mann-Whitney distribution assumes no ties, so it is
not used here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from html import escape
from typing import TYPE_CHECKING

import numpy as np
from scipy import stats as _st

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "kth_walsh",
    "walsh_median",
    "WALSH_LIST_N",
    "EXACT_LIMIT_N",
    "EXACT_MAX_N",
    "HL_EXACT_N",
    "ConfidenceInterval",
    "ExactTooLarge",
    "Shift",
    "TestResult",
    "binomial_test",
    "clopper_pearson",
    "cp_width",
    "n_for_width",
    "hodges_lehmann",
    "holm",
    "kth_difference",
    "signed_rank",
    "smallest_exact_p",
    "wmw",
]

EXACT_MAX_N = 50
"""With ``exact=None`` the exact p-value is used when the total sample size is at most this,
the normal approximation with continuity correction above it (R's ``wilcox.test`` rule)."""

EXACT_LIMIT_N = 100
"""The largest total sample size for which ``exact=True`` is honoured. The exact counting
costs about N⁴/4 integer additions and N³/2 integers of memory for the rank-sum test (1 s at
N = 100, 10 s at N = 200, 352 GiB at N = 10,000); above this, ``exact=True`` raises
:class:`ExactTooLarge` instead of running for hours or exhausting memory."""


class ExactTooLarge(ValueError):
    """``exact=True`` was asked for a sample too large to count exactly (see :data:`EXACT_LIMIT_N`)."""


def _use_exact(exact: bool | None, n: int, test: str) -> bool:
    """Whether to count exactly: ``exact``, or by size when it is ``None``; refuse what cannot be done.

    Algorithm
    ---------
    ``None`` → exact when ``n <= EXACT_MAX_N``. ``True`` with ``n > EXACT_LIMIT_N`` →
    :class:`ExactTooLarge`, naming the test, n and the alternative. Otherwise ``exact``.
    """
    if exact is None:
        return n <= EXACT_MAX_N
    if exact and n > EXACT_LIMIT_N:
        raise ExactTooLarge(
            f"the exact {test} test is limited to {EXACT_LIMIT_N} observations (got {n}); "
            "use exact=None (normal approximation above "
            f"{EXACT_MAX_N}) or exact=False"
        )
    return bool(exact)


def _format_p(p: float) -> str:
    return "p < 0.001" if p < 0.001 else f"p = {p:.2g}"


@dataclass(frozen=True)
class TestResult:
    """The result of a hypothesis test; every test in ruxlib returns one.

    Attributes
    ----------
    statistic : float
        The test statistic (its name is ``symbol``).
    pvalue : float
        Two-sided p-value (for the log-rank test the upper chi-square tail;
        for :func:`binomial_test` the side its ``test`` names).
    method : str
        How the p-value was obtained: ``"exact"``, ``"normal"``, ``"chi-square"`` or
        ``"Monte Carlo"`` (random permutations, :func:`ruxlib.survival.logrank_permutation`).
    n : int
        Subjects used in total (for :func:`signed_rank`, the pairs with a
        non-zero difference).
    df : int or None
        Degrees of freedom of a chi-square statistic; None for rank tests.
    test : str
        The test's name, e.g. ``"Wilcoxon–Mann–Whitney"``.
    symbol : str
        The statistic's symbol, e.g. ``"W"``, ``"V"``, ``"χ²"``.
    sizes : tuple of int
        Sample size per group, in the order the groups were given (for
        :func:`wmw`, ``(n_x, n_y)``).
    expected : float or None
        Rank tests: the mean of the statistic under the null hypothesis.
    u : float or None
        :func:`wmw` only: Mann-Whitney U of ``x`` = W - n_x (n_x + 1) / 2
        (what R ``wilcox.test`` reports as ``W``).
    table : pandas.DataFrame or None
        Log-rank test only: per group ``n``, ``observed`` and ``expected`` events.
    """

    __test__ = False  # not a pytest test class

    statistic: float
    pvalue: float
    method: str
    n: int
    df: int | None = None
    test: str = ""
    symbol: str = ""
    sizes: tuple[int, ...] = ()
    expected: float | None = None
    u: float | None = None
    table: pd.DataFrame | None = field(default=None, repr=False, compare=False)

    def summary(self) -> str:
        """One readable line, e.g. ``"Wilcoxon–Mann–Whitney, exact: W = 12, p = 0.031 (n = 14)"``."""
        df = f", df = {self.df}" if self.df is not None else ""
        return (f"{self.test}, {self.method}: {self.symbol} = {self.statistic:.4g}{df}, "
                f"{_format_p(self.pvalue)} (n = {self.n})")

    def _repr_html_(self) -> str:
        cells = [("test", self.test), ("method", self.method), (self.symbol or "statistic", f"{self.statistic:.4g}")]
        if self.df is not None:
            cells.append(("df", str(self.df)))
        cells += [("p", f"{self.pvalue:.4g}"), ("n", str(self.n))]
        if len(self.sizes) > 1:
            cells.append(("per group", " / ".join(map(str, self.sizes))))
        head = "".join(f"<th>{escape(k)}</th>" for k, _ in cells)
        body = "".join(f"<td>{escape(v)}</td>" for _, v in cells)
        return f"<table><tr>{head}</tr><tr>{body}</tr></table>"


@dataclass(frozen=True)
class ConfidenceInterval:
    """A confidence interval ``[lower, upper]`` at confidence ``level`` (e.g. 0.95)."""

    lower: float
    upper: float
    level: float


def _clean(values, name: str) -> np.ndarray:
    arr = np.asarray(values, dtype=float).ravel()
    if arr.size == 0:
        raise ValueError(f"{name} is empty; the test needs at least one value in each sample")
    if np.isnan(arr).any():
        raise ValueError(f"{name} contains NaN ({int(np.isnan(arr).sum())} values); drop missing values first")
    if np.isinf(arr).any():
        raise ValueError(f"{name} contains infinite values")
    return arr


def _subset_sum_counts(scores: np.ndarray, k: int) -> np.ndarray:
    """Number of k-subsets of ``scores`` (positive ints) with each possible sum.

    ``counts[s]`` = number of ways to choose k of the N scores with total s.
    Exact integer arithmetic: int64 when C(N, k) fits, Python ints otherwise.
    """
    total = int(scores.sum())
    # the largest count in any row j <= k is C(N, min(k, N // 2))
    small = math.comb(len(scores), min(k, len(scores) // 2)) < 2**62
    table = np.zeros((k + 1, total + 1), dtype=np.int64 if small else object)
    table[0, 0] = 1
    for a in scores.tolist():
        for j in range(k, 0, -1):
            table[j, a:] = table[j, a:] + table[j - 1, : total + 1 - a]
    return table[k]


def _sign_sum_counts(scores: np.ndarray) -> np.ndarray:
    """Number of subsets of ``scores`` (positive ints) with each possible sum (all sizes)."""
    total = int(scores.sum())
    small = len(scores) < 62
    counts = np.zeros(total + 1, dtype=np.int64 if small else object)
    counts[0] = 1
    for a in scores.tolist():
        counts[a:] = counts[a:] + counts[: total + 1 - a].copy()
    return counts


def _exact_two_sided(counts: np.ndarray, observed: int, center2: int) -> float:
    """P(|S - E| >= |obs - E|) from integer counts, with everything in doubled units.

    ``counts`` index s is a (doubled) statistic value; ``center2`` is 2 * E in
    the same doubled units, so all comparisons are between integers.
    """
    s = np.arange(len(counts))
    dist_obs = abs(2 * observed - center2)
    far = np.abs(2 * s - center2) >= dist_obs
    num = sum(int(c) for c, f in zip(counts, far, strict=True) if f)
    den = sum(int(c) for c in counts)
    return min(1.0, num / den)


def wmw(x, y, exact: bool | None = None) -> TestResult:
    """Two-sided Wilcoxon-Mann-Whitney rank-sum test of two independent samples.

    Parameters
    ----------
    x, y : array-like of float
        The two samples. Empty input or NaN raise ``ValueError`` (missing
        values are not dropped silently: drop them before calling).
    exact : bool or None, default None
        ``True``: exact conditional permutation p-value (at most
        :data:`EXACT_LIMIT_N` = 100 observations in all, else
        :class:`ExactTooLarge`). ``False``: normal approximation. ``None``:
        exact when ``len(x) + len(y) <= 50`` (:data:`EXACT_MAX_N`), normal
        otherwise; ``method`` says which was used.

    Returns
    -------
    TestResult
        ``statistic`` = W, the rank sum of ``x`` (mid-ranks; SAS NPAR1WAY
        reports the rank sum of a chosen class); ``u`` = U of ``x`` (R's
        ``W``); ``pvalue`` two-sided; ``method`` ``"exact"`` or ``"normal"``;
        ``sizes`` = (n_x, n_y); ``expected`` = E(W).

    Notes
    -----
    Algorithm

    1. Pool x and y (N = n_x + n_y) and rank with mid-ranks for ties.
       W = sum of the ranks of x; E(W) = n_x (N + 1) / 2.
    2. Exact: every one of the C(N, n_x) ways to assign n_x of the N pooled
       mid-ranks to x is equally likely under H0 (conditional on the observed
       tie pattern). The distribution of the rank sum is built by counting
       subsets by their sum (mid-ranks doubled to integers, exact integer
       counts). Two-sided p = ``P(|W* - E| >= |W - E|)``, the definition of SAS
       NPAR1WAY EXACT and R ``coin::wilcox_test(distribution = "exact")``;
       the comparison is made in doubled integer units, so there are no
       floating-point near-ties. Without ties this equals twice the smaller
       one-sided tail (the distribution is symmetric) and scipy's exact
       Mann-Whitney p-value.
    3. Normal: Var(W) = n_x n_y / 12 · (N + 1 - Σ(t³ - t) / (N (N - 1))),
       t the sizes of tie groups; z = ``(|W - E| - 0.5) / sd`` (continuity
       correction 0.5, SAS NPAR1WAY's default and R ``wilcox.test(correct =
       TRUE)``; no correction is applied when ``|W - E| < 0.5``);
       p = 2 (1 - Φ(z)). When every value is tied (Var = 0), p = 1.

    References
    ----------
    SAS/STAT User's Guide, PROC NPAR1WAY: "Wilcoxon Scores", "Exact Tests".
    Hothorn T, Hornik K, van de Wiel MA, Zeileis A (2008). Implementing a
    class of permutation tests: the coin package. J Stat Softw 28(8).
    Hollander M, Wolfe DA (1999). Nonparametric Statistical Methods, 2nd ed.

    Examples
    --------
    >>> r = wmw([1, 2, 2], [2, 3, 4])
    >>> r.statistic, r.u, r.method, round(r.pvalue, 4)
    (7.0, 1.0, 'exact', 0.3)
    """
    x = _clean(x, "x")
    y = _clean(y, "y")
    nx, ny = x.size, y.size
    n = nx + ny
    pooled = np.concatenate([x, y])
    ranks = _st.rankdata(pooled)  # mid-ranks
    w = float(ranks[:nx].sum())
    expected = nx * (n + 1) / 2.0
    u = w - nx * (nx + 1) / 2.0
    if _use_exact(exact, n, "Wilcoxon–Mann–Whitney"):
        doubled = np.rint(2 * ranks).astype(np.int64)
        # Count with the smaller sample: |W_x - E_x| = |W_y - E_y| since W_x + W_y = N(N+1)/2.
        k, w_k = (nx, w) if nx <= ny else (ny, float(ranks[nx:].sum()))
        counts = _subset_sum_counts(doubled, k)
        p = _exact_two_sided(counts, int(round(2 * w_k)), int(round(2 * k * (n + 1))))
        method = "exact"
    else:
        _, tie_sizes = np.unique(pooled, return_counts=True)
        tie_term = float((tie_sizes**3 - tie_sizes).sum())
        var = nx * ny / 12.0 * ((n + 1) - tie_term / (n * (n - 1)))
        dev = abs(w - expected)
        if var <= 0:
            p = 1.0
        else:
            dev = dev - 0.5 if dev >= 0.5 else dev
            p = float(min(1.0, 2 * _st.norm.sf(dev / math.sqrt(var))))
        method = "normal"
    return TestResult(statistic=w, pvalue=float(p), method=method, n=n, test="Wilcoxon–Mann–Whitney",
                      symbol="W", sizes=(nx, ny), expected=expected, u=u)


def signed_rank(x, y=None, exact: bool | None = None) -> TestResult:
    """Two-sided Wilcoxon signed-rank test for paired samples (or one sample vs 0).

    Parameters
    ----------
    x : array-like of float
        First measurement of each pair (or the differences when ``y`` is None).
    y : array-like of float, optional
        Second measurement of each pair; the test is on d = x - y.
    exact : bool or None, default None
        ``None``: exact when the number of non-zero differences is at most 50
        (:data:`EXACT_MAX_N`). ``True`` on more than :data:`EXACT_LIMIT_N`
        raises :class:`ExactTooLarge`.

    Returns
    -------
    TestResult
        ``statistic`` = V, sum of the ranks of ``|d|`` over positive d (R's ``V``);
        ``pvalue`` two-sided; ``method``; ``n`` = non-zero differences;
        ``expected`` = E(V).

    Raises
    ------
    ValueError
        On empty input, NaN, unequal lengths, or when all differences are 0.

    Notes
    -----
    Algorithm

    1. d = x - y; zero differences are dropped (Wilcoxon's convention, R's
       default); n = number left.
    2. Rank ``|d|`` with mid-ranks; V = sum of ranks with d > 0; E(V) = Σ ranks / 2.
    3. Exact: under H0 each rank carries a + or - sign with probability 1/2
       independently, given the observed (tied) ranks; the distribution of V
       over the 2^n sign patterns is counted exactly (doubled integer ranks).
       Two-sided p = ``P(|V* - E| >= |V - E|)``. Without ties or zeros this is
       the classical exact test (R ``wilcox.test(paired = TRUE, exact =
       TRUE)``, scipy ``wilcoxon(method="exact")``).
    4. Normal: Var(V) = Σ r² / 4 (equal to n(n+1)(2n+1)/24 - Σ(t³ - t)/48 for
       mid-ranks), continuity correction 0.5, p = 2 (1 - Φ(z)).
    """
    x = _clean(x, "x")
    if y is not None:
        y = _clean(y, "y")
        if y.size != x.size:
            raise ValueError(f"x and y must have the same length for a paired test; got {x.size} and {y.size}")
        d = x - y
    else:
        d = x
    d = d[d != 0]
    n = d.size
    if n == 0:
        raise ValueError("all differences are zero; the signed-rank test is undefined")
    ranks = _st.rankdata(np.abs(d))
    v = float(ranks[d > 0].sum())
    expected = float(ranks.sum()) / 2.0
    if _use_exact(exact, n, "Wilcoxon signed-rank"):
        doubled = np.rint(2 * ranks).astype(np.int64)
        total = int(doubled.sum())
        counts = _sign_sum_counts(doubled)
        p = _exact_two_sided(counts, int(round(2 * v)), total)
        method = "exact"
    else:
        var = float((ranks**2).sum()) / 4.0
        dev = abs(v - expected)
        dev = dev - 0.5 if dev >= 0.5 else dev
        p = float(min(1.0, 2 * _st.norm.sf(dev / math.sqrt(var))))
        method = "normal"
    return TestResult(statistic=v, pvalue=float(p), method=method, n=n, test="Wilcoxon signed-rank",
                      symbol="V", sizes=(n,), expected=expected)


def holm(pvalues) -> np.ndarray:
    """Holm's step-down adjusted p-values (R ``p.adjust(p, "holm")``).

    Parameters
    ----------
    pvalues : array-like of float
        Unadjusted p-values in [0, 1], in any order.

    Returns
    -------
    numpy.ndarray
        Adjusted p-values in the input order.

    Notes
    -----
    Algorithm

    1. Sort the m p-values ascending: p(1) <= ... <= p(m).
    2. a(i) = min(1, (m - i + 1) p(i)).
    3. Enforce monotonicity: adjusted(i) = max over j <= i of a(j).
    4. Return in the original order.
    """
    p = np.asarray(pvalues, dtype=float).ravel()
    if p.size == 0:
        return p.copy()
    if np.isnan(p).any() or (p < 0).any() or (p > 1).any():
        raise ValueError("p-values must be numbers in [0, 1] (no NaN)")
    m = p.size
    order = np.argsort(p, kind="stable")
    scaled = np.minimum(1.0, (m - np.arange(m)) * p[order])
    adjusted = np.maximum.accumulate(scaled)
    out = np.empty(m)
    out[order] = adjusted
    return out


def clopper_pearson(k: int, n: int, alpha: float = 0.05) -> ConfidenceInterval:
    """Exact (Clopper-Pearson) confidence interval for a binomial proportion k/n.

    Parameters
    ----------
    k : int
        Number of successes, 0 <= k <= n.
    n : int
        Number of trials, n >= 1.
    alpha : float, default 0.05
        1 - confidence level.

    Returns
    -------
    ConfidenceInterval
        ``level`` = 1 - alpha;
        lower = Beta(alpha/2; k, n - k + 1) quantile (0 when k = 0);
        upper = Beta(1 - alpha/2; k + 1, n - k) quantile (1 when k = n).
        The same as R ``binom.test(k, n)$conf.int`` and SAS PROC FREQ's
        exact binomial limits.
    """
    if int(k) != k or int(n) != n:
        raise ValueError(f"k and n must be whole numbers; got k={k}, n={n}")
    k, n = int(k), int(n)
    if n < 1 or not 0 <= k <= n:
        raise ValueError(f"need n >= 1 and 0 <= k <= n; got k={k}, n={n}")
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be between 0 and 1; got {alpha}")
    lower = 0.0 if k == 0 else float(_st.beta.ppf(alpha / 2, k, n - k + 1))
    upper = 1.0 if k == n else float(_st.beta.ppf(1 - alpha / 2, k + 1, n - k))
    return ConfidenceInterval(lower, upper, 1 - alpha)


def smallest_exact_p(n1: int, n2: int) -> float:
    """Smallest two-sided exact WMW p-value attainable with sample sizes n1 and n2 (no ties).

    Complete separation of the samples is the most extreme outcome; in each
    direction it is one of C(n1 + n2, n1) equally likely assignments, so
    p_min = 2 / C(n1 + n2, n1) (capped at 1). E.g. 11 vs 3 gives 2/364.

    Parameters
    ----------
    n1, n2 : int
        Sample sizes, both >= 1.

    Returns
    -------
    float
        0.0 when p_min is below the smallest float (e.g. 500 vs 500); the
        ratio is taken exactly (:class:`fractions.Fraction`), so it never overflows.
    """
    from fractions import Fraction

    if n1 < 1 or n2 < 1:
        raise ValueError(f"sample sizes must be >= 1; got {n1} and {n2}")
    return min(1.0, float(Fraction(2, math.comb(n1 + n2, n1))))


BINOM_ALTERNATIVES = ("two-sided", "greater", "less")


def binomial_test(k: int, n: int, p0: float, alternative: str = "two-sided") -> TestResult:
    """One-sample exact binomial test of H0: the true proportion is ``p0``.

    Parameters
    ----------
    k, n : int
        Successes and trials (0 <= k <= n, n >= 1).
    p0 : float
        The proportion under the null hypothesis, strictly between 0 and 1.
    alternative : {"two-sided", "greater", "less"}, default "two-sided"
        "greater": the true proportion exceeds ``p0``.

    Returns
    -------
    TestResult
        ``statistic`` = k, ``method`` ``"exact"``, ``n``, ``expected`` = n·p0,
        ``test`` names the alternative. The same p-value as R
        ``binom.test(k, n, p0, alternative)``.

    Raises
    ------
    ValueError
        For k, n not whole, k outside [0, n], p0 outside (0, 1) or an unknown alternative.

    Notes
    -----
    Algorithm

    1. Under H0, X ~ Binomial(n, p0); d(i) = P(X = i).
    2. "greater": p = P(X >= k); "less": p = P(X <= k).
    3. "two-sided" (R's rule, also scipy's): p = sum of d(i) over every i with
       d(i) <= d(k)·(1 + 1e-7), i.e. every outcome at most as likely as the
       observed one; capped at 1.

    References
    ----------
    Clopper CJ, Pearson ES (1934). Biometrika 26:404-413.
    R ``stats::binom.test``; scipy ``stats.binomtest``.

    Examples
    --------
    >>> round(binomial_test(13, 16, 0.5).pvalue, 5)  # 2·(560 + 120 + 16 + 1) / 2**16
    0.02127
    """
    if int(k) != k or int(n) != n or n < 1 or not 0 <= k <= n:
        raise ValueError(f"need whole numbers n >= 1 and 0 <= k <= n; got k={k}, n={n}")
    if not 0 < p0 < 1:
        raise ValueError(f"p0 must be strictly between 0 and 1; got {p0}")
    if alternative not in BINOM_ALTERNATIVES:
        raise ValueError(f"alternative must be one of {', '.join(BINOM_ALTERNATIVES)}; got {alternative!r}")
    k, n = int(k), int(n)
    if alternative == "greater":
        p = float(_st.binom.sf(k - 1, n, p0))
    elif alternative == "less":
        p = float(_st.binom.cdf(k, n, p0))
    else:
        d = _st.binom.pmf(np.arange(n + 1), n, p0)
        p = float(min(1.0, d[d <= d[k] * (1 + 1e-7)].sum()))
    return TestResult(statistic=float(k), pvalue=p, method="exact", n=n, test=f"Exact binomial ({alternative})",
                      symbol="k", expected=n * p0)


def cp_width(k: int, n: int, alpha: float = 0.05) -> float:
    """Width (upper - lower) of the Clopper-Pearson interval of k/n (:func:`clopper_pearson`)."""
    ci = clopper_pearson(k, n, alpha)
    return ci.upper - ci.lower


def n_for_width(width: float, p: float, alpha: float = 0.05, n_max: int = 100_000) -> int:
    """Smallest N whose Clopper-Pearson interval is at most ``width`` wide when the proportion is ``p``.

    Parameters
    ----------
    width : float
        Target full width (upper - lower), in (0, 1).
    p : float
        Anticipated proportion, in [0, 1].
    alpha : float, default 0.05
    n_max : int, default 100000
        Give up above this N.

    Returns
    -------
    int

    Raises
    ------
    ValueError
        For a width or p out of range, or when no N <= ``n_max`` is enough.

    Notes
    -----
    Algorithm

    For N = 1, 2, ...: k = round(p·N); return the first N with
    ``cp_width(k, N, alpha) <= width``. Because k is rounded, a later N can
    occasionally be wider again by a hair; the answer is the first N that
    reaches the target, as a planning figure.

    References
    ----------
    Clopper CJ, Pearson ES (1934). Biometrika 26:404-413.
    """
    if not 0 < width < 1:
        raise ValueError(f"width must be between 0 and 1; got {width}")
    if not 0 <= p <= 1:
        raise ValueError(f"p must be between 0 and 1; got {p}")
    for n in range(1, n_max + 1):
        if cp_width(round(p * n), n, alpha) <= width:
            return n
    raise ValueError(f"no N up to {n_max} gives a Clopper-Pearson width of {width} at p = {p}")


@dataclass(frozen=True)
class Shift:
    """A two-sample location shift (x minus y) with its confidence interval (:func:`hodges_lehmann`).

    ``lower`` / ``upper`` are -inf / inf when no shift can be rejected at the level
    (samples too small); ``level`` is the nominal 1 - alpha.
    """

    estimate: float
    lower: float
    upper: float
    level: float
    n_pairs: int
    method: str = "exact"  # or "normal approximation" (see hodges_lehmann)


def hodges_lehmann(x, y, alpha: float = 0.05) -> Shift:
    """Hodges-Lehmann shift of x over y with the exact confidence interval from the rank-sum test.

    Parameters
    ----------
    x, y : array-like of float
        The two samples (no NaN).
    alpha : float, default 0.05

    Returns
    -------
    Shift
        ``estimate``: the median of the n_x · n_y differences x_i - y_j;
        ``lower``, ``upper``: the set of shifts Δ that the exact two-sided
        Wilcoxon-Mann-Whitney test of x - Δ against y (:func:`wmw` with
        ``exact=True``) does not reject at ``alpha`` (p > alpha), given by its
        infimum and supremum.

    Raises
    ------
    ValueError
        As :func:`wmw`, or for an ``alpha`` outside (0, 1).

    Notes
    -----
    Algorithm

    1. D = all differences x_i - y_j; the estimate is their median.
    2. The p-value of x - Δ against y changes only where Δ crosses a
       difference. Test Δ at every distinct difference, at the midpoint of each
       gap between neighbours, and one unit beyond each end.
    3. The interval runs from the smallest to the largest accepted Δ; an
       accepted midpoint extends it to the difference just outside it (the
       infimum or supremum), an accepted point beyond the ends makes it unbounded.
    4. The test is exact and conditional on the ties that a shift creates, so
       the interval is exact with ties in the data. Without ties it is the
       classical [D(k), D(m + 1 - k)] of Bauer (1972), with k the largest
       integer such that P(U <= k - 1) <= alpha / 2 (R ``wilcox.test(x, y,
       conf.int = TRUE)`` when no tail probability equals alpha / 2 exactly).

    5. Above :data:`HL_EXACT_N` values in all, the exact interval costs too much (one exact
       test per candidate shift); the interval is then [D(k), D(mn + 1 - k)] with
       k = floor(mn/2 - z sqrt(mn(m + n + 1)/12)), z the normal 1 - alpha/2 quantile
       (Hollander & Wolfe, eq. 4.42), and the order statistics of the mn differences are
       found without listing them (:func:`kth_difference`); ``method`` says which was used.

    References
    ----------
    Hodges JL, Lehmann EL (1963). Ann Math Statist 34:598-611.
    Bauer DF (1972). JASA 67:687-690.
    Hollander M, Wolfe DA (1999). Nonparametric Statistical Methods, 2nd ed., section 4.3.
    """
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be between 0 and 1; got {alpha}")
    x, y = _clean(x, "x"), _clean(y, "y")
    if x.size + y.size > HL_EXACT_N:
        return _hodges_lehmann_normal(x, y, alpha)
    diffs = np.round(np.subtract.outer(x, y).ravel(), 10)
    grid = np.unique(diffs)
    mids = (grid[:-1] + grid[1:]) / 2
    candidates = np.sort(np.concatenate([grid, mids, [grid[0] - 1, grid[-1] + 1]]))

    def accepted(delta: float) -> bool:
        return wmw(np.round(x - delta, 10), np.round(y, 10), exact=True).pvalue > alpha

    keep = [c for c in candidates if accepted(c)]
    if not keep:  # cannot happen: at the estimate the statistic sits at its centre
        raise ValueError("no shift is accepted; check the input")
    lo, hi = min(keep), max(keep)
    lower = -np.inf if lo < grid[0] else float(grid[grid <= lo].max())
    upper = np.inf if hi > grid[-1] else float(grid[grid >= hi].min())
    return Shift(estimate=round(float(np.median(diffs)), 10), lower=lower, upper=upper, level=1 - alpha, n_pairs=diffs.size)


HL_EXACT_N = 30
"""The largest total sample size for which :func:`hodges_lehmann` gives the exact interval."""


def kth_difference(x, y, k: int) -> float:
    """The k-th smallest (1-based) of the len(x) · len(y) differences x_i - y_j, without listing them.

    Algorithm
    ---------
    Bisection on the value t with the count #{x_i - y_j <= t} = sum_i #{y_j >= x_i - t}, each a
    binary search in the sorted y (O(m log n) per step); once the bracket is narrow, the answer
    is the smallest difference above its lower end, found exactly per x_i.

    >>> kth_difference([1, 5], [0, 2], 1), kth_difference([1, 5], [0, 2], 4)
    (-1.0, 5.0)
    """
    xs, ys = np.sort(np.asarray(x, float)), np.sort(np.asarray(y, float))
    m, n = xs.size, ys.size
    if not 1 <= k <= m * n:
        raise ValueError(f"k must be between 1 and {m * n}; got {k}")

    def at_most(t: float) -> int:
        return int((n - np.searchsorted(ys, xs - t, side="left")).sum())

    lo, hi = xs[0] - ys[-1] - 1.0, xs[-1] - ys[0]  # at_most(lo) = 0 < k <= at_most(hi) = mn
    for _ in range(200):
        mid = (lo + hi) / 2
        if mid in (lo, hi):
            break
        if at_most(mid) >= k:
            hi = mid
        else:
            lo = mid
    idx = np.searchsorted(ys, xs - lo, side="left") - 1  # largest y_j < x_i - lo: smallest d > lo
    ok = idx >= 0
    return float((xs[ok] - ys[idx[ok]]).min())


WALSH_LIST_N = 1000
"""Largest sample whose Walsh averages :func:`kth_walsh` lists (500,500 of them); above it, bisection."""


def kth_walsh(x, k: int) -> float:
    """The k-th smallest (1-based) of the n(n + 1)/2 Walsh averages (x_i + x_j)/2, i <= j, without listing them.

    Algorithm
    ---------
    1. Sort x. The number of Walsh sums x_i + x_j <= t with i <= j is
       sum_i max(0, #{j : x_j <= t - x_i} - i), one vectorised binary search (O(n log n)).
    2. Bisect on t until the bracket (lo, hi] with count(lo) < k <= count(hi) holds at most 4n
       sums (about log2(n / 4) steps), then list only those sums and select the
       (k - count(lo))-th. Memory and time are O(n log n), not O(n^2): 100,000 values have
       5 · 10^9 Walsh averages, which cannot be listed.
    3. When the bracket cannot be narrowed further (ties: every sum left in it is the same
       number), that number is the smallest sum above lo.

    Up to :data:`WALSH_LIST_N` values, the averages are listed and the k-th taken exactly. Above
    it, ``x_j <= t - x_i`` and ``x_i + x_j <= t`` can disagree in the last bit, so the result
    can be a neighbour of the exact k-th average differing from it by rounding (1e-16
    relative), never a different order statistic of distinct averages.

    >>> kth_walsh([1, 2, 4], 1), kth_walsh([1, 2, 4], 4), kth_walsh([1, 2, 4], 6)
    (1.0, 2.5, 4.0)
    """
    xs = np.sort(np.asarray(x, float))
    n = xs.size
    total = n * (n + 1) // 2
    if not 1 <= k <= total:
        raise ValueError(f"k must be between 1 and {total}; got {k}")
    if n <= WALSH_LIST_N:
        return float(np.partition((xs[:, None] + xs[None, :])[np.triu_indices(n)], k - 1)[k - 1] / 2)
    idx = np.arange(n)

    def first_above(t: float) -> np.ndarray:
        """Per i, the first j >= i with x_i + x_j > t."""
        return np.maximum(np.searchsorted(xs, t - xs, side="right"), idx)

    lo, hi = 2 * xs[0] - max(1.0, abs(2 * xs[0])), 2 * xs[-1]  # count(lo) = 0 < k <= count(hi) = total
    c_lo, c_hi = 0, total
    while c_hi - c_lo > 4 * n:
        mid = (lo + hi) / 2
        if mid in (lo, hi):
            break
        c = int((first_above(mid) - idx).sum())
        if c >= k:
            hi, c_hi = mid, c
        else:
            lo, c_lo = mid, c
    a, b = first_above(lo), first_above(hi)
    lengths = b - a
    if lengths.sum() > 4 * n:  # step 3: an unsplittable bracket of tied sums
        ok = lengths > 0
        return float((xs[ok] + xs[a[ok]]).min() / 2)
    rows = np.repeat(idx, lengths)
    cols = a[rows] + np.arange(rows.size) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    sums = np.sort(xs[rows] + xs[cols])
    return float(sums[k - c_lo - 1] / 2)


def walsh_median(x) -> float:
    """Median of the Walsh averages (x_i + x_j)/2, i <= j: the one-sample Hodges-Lehmann estimate.

    The middle one of an odd number, the mean of the two middle ones of an even number (as
    ``numpy.median`` of the listed averages), by :func:`kth_walsh`.

    >>> walsh_median([0.0, 1.0, 5.0])  # averages 0, 0.5, 1, 2.5, 3, 5
    1.75
    """
    n = np.asarray(x).size
    total = n * (n + 1) // 2
    half = (total + 1) // 2
    return kth_walsh(x, half) if total % 2 else (kth_walsh(x, half) + kth_walsh(x, half + 1)) / 2


def _hodges_lehmann_normal(x: np.ndarray, y: np.ndarray, alpha: float) -> Shift:
    """:func:`hodges_lehmann` for large samples: normal-approximation order statistics (step 5)."""
    m, n = x.size, y.size
    mn = m * n
    half = (mn + 1) // 2
    estimate = kth_difference(x, y, half) if mn % 2 else (kth_difference(x, y, half) + kth_difference(x, y, half + 1)) / 2
    z = _st.norm.ppf(1 - alpha / 2)
    k = int(np.floor(mn / 2 - z * np.sqrt(mn * (m + n + 1) / 12)))
    lower = kth_difference(x, y, k) if k >= 1 else -np.inf
    upper = kth_difference(x, y, mn + 1 - k) if k >= 1 else np.inf
    return Shift(estimate=round(estimate, 10), lower=lower, upper=upper, level=1 - alpha, n_pairs=mn,
                 method="normal approximation")
