"""The paper checked against itself: can the printed numbers all be true at once?

These checks use only the ledger (``data/published/claims.csv``), never a study
folder. They are the classic forensic-statistics checks:

- GRIM (Brown & Heathers 2017): a mean of ``N`` values recorded to a given
  precision can only take the values ``sum / N``; is the printed mean one of them?
- GRIMMER (Anaya 2016): for integer data the sum of squares is an integer with
  the parity of the sum; is the printed SD possible given mean and ``N``?
- Range bounds: the SD and the mean are bounded by ``N``, the range and the median.
- statcheck (Nuijten et al. 2016): recompute a p-value from its printed test statistic.
- Percentages recomputed from their printed counts.
- The exact Wilcoxon-Mann-Whitney test has a discrete null distribution: which
  p-values can it produce at all for the printed group sizes?
- Arithmetic identities between printed counts (group sizes add up, cumulative
  frequencies are running sums, repeated printings agree).

Every function returns a tidy DataFrame with one row per check and the columns
``check, subject, ids, printed, derived, consistent, detail``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

import numpy as np
import pandas as pd
from scipy import stats

from .claims import load_claims, matches
from .printed import Printed

__all__ = [
    "TABLE1_PRECISION",
    "bmi_checks",
    "check_all",
    "chisq_p_interval",
    "dose_checks",
    "max_dose_intensity",
    "exact_wmw_pvalues",
    "grim",
    "grimmer",
    "identity_checks",
    "mean_bounds",
    "percentage_checks",
    "pvalue_checks",
    "sd_bounds",
    "table1_checks",
    "wmw_checks",
]

COLUMNS = ["check", "subject", "ids", "printed", "derived", "consistent", "detail"]

#: Recording precision assumed for each Table 1 variable (the printed ranges and
#: medians show integers for all but BMI and temperature, which show one decimal).
TABLE1_PRECISION = {
    "age": "1", "weight": "1", "height": "1", "bmi": "0.1", "hr": "1", "resp": "1",
    "pfratio": "1", "sysbp": "1", "diabp": "1", "temp": "0.1",
}
TABLE1_LABELS = {
    "age": "Age (yrs.)", "weight": "Weight (kg)", "height": "Height (cm)", "bmi": "BMI (kg/m2)",
    "hr": "Heart rate", "resp": "Respiratory rate", "pfratio": "PaO2/FiO2",
    "sysbp": "Blood pressure, systolic", "diabp": "Blood pressure, diastolic", "temp": "Temperature",
}


def _frac(text) -> Fraction:
    return Fraction(Decimal(str(text).strip()))


def _interval(text: str) -> tuple[Fraction, Fraction]:
    """The endpoints of the values that print as ``text`` (:meth:`Printed.interval`)."""
    return Printed.parse(text).interval()


def _prints_as(value: Fraction, text: str) -> bool:
    """Whether the exact rational ``value`` prints as ``text`` under either rounding rule."""
    return Printed.parse(text).matches(value)


@dataclass(frozen=True)
class GrimResult:
    """Outcome of a GRIM test: ``sums`` are the totals (in data units) that fit the printed mean."""

    consistent: bool
    sums: tuple[Fraction, ...]


def grim(mean: str, n: int, granularity: str = "1") -> GrimResult:
    """GRIM test: could ``n`` values recorded in steps of ``granularity`` have the printed mean?

    Parameters
    ----------
    mean : str
        The mean as printed (its decimals set the rounding interval), e.g. ``"59.5"``.
    n : int
        Number of values.
    granularity : str
        Recording step of the data, ``"1"`` for integers, ``"0.1"`` for one decimal.

    Returns
    -------
    GrimResult
        ``consistent`` and the possible sums (either rounding rule accepted).

    Algorithm
    ---------
    1. The printed mean ``m`` with ``d`` decimals stands for a true mean in
       ``[m - 0.5·10^-d, m + 0.5·10^-d]``.
    2. The sum is ``k · granularity`` for an integer ``k``; keep each ``k`` with
       ``k · granularity / n`` in that interval (exact rational arithmetic) that
       rounds to ``m`` under round-half-even or round-half-away (at the ends of
       the interval only one rule, or neither, gives ``m``: 175.5 prints as 176
       under both).

    References
    ----------
    Brown NJL, Heathers JAJ. The GRIM test. Soc Psychol Personal Sci 2017;8:363-369.

    Examples
    --------
    >>> grim("59.5", 16).sums
    (Fraction(952, 1),)
    >>> grim("5.19", 28).consistent
    False
    """
    lo, hi = _interval(mean)
    g = _frac(granularity)
    k_lo = math.ceil(lo * n / g)
    k_hi = math.floor(hi * n / g)
    # the closed interval is one tie too generous at one end: keep sums whose mean
    # really prints as ``mean`` under round-half-even or round-half-away
    sums = tuple(k * g for k in range(k_lo, k_hi + 1) if _prints_as(k * g / n, mean))
    return GrimResult(bool(sums), sums)


def grimmer(mean: str, sd: str, n: int, granularity: str = "1") -> bool:
    """GRIMMER test: is the printed SD (``ddof=1``) possible for ``n`` values on a grid?

    Parameters
    ----------
    mean, sd : str
        Mean and standard deviation as printed.
    n : int
        Number of values.
    granularity : str
        Recording step (``"1"`` integers; ``"0.1"`` is handled by scaling to tenths).

    Returns
    -------
    bool
        True when some possible sum ``S`` and some integer sum of squares ``Q``
        (in grid units) satisfy ``Q = (n-1)·sd² + S²/n`` for an SD that prints
        as ``sd`` and ``Q ≡ S (mod 2)`` (because ``x² ≡ x (mod 2)``).

    References
    ----------
    Anaya J. The GRIMMER test. PeerJ Preprints 2016;4:e2400v1.

    Examples
    --------
    >>> grimmer("2.00", "1.00", 3)
    True
    >>> grimmer("2.00", "0.50", 3)
    False
    """
    g = _frac(granularity)
    s_lo, s_hi = _interval(sd)
    s_lo, s_hi = max(s_lo, Fraction(0)) / g, s_hi / g
    for total in grim(mean, n, granularity).sums:
        k = total / g  # sum in grid units, an integer
        base = k * k / n
        q_lo = math.ceil((n - 1) * s_lo * s_lo + base)
        q_hi = math.floor((n - 1) * s_hi * s_hi + base)
        for q in range(q_lo, q_hi + 1):
            if (q - k.numerator) % 2 == 0:
                return True
    return False


def sd_bounds(mean: float, n: int, lo: float, hi: float) -> tuple[float, float]:
    """Smallest and largest SD (``ddof=1``) of ``n`` values with this mean and range.

    The smallest puts one value at each end of the range and the rest at the
    mean; the largest puts every value at an end of the range (a continuous
    bound, allowing one value in between to meet the mean exactly).

    Examples
    --------
    >>> [round(x, 3) for x in sd_bounds(2.0, 3, 1.0, 3.0)]
    [1.0, 1.0]
    """
    smin = math.sqrt(((lo - mean) ** 2 + (hi - mean) ** 2) / (n - 1))
    # maximum: p values at hi, n - p - 1 at lo, one value v in [lo, hi] meeting the mean
    best = 0.0
    for p in range(1, n):
        v = n * mean - p * hi - (n - p - 1) * lo
        if lo <= v <= hi:
            xs = [hi] * p + [lo] * (n - p - 1) + [v]
            best = max(best, float(np.std(xs, ddof=1)))
    return smin, best


def mean_bounds(n: int, median: float, lo: float, hi: float) -> tuple[float, float]:
    """Smallest and largest mean of ``n`` values with this median and range.

    Values below the median sit at the minimum, values above at the median
    (smallest mean) or the reverse (largest mean); one value is pinned at each
    end of the range.

    Examples
    --------
    >>> mean_bounds(5, 2.0, 0.0, 10.0)
    (2.8, 4.8)
    """
    if n < 3:
        raise ValueError("mean_bounds needs n >= 3")
    below = (n - 1) // 2 if n % 2 else n // 2 - 1  # values strictly below the middle
    mid = n - 2 * below  # 1 (odd n) or 2 (even n) middle values, summing to mid * median
    above = below
    low = lo * below + median * mid + median * (above - 1) + hi
    high = lo + median * (below - 1) + median * mid + hi * above
    return low / n, high / n


def _ledger(claims: pd.DataFrame | None) -> dict[str, pd.Series]:
    claims = load_claims() if claims is None else claims
    return {r["id"]: r for _, r in claims.iterrows()}


def _row(check, subject, ids, printed, derived, consistent, detail=""):
    return dict(check=check, subject=subject, ids=", ".join(ids), printed=printed,
                derived=derived, consistent=bool(consistent), detail=detail)


def _value(c: dict, cid: str) -> float:
    return float(Printed.parse(c[cid]["reported"]).value)


def table1_checks(claims: pd.DataFrame | None = None) -> pd.DataFrame:
    """GRIM, GRIMMER and range bounds for every continuous row of Table 1.

    Recording precision per variable is :data:`TABLE1_PRECISION` (an assumption
    stated in each row's ``detail``). BMI is derived from weight and height, so
    its GRIM/GRIMMER rows assume BMI was recorded to one decimal.
    """
    c = _ledger(claims)
    rows = []
    for var, gran in TABLE1_PRECISION.items():
        ids = {s: f"t1.{var}.{s}" for s in ["n", "mean", "sd", "median", "min", "max"]}
        if not all(i in c for i in ids.values()):
            continue
        label = TABLE1_LABELS[var]
        n = int(_value(c, ids["n"]))
        mean, sd = c[ids["mean"]]["reported"], c[ids["sd"]]["reported"]
        g = grim(mean, n, gran)
        unit = "integers" if gran == "1" else f"steps of {gran}"
        sums = ", ".join(f"{float(s):g}" for s in g.sums) or "none"
        rows.append(_row("GRIM", label, [ids["n"], ids["mean"]], f"mean {mean}, N {n}",
                         f"possible sums: {sums}", g.consistent,
                         f"data assumed recorded as {unit}"))
        ok = grimmer(mean, sd, n, gran)
        rows.append(_row("GRIMMER", label, [ids["n"], ids["mean"], ids["sd"]],
                         f"mean {mean}, SD {sd}, N {n}",
                         "an integer sum of squares of the right parity exists" if ok else
                         "no integer sum of squares fits", ok, f"data assumed recorded as {unit}"))
        lo, hi, med = _value(c, ids["min"]), _value(c, ids["max"]), _value(c, ids["median"])
        smin, smax = sd_bounds(float(mean), n, lo, hi)
        s_lo, s_hi = (float(x) for x in _interval(sd))
        rows.append(_row("SD within range bounds", label, [ids["sd"], ids["min"], ids["max"]],
                         f"SD {sd}, range {c[ids['min']]['reported']}–{c[ids['max']]['reported']}",
                         f"SD possible in [{smin:.2f}, {smax:.2f}]",
                         s_hi >= smin and s_lo <= smax, "given N, mean and range"))
        mlo, mhi = mean_bounds(n, med, lo, hi)
        m_lo, m_hi = (float(x) for x in _interval(mean))
        rows.append(_row("Mean within median/range bounds", label,
                         [ids["mean"], ids["median"], ids["min"], ids["max"]],
                         f"mean {mean}, median {c[ids['median']]['reported']}",
                         f"mean possible in [{mlo:.2f}, {mhi:.2f}]",
                         m_hi >= mlo and m_lo <= mhi, "given N, median and range"))
        rows.append(_row("Order of min, median, max", label, [ids["min"], ids["median"], ids["max"]],
                         f"{lo:g} ≤ {med:g} ≤ {hi:g}", "", lo <= med <= hi and lo <= float(mean) <= hi))
    return pd.DataFrame(rows, columns=COLUMNS)


#: Percentages printed next to their counts: (percentage id, numerator id, denominator id or int).
PERCENTAGES = [
    ("t1.sex.f_pct", "t1.sex.f", "t1.sex.n"),
    ("t1.sex.m_pct", "t1.sex.m", "t1.sex.n"),
    ("txt.sex.m_pct", "txt.sex.m", "txt.sex.n"),
    ("txt.os28.pct", "txt.os28.alive", "txt.os28.n"),
    ("txt.os28.pct.intro", "txt.os28.alive.intro", "txt.os28.n.intro"),
    ("txt.os28.pct.discussion", "txt.os28.alive.discussion", "txt.os28.n.discussion"),
    ("txt.adherence.pct", "txt.adherence.n", "txt.adherence.total"),
]


def percentage_checks(claims: pd.DataFrame | None = None) -> pd.DataFrame:
    """Every printed percentage recomputed from its printed count and denominator.

    Table 2's percentages use the ITT N of the Table 1 caption (``t1.title.n``).
    Either rounding rule is accepted (:func:`ruxlib.claims.matches`).
    """
    c = _ledger(claims)
    pairs = [p for p in PERCENTAGES if all(i in c for i in p)]
    pairs += [(i, i[:-4] + ".n", "t1.title.n") for i in c
              if i.startswith("t2.") and i.endswith(".pct") and i[:-4] + ".n" in c]
    rows = []
    for pct, num, den in pairs:
        x, nn = _value(c, num), _value(c, den)
        value = 100 * x / nn
        ok = matches(c[pct]["reported"], int(c[pct]["decimals"]), value)
        rows.append(_row("Percentage from counts", c[pct]["quantity"], [pct, num, den],
                         f"{c[pct]['reported']}%", f"{x:g}/{nn:g} = {value:.4g}%", ok))
    return pd.DataFrame(rows, columns=COLUMNS)


def chisq_p_interval(statistic: str, df: int) -> tuple[float, float]:
    """Range of upper-tail p-values for a chi-square printed as ``statistic`` on ``df`` degrees.

    Examples
    --------
    >>> [round(p, 4) for p in chisq_p_interval("3.9", 1)]
    [0.0469, 0.0497]
    """
    lo, hi = (float(x) for x in _interval(statistic))
    return float(stats.chi2.sf(hi, df)), float(stats.chi2.sf(lo, df))


def pvalue_checks(claims: pd.DataFrame | None = None) -> pd.DataFrame:
    """statcheck: the log-rank p recomputed from its printed chi-square and df.

    A chi-square printed as 3.9 lies in [3.85, 3.95]; its upper-tail p on 1 df
    lies in [0.0469, 0.0497], which prints as 0.05. Conversely the p printed as
    0.05 allows chi-square in [3.68, 4.02].
    """
    c = _ledger(claims)
    ids = ["txt.logrank.chisq", "txt.logrank.df", "txt.logrank.p"]
    if not all(i in c for i in ids):
        return pd.DataFrame(columns=COLUMNS)
    chi_text, p_text = c[ids[0]]["reported"], c[ids[2]]["reported"]
    df = int(_value(c, ids[1]))
    lo, hi = (float(x) for x in _interval(chi_text))
    p_lo, p_hi = chisq_p_interval(chi_text, df)
    dec = int(c[ids[2]]["decimals"])
    ok = matches(p_text, dec, p_lo) or matches(p_text, dec, p_hi) or (
        p_lo <= float(p_text) <= p_hi)
    pl, ph = (float(x) for x in _interval(p_text))
    x_lo, x_hi = stats.chi2.isf(ph, df), stats.chi2.isf(pl, df)
    return pd.DataFrame([
        _row("statcheck", "log-rank test, LNR ≥ median vs below", ids,
             f"χ² = {chi_text}, df = {df}, p = {p_text}",
             f"p from χ² ∈ [{lo:g}, {hi:g}]: [{p_lo:.4f}, {p_hi:.4f}]", ok,
             f"the printed p allows χ² in [{x_lo:.2f}, {x_hi:.2f}]"),
    ], columns=COLUMNS)


def exact_wmw_pvalues(n1: int, n2: int) -> pd.DataFrame:
    """The null distribution of the exact two-sided Wilcoxon-Mann-Whitney test (no ties).

    Parameters
    ----------
    n1, n2 : int
        Group sizes.

    Returns
    -------
    pandas.DataFrame
        One row per value of the Mann-Whitney statistic ``U`` (of group 1):
        ``u, count, p_two_sided`` with ``p = min(1, 2 · min(P(U ≤ u), P(U ≥ u)))``,
        as R's ``wilcox.test(exact=TRUE)`` and SAS NPAR1WAY's exact test (the
        distribution is symmetric). ``count`` sums to ``C(n1+n2, n1)``.

    Examples
    --------
    >>> t = exact_wmw_pvalues(3, 11)
    >>> int(t["count"].sum()), round(float(t["p_two_sided"].min()), 4)
    (364, 0.0055)
    """
    # counts[m][k] = number of ways m ranks out of m+n give U = k; recursion on the largest rank
    table = {(0, n): np.array([1], dtype=object) for n in range(n2 + 1)}
    for m in range(1, n1 + 1):
        table[(m, 0)] = np.array([1], dtype=object)
        for n in range(1, n2 + 1):
            a = table[(m - 1, n)]  # largest rank in group 1: adds n to U
            b = table[(m, n - 1)]
            out = np.zeros(m * n + 1, dtype=object)
            out[n:n + len(a)] += a
            out[:len(b)] += b
            table[(m, n)] = out
    counts = table[(n1, n2)].astype(np.int64)
    total = counts.sum()
    cdf = np.cumsum(counts) / total
    sf = np.cumsum(counts[::-1])[::-1] / total
    p = np.minimum(1.0, 2 * np.minimum(cdf, sf))
    return pd.DataFrame({"u": np.arange(len(counts)), "count": counts, "p_two_sided": p})


def wmw_checks(claims: pd.DataFrame | None = None) -> pd.DataFrame:
    """Is the Fig. 4 "P < 0.01 (exact WMW)" attainable with 11 survivors vs 3 non-survivors?

    With 11 vs 3 there are C(14, 3) = 364 equally likely rank sets; the smallest
    two-sided p is 2/364 = 0.0055 (complete separation, U = 0), the next is
    4/364 = 0.011. So "P < 0.01" is attainable, and only if every non-survivor
    has a lower LNR than every survivor — which the text states.
    """
    c = _ledger(claims)
    ids = ["fig4.n_surv", "fig4.n_nonsurv", "fig4.p"]
    if not all(i in c for i in ids):
        return pd.DataFrame(columns=COLUMNS)
    n1, n2 = int(_value(c, ids[1])), int(_value(c, ids[0]))
    t = exact_wmw_pvalues(n1, n2)
    pmin = float(t["p_two_sided"].min())
    ok_u = t.loc[t["p_two_sided"].apply(lambda p: matches(c[ids[2]]["reported"], 2, p)), "u"]
    second = float(np.sort(t["p_two_sided"].unique())[1])
    total = int(t["count"].sum())
    return pd.DataFrame([
        _row("Smallest attainable exact p", "Fig. 4, exact WMW, survivors vs non-survivors", ids,
             f"P {c[ids[2]]['reported']} with N = {n2} vs {n1}",
             f"smallest two-sided p = 2/{total} = {pmin:.4f}; next {second:.4f}",
             len(ok_u) > 0,
             "attainable only with U in {" + ", ".join(str(int(u)) for u in ok_u) + "} "
             "(U = 0: every non-survivor below every survivor)"),
    ], columns=COLUMNS)


#: Printings of the same quantity in different places: (id, id printed elsewhere).
SAME_QUANTITY = [
    ("txt.age.median", "t1.age.median"), ("txt.age.min", "t1.age.min"), ("txt.age.max", "t1.age.max"),
    ("txt.bmi.median", "t1.bmi.median"), ("txt.bmi.min", "t1.bmi.min"), ("txt.bmi.max", "t1.bmi.max"),
    ("txt.sex.m", "t1.sex.m"), ("txt.sex.n", "t1.sex.n"), ("abs.os28.alive", "txt.os28.alive"),
    ("abs.n", "t1.title.n"), ("abs.lnr.median", "txt.lnr.median"), ("fig1.n", "t1.title.n"),
    ("fig2.n", "t1.title.n"), ("fig3.n", "t1.title.n"), ("txt.itt.n", "t1.title.n"),
    ("txt.screening.eligible", "t1.title.n"), ("txt.screening.eligible.results", "t1.title.n"),
    ("txt.screening.screened.results", "txt.screening.screened"),
    ("txt.lnr.died_n", "fig4.n_nonsurv"), ("txt.eot.death", "txt.lnr.died_n"),
    ("fig4.n_excluded", "txt.lnr.excluded.discussion"),
]

#: Ids whose suffix suggests a repeated printing but whose wording differs on purpose:
#: Results "died before day 28" vs Discussion "deceased before day 29" (same patients
#: unless someone died on day 28 exactly).
NOT_SAME_QUANTITY = {"txt.lnr.died_day.discussion"}

#: Sums of printed counts: (ids added, id of the total, description).
SUMS = [
    (["t1.sex.f", "t1.sex.m"], "t1.sex.n", "female + male = N"),
    (["fig4.n_surv", "fig4.n_nonsurv"], "fig4.n_evaluable", "survivors + non-survivors = evaluable"),
    (["fig4.n_evaluable", "fig4.n_excluded", "fig4.n_missing"], "t1.title.n",
     "evaluable + excluded + no data = ITT N"),
    (["txt.os28.alive", "txt.lnr.died_n"], "txt.os28.n", "alive at day 28 + died before day 28 = N"),
    (["txt.adherence.n", "txt.di.below80_n"], "txt.adherence.total", "adherent + below 80% = N"),
    (["txt.ecmo.n_short", "txt.ecmo.n_full"], "txt.ecmo.n", "ECMO 10 days + ECMO 28 days = ECMO patients"),
]


def identity_checks(claims: pd.DataFrame | None = None) -> pd.DataFrame:
    """Arithmetic that printed counts must obey among themselves.

    Repeated printings agree (a ``.intro``/``.discussion``/``.results`` suffix or
    :data:`SAME_QUANTITY`); counts add up (:data:`SUMS`); each cumulative
    frequency of Table 2 is the running sum of N and rows are ordered by N; no risk
    factor has fewer events than patients; reasons for ending treatment early
    leave a non-negative number who completed; the largest cumulative dose does
    not exceed the protocol maximum (2 × 10 mg on day 1, 2 × 15 mg on days 2–28).
    """
    c = _ledger(claims)
    rows = []
    pairs = list(SAME_QUANTITY)
    for i in c:
        if i in NOT_SAME_QUANTITY:
            continue
        for suffix in (".intro", ".discussion", ".discussion2", ".discussion3", ".results"):
            if i.endswith(suffix) and i[: -len(suffix)] in c:
                pairs.append((i, i[: -len(suffix)]))
    for a, b in pairs:
        if a in c and b in c:
            va, vb = _value(c, a), _value(c, b)
            rows.append(_row("Repeated printing agrees", c[a]["quantity"], [a, b],
                             f"{c[a]['reported']} ({c[a]['source']})", f"{c[b]['reported']} ({c[b]['source']})",
                             va == vb))
    for parts, total, text in SUMS:
        if all(i in c for i in parts + [total]):
            s = sum(_value(c, i) for i in parts)
            rows.append(_row("Counts add up", text, parts + [total],
                             " + ".join(c[i]["reported"] for i in parts) + f" = {c[total]['reported']}",
                             f"{s:g}", s == _value(c, total)))
    t2 = [i[:-2] for i in c if i.startswith("t2.") and i.endswith(".n")]
    running, prev = 0, None
    for slug in t2:
        running += _value(c, slug + ".n")
        if slug + ".cum" in c:
            rows.append(_row("Cumulative frequency is a running sum", c[slug + ".n"]["quantity"].split(":")[0],
                             [slug + ".n", slug + ".cum"], c[slug + ".cum"]["reported"], f"{running:g}",
                             running == _value(c, slug + ".cum")))
        n = _value(c, slug + ".n")
        if prev is not None:
            rows.append(_row("Table 2 ordered by N, descending", c[slug + ".n"]["quantity"].split(":")[0],
                             [slug + ".n"], f"{n:g} after {prev:g}", "", n <= prev))
        prev = n
    for i in c:
        if i.startswith("t1.rf.") and i.endswith(".pts") and i[:-4] + ".n" in c:
            pts, n = _value(c, i), _value(c, i[:-4] + ".n")
            nmax = _value(c, "t1.title.n") if "t1.title.n" in c else 16
            rows.append(_row("Risk factors ≥ patients ≤ N", c[i]["quantity"].split(":")[0],
                             [i, i[:-4] + ".n"], f"{pts:g} patients, {n:g} risk factors", "",
                             pts <= n and pts <= nmax))
    eot = ["txt.eot.discharged", "txt.eot.transferred", "txt.eot.death", "txt.eot.ae"]
    if all(i in c for i in eot + ["t1.title.n"]):
        early = sum(_value(c, i) for i in eot)
        rows.append(_row("Reasons for ending early fit in N", "treatment ended before day 28",
                         eot + ["t1.title.n"], " + ".join(c[i]["reported"] for i in eot),
                         f"{early:g} ended early, {_value(c, 't1.title.n') - early:g} completed",
                         early <= _value(c, "t1.title.n")))
    dose = ["txt.dose.start_times", "txt.dose.start_mg", "txt.dose.main_times", "txt.dose.main_mg",
            "txt.dose.main_from", "txt.dose.main_to", "txt.cumdose.max"]
    if all(i in c for i in dose):
        v = [_value(c, i) for i in dose]
        planned = v[0] * v[1] * (v[4] - 1) + v[2] * v[3] * (v[5] - v[4] + 1)
        rows.append(_row("Largest cumulative dose within protocol maximum", "cumulative dose (mg)", dose,
                         f"max {c['txt.cumdose.max']['reported']} mg", f"protocol maximum {planned:g} mg",
                         v[6] <= planned))
    if all(i in c for i in ["txt.tts.more_than", "txt.tts.diff_mean"]):
        ok = matches(c["txt.tts.more_than"]["reported"], 0, _value(c, "txt.tts.diff_mean"))
        rows.append(_row("Verbal summary agrees with the number", "ventilation before treatment",
                         ["txt.tts.more_than", "txt.tts.diff_mean"],
                         f"'{c['txt.tts.more_than']['reported']} day longer, on average'",
                         f"difference in means {c['txt.tts.diff_mean']['reported']}", ok))
    return pd.DataFrame(rows, columns=COLUMNS)


def bmi_checks(claims: pd.DataFrame | None = None) -> pd.DataFrame:
    """Is Table 1's BMI range possible with its weight and height ranges?

    BMI = weight / height², so no patient's BMI exceeds max weight / min height²
    nor falls below min weight / max height². When the printed maximum BMI is
    only just reachable, the heaviest patient must also be the shortest (the
    ``detail`` says so).
    """
    c = _ledger(claims)
    ids = ["t1.bmi.min", "t1.bmi.max", "t1.weight.min", "t1.weight.max", "t1.height.min", "t1.height.max"]
    if not all(i in c for i in ids):
        return pd.DataFrame(columns=COLUMNS)
    bmin, bmax, wmin, wmax, hmin, hmax = (_value(c, i) for i in ids)
    top = wmax / (hmin / 100) ** 2
    bottom = wmin / (hmax / 100) ** 2
    lo_max = float(_interval(c["t1.bmi.max"]["reported"])[0])
    # next-shortest possible height (whole cm) for the heaviest patient
    second = wmax / ((hmin + 1) / 100) ** 2
    forced = second < lo_max <= top
    return pd.DataFrame([
        _row("BMI range within weight/height bounds", "BMI (kg/m2)", ids,
             f"BMI {c['t1.bmi.min']['reported']}–{c['t1.bmi.max']['reported']}",
             f"BMI possible in [{bottom:.2f}, {top:.2f}]",
             lo_max <= top and float(_interval(c["t1.bmi.min"]["reported"])[1]) >= bottom,
             (f"tight: {wmax:g} kg at {hmin:g} cm gives {top:.2f}, at {hmin + 1:g} cm {second:.2f}; "
              f"with whole kg and cm the heaviest patient is also the shortest") if forced else ""),
    ], columns=COLUMNS)


def max_dose_intensity(days_interrupted: float, planned_mg: float = 830.0, dose_mg: float = 15.0,
                       per_day: int = 2) -> float:
    """Highest dose intensity (%) a patient can reach after an interruption of ``days_interrupted``.

    ``per_day · days_interrupted`` administrations of ``dose_mg`` are missed out of at
    most ``planned_mg`` planned.

    Examples
    --------
    >>> round(max_dose_intensity(8), 2)
    71.08
    """
    return 100 * (planned_mg - per_day * days_interrupted * dose_mg) / planned_mg


def dose_checks(claims: pd.DataFrame | None = None) -> pd.DataFrame:
    """Can the interruptions coexist with the printed dose intensities under protocol dosing?

    An interruption of ``D`` days misses ``2·D`` administrations of (at most)
    15 mg. The largest planned total is the 28-day protocol maximum (2 × 10 mg
    on day 1, 2 × 15 mg on days 2–28 = 830 mg), so the interrupted patient's
    dose intensity is at most ``(830 − 30·D) / 830``. Only one patient is below
    80 %, at 72.5 %; every other patient is at or above 80 %. An interruption
    whose best case is below 80 % and not 72.5 % contradicts that, *unless*
    some doses exceeded the protocol's 15 mg or dose intensity was defined
    otherwise (the check is conditional on those two).
    """
    c = _ledger(claims)
    need = ["txt.dose.start_times", "txt.dose.start_mg", "txt.dose.main_times", "txt.dose.main_mg",
            "txt.dose.main_from", "txt.dose.main_to", "txt.di.below80_value", "txt.di.below80_n"]
    if not all(i in c for i in need):
        return pd.DataFrame(columns=COLUMNS)
    v = {i: _value(c, i) for i in need}
    planned = (v["txt.dose.start_times"] * v["txt.dose.start_mg"] * (v["txt.dose.main_from"] - 1)
               + v["txt.dose.main_times"] * v["txt.dose.main_mg"] * (v["txt.dose.main_to"] - v["txt.dose.main_from"] + 1))
    threshold = _value(c, "ctx.di.threshold") if "ctx.di.threshold" in c else 80.0
    low_text = c["txt.di.below80_value"]["reported"]
    rows = []
    for iid in ("txt.interrupt.ae_days", "txt.interrupt.tube_days"):
        if iid not in c:
            continue
        days = _value(c, iid)
        missed = v["txt.dose.main_times"] * days * v["txt.dose.main_mg"]
        best = max_dose_intensity(days, planned, v["txt.dose.main_mg"], int(v["txt.dose.main_times"]))
        ok = best >= threshold or best >= float(_interval(low_text)[0])
        rows.append(_row(
            "Interruption vs dose intensity", c[iid]["quantity"], [iid, *need],
            f"{c[iid]['reported']} days interrupted; one patient below {threshold:g} %, at {low_text} %",
            f"at most ({planned:g} − {missed:g}) / {planned:g} = {best:.1f} %", ok,
            "conditional on doses of at most 15 mg and DI = given / planned over the whole course"
            + ("" if ok else f": {best:.1f} % is below {threshold:g} % and below {low_text} %"),
        ))
    return pd.DataFrame(rows, columns=COLUMNS)


def check_all(claims: pd.DataFrame | None = None) -> pd.DataFrame:
    """Every consistency check of the paper against itself, one row per check."""
    claims = load_claims() if claims is None else claims
    parts = [table1_checks(claims), percentage_checks(claims), pvalue_checks(claims),
             wmw_checks(claims), identity_checks(claims), dose_checks(claims), bmi_checks(claims)]
    return pd.concat([p for p in parts if len(p)], ignore_index=True)
