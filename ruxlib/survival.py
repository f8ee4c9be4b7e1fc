"""Time-to-event analysis: the Kaplan-Meier estimate, the log-rank test, the status at a day.

:func:`km_estimate` works on plain arrays of times and event indicators;
:func:`km_table`, :func:`km_by_group` and :func:`logrank` are adapters for an
ADaM time-to-event dataset (``adtte``): one row per subject and parameter
with ``USUBJID``, ``PARAMCD``, ``AVAL`` (days from the first dose) and
``CNSR`` (ADaM: 0 = event, 1 = censored). The flip from ``CNSR`` to an event
indicator happens in exactly one place, :func:`ruxlib.derive.event_indicator`.
The figures are in :mod:`ruxlib.figures` and take the fitted tables.

The estimators are written out here (rather than delegated) so that every
convention is visible and tested against R ``survival``: censored subjects
at a time leave the risk set *after* the events at that time, Greenwood's
variance, and R's treatment of intervals where the estimate is 0.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from . import arms
from .derive import derive_var_d28out, event_indicator, itt_population
from .stats import TestResult, binomial_test, clopper_pearson, cp_width, n_for_width

__all__ = [
    "CONF_TYPES",
    "aalen_johansen",
    "SurvivalStatus",
    "benchmark_tests",
    "benchmarks",
    "endpoint_label",
    "event_indicator",
    "event_status",
    "itt_adtte",
    "km_by_group",
    "km_estimate",
    "km_table",
    "logrank",
    "logrank_permutation",
    "PERMUTATION_LIMIT",
    "PERMUTATION_RESAMPLES",
    "truncate",
    "median_followup",
    "median_time",
    "n_at_risk",
    "page_values",
    "registered_horizon",
    "reverse_km",
    "risk_table",
    "split_groups",
    "status_at",
    "survival_at",
]

CONF_TYPES = ("log-log", "log", "plain")

PERMUTATION_LIMIT = 200_000
"""The largest number of label splits :func:`logrank_permutation` enumerates; above it, Monte Carlo."""

PERMUTATION_RESAMPLES = 20_000
"""Random label splits drawn by :func:`logrank_permutation` when it cannot enumerate them all
(Monte Carlo standard error of a p value near 0.05: about 0.0015)."""

KM_COLUMNS = ["time", "n_risk", "n_event", "n_censor", "surv", "se", "lower", "upper"]


def _select(adtte: pd.DataFrame, paramcd: str) -> pd.DataFrame:
    if "PARAMCD" not in adtte:
        raise ValueError("adtte has no PARAMCD column")
    rows = adtte[adtte["PARAMCD"] == paramcd]
    if rows.empty:
        present = ", ".join(sorted(map(str, adtte["PARAMCD"].dropna().unique()))) or "none"
        raise ValueError(f"PARAMCD {paramcd!r} is not in adtte (present: {present})")
    for col in ("AVAL", "CNSR"):
        if col not in rows:
            raise ValueError(f"adtte has no {col} column")
    aval = pd.to_numeric(rows["AVAL"], errors="coerce").astype(float)
    if aval.isna().any() or (aval < 0).any():
        raise ValueError(f"AVAL for {paramcd} must be a non-negative number for every row")
    return rows


def _time_event_arrays(time, event) -> tuple[np.ndarray, np.ndarray]:
    """``time`` and ``event`` as flat float arrays; times non-empty, equal in length, non-negative."""
    time = np.asarray(time, dtype=float).ravel()
    event = np.asarray(event, dtype=float).ravel()
    if time.size == 0 or time.size != event.size:
        raise ValueError(f"time and event must be non-empty and of equal length; got {time.size} and {event.size}")
    if np.isnan(time).any() or (time < 0).any():
        raise ValueError("every time must be a non-negative number")
    return time, event


def km_estimate(time, event, conf_type: str = "log-log", alpha: float = 0.05) -> pd.DataFrame:
    """Kaplan-Meier (product-limit) estimate with Greenwood standard errors and pointwise intervals.

    Parameters
    ----------
    time : array-like of float
        Time of event or censoring per subject (non-negative, no NaN).
    event : array-like of int
        1 = event, 0 = censored (for ADaM ``CNSR`` use
        :func:`ruxlib.derive.event_indicator`).
    conf_type : {"log-log", "log", "plain"}, default "log-log"
        Scale on which the normal-theory interval is built:

        * ``"log-log"``: on log(-log S), back-transformed with exp(-exp(.)).
          SAS PROC LIFETEST's default (CONFTYPE=LOGLOG), the interval
          "based on the log hazard" of the paper's Fig. 1 caption, and
          lifelines' default.
        * ``"log"``: on log S; R ``survfit``'s default. Upper bound capped at 1.
        * ``"plain"``: S ± z·se(S), clipped to [0, 1].
    alpha : float, default 0.05
        1 - confidence level (0.05 gives 95 % intervals).

    Returns
    -------
    pandas.DataFrame
        Columns ``time, n_risk, n_event, n_censor, surv, se, lower, upper``,
        one row per distinct time (event or censoring), sorted by time.
        ``n_risk`` counts subjects with time >= ``time``; ``surv`` is S(t)
        just after ``time``; ``se`` is Greenwood's standard error of S(t)
        (NaN once S is 0).

    Raises
    ------
    ValueError
        For an unknown ``conf_type``, an ``alpha`` outside (0, 1), arrays of
        different lengths or none at all, a negative or missing time, or an
        event other than 0/1.

    Notes
    -----
    Algorithm

    1. For every distinct time t (events and censorings): n(t) = subjects with
       time >= t, d(t) = events at t, c(t) = censorings at t. Subjects censored
       at t are still at risk at t, i.e. they leave *after* the deaths at t
       (the convention of Kaplan & Meier, R and SAS).
    2. S(t) = product over times u <= t of (1 - d(u) / n(u)).
    3. Greenwood: V(t) = sum over u <= t of d(u) / (n(u) (n(u) - d(u))),
       the variance of log S(t); se(S) = S · sqrt(V).
    4. With z = Φ⁻¹(1 - alpha/2) the bounds are
       plain: S ± z·S·sqrt(V), clipped to [0, 1];
       log: S·exp(∓z·sqrt(V)), upper capped at 1;
       log-log: ``S^exp(±z·sqrt(V)/|log S|)``, i.e. ``exp(-exp(log(-log S) ± z·sqrt(V)/|log S|))``.
    5. Before the first event (S = 1, V = 0) both bounds are 1. Once S is 0
       the variance is undefined and both bounds are NaN (R ``survfit``
       prints NA there for every type; R also gives NA for log-log where
       S = 1, which this function reports as the degenerate interval [1, 1]).

    References
    ----------
    Kaplan EL, Meier P (1958). JASA 53:457-481.
    Greenwood M (1926). Reports on Public Health and Medical Subjects 33.
    Kalbfleisch JD, Prentice RL (2002). The Statistical Analysis of Failure
    Time Data, 2nd ed., section 1.4 (log-log interval).
    SAS/STAT User's Guide, PROC LIFETEST, "Pointwise Confidence Limits".

    Examples
    --------
    >>> km = km_estimate([2, 3, 3, 5], [1, 1, 0, 0])
    >>> km[["time", "n_risk", "n_event", "n_censor", "surv"]].round(3).to_string(index=False)
    ' time  n_risk  n_event  n_censor  surv\\n  2.0       4        1         0  0.75\\n  3.0       3        1         1  0.50\\n  5.0       1        0         1  0.50'
    """
    if conf_type not in CONF_TYPES:
        raise ValueError(f"conf_type must be one of {', '.join(repr(c) for c in CONF_TYPES)}; got {conf_type!r}")
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be between 0 and 1; got {alpha}")
    time, event = _time_event_arrays(time, event)
    if not np.isin(event, (0.0, 1.0)).all():
        raise ValueError("every event must be 1 (event) or 0 (censored)")
    times = np.unique(time)
    n_risk = np.array([(time >= t).sum() for t in times])
    n_event = np.array([((time == t) & (event == 1)).sum() for t in times])
    n_censor = np.array([((time == t) & (event == 0)).sum() for t in times])
    surv = np.cumprod(1.0 - n_event / n_risk)
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(n_event > 0, n_event / (n_risk * (n_risk - n_event)), 0.0)
    # Greenwood: var(log S) = sum d / (n (n - d)); infinite once S reaches 0.
    var_log = np.cumsum(terms)
    se_log = np.sqrt(var_log)
    lower, upper = _bounds(surv, se_log, conf_type, stats.norm.ppf(1 - alpha / 2))
    with np.errstate(invalid="ignore"):
        se = np.where(surv > 0, surv * se_log, np.nan)
    return pd.DataFrame({
        "time": times,
        "n_risk": n_risk.astype(int),
        "n_event": n_event.astype(int),
        "n_censor": n_censor.astype(int),
        "surv": surv,
        "se": se,
        "lower": lower,
        "upper": upper,
    })[KM_COLUMNS]


def aalen_johansen(time, event) -> pd.DataFrame:
    r"""Aalen-Johansen cumulative incidence of each cause of a competing-risks outcome.

    Parameters
    ----------
    time : array-like of float
        Time of the first event or of censoring per subject (non-negative).
    event : array-like of int
        0 = censored, 1, 2, ... = the cause that happened.

    Returns
    -------
    pandas.DataFrame
        One row per distinct time: ``time``, ``n_risk``, ``n_censor``, one
        ``d<k>`` (events of cause k) and one ``cif<k>`` (cumulative incidence of
        cause k just after ``time``) per cause seen, and ``surv`` (event-free by
        any cause, Kaplan-Meier).

    Raises
    ------
    ValueError
        For arrays of different lengths or none, a negative or missing time, or
        an event code that is not a whole number >= 0.

    Notes
    -----
    Algorithm

    1. For every distinct time t: n(t) at risk (time >= t), d_k(t) events of
       cause k, d(t) = sum over k. Censored subjects leave after the events at t.
    2. S(t) = product over u <= t of (1 - d(u) / n(u)): free of every cause.
    3. CIF_k(t) = sum over u <= t of S(u-) · d_k(u) / n(u), with S(u-) the
       value just before u. The sum over k of CIF_k plus S is 1 at every t
       (each step moves S(u-) · d(u) / n(u) from S to the causes). 1 - KM of one
       cause, with the others censored, would overstate that cause's incidence.
    4. Tied times of different causes need no jitter: both enter the same step.

    References
    ----------
    Aalen OO, Johansen S (1978). Scand J Statist 5:141-150.
    Kalbfleisch JD, Prentice RL (2002), section 8.2.
    lifelines ``AalenJohansenFitter`` (which jitters tied times instead);
    R ``survival::survfit`` with a factor status (multi-state).

    Examples
    --------
    >>> aj = aalen_johansen([1, 2, 3, 4], [1, 2, 0, 1])
    >>> aj[["time", "cif1", "cif2"]].round(3).to_string(index=False)
    ' time  cif1  cif2\n  1.0  0.25  0.00\n  2.0  0.25  0.25\n  3.0  0.25  0.25\n  4.0  0.75  0.25'
    """
    time, event = _time_event_arrays(time, event)
    if np.isnan(event).any() or (event < 0).any() or (event != np.round(event)).any():
        raise ValueError("every event must be 0 (censored) or a cause 1, 2, ...")
    times = np.unique(time)
    causes = [int(k) for k in np.unique(event) if k > 0]
    n_risk = np.array([(time >= t).sum() for t in times], dtype=float)
    d = {k: np.array([((time == t) & (event == k)).sum() for t in times], dtype=float) for k in causes}
    d_all = sum(d.values()) if causes else np.zeros_like(n_risk)
    surv = np.cumprod(1.0 - d_all / n_risk)
    before = np.concatenate([[1.0], surv[:-1]])
    out = {"time": times, "n_risk": n_risk.astype(int),
           "n_censor": np.array([((time == t) & (event == 0)).sum() for t in times])}
    for k in causes:
        out[f"d{k}"] = d[k].astype(int)
        out[f"cif{k}"] = np.cumsum(before * d[k] / n_risk)
    out["surv"] = surv
    return pd.DataFrame(out)


def _bounds(surv: np.ndarray, se_log: np.ndarray, conf_type: str, z: float) -> tuple[np.ndarray, np.ndarray]:
    """Pointwise bounds of :func:`km_estimate` (its steps 4 and 5)."""
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        if conf_type == "plain":
            half = z * se_log * surv
            lower = np.clip(surv - half, 0.0, 1.0)
            upper = np.clip(surv + half, 0.0, 1.0)
        elif conf_type == "log":
            lower = surv * np.exp(-z * se_log)
            upper = np.minimum(surv * np.exp(z * se_log), 1.0)
        else:  # log-log: CI for log(-log S), back-transformed with exp(-exp(.))
            loglog = np.log(-np.log(surv))
            se_ll = se_log / np.abs(np.log(surv))
            lower = np.exp(-np.exp(loglog + z * se_ll))
            upper = np.exp(-np.exp(loglog - z * se_ll))
    at_one = surv >= 1.0
    at_zero = surv <= 0.0
    lower = np.where(at_zero, np.nan, np.where(at_one, 1.0, lower))
    upper = np.where(at_zero, np.nan, np.where(at_one, 1.0, upper))
    return lower, upper


def _time_event(rows: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """``AVAL`` and the event indicator of adtte rows checked by :func:`_select`."""
    return pd.to_numeric(rows["AVAL"]).astype(float).to_numpy(), event_indicator(rows["CNSR"])


def km_table(adtte: pd.DataFrame, paramcd: str = "OS", conf_type: str = "log-log", alpha: float = 0.05) -> pd.DataFrame:
    """Kaplan-Meier table of one parameter of an ADaM time-to-event dataset.

    The adapter from adtte to :func:`km_estimate`: keep the rows of
    ``paramcd``, take time = ``AVAL`` and event = 1 - ``CNSR``.

    Parameters
    ----------
    adtte : pandas.DataFrame
        ADaM time-to-event data with ``PARAMCD``, ``AVAL`` (days) and ``CNSR``
        (0 = event, 1 = censored).
    paramcd : str, default "OS"
        Which parameter to analyse.
    conf_type, alpha
        As in :func:`km_estimate`.

    Returns
    -------
    pandas.DataFrame
        As :func:`km_estimate`.

    Raises
    ------
    ValueError
        For a ``paramcd`` not present in ``adtte``, a ``CNSR`` other than 0/1,
        and as :func:`km_estimate`.
    """
    return km_estimate(*_time_event(_select(adtte, paramcd)), conf_type=conf_type, alpha=alpha)


def survival_at(km: pd.DataFrame, t: float) -> pd.Series:
    """The Kaplan-Meier row in force at time ``t`` (the step function read at t).

    Parameters
    ----------
    km : pandas.DataFrame
        Output of :func:`km_table`.
    t : float
        Time (days). The estimate at t includes events at exactly t.

    Returns
    -------
    pandas.Series
        ``time`` (of the row used), ``n_risk``, ``n_event``, ``n_censor``,
        ``surv``, ``lower``, ``upper``. Before the first time in ``km`` the
        curve is 1 with bounds [1, 1] and ``time`` 0.
    """
    if t < 0:
        raise ValueError(f"t must be >= 0; got {t}")
    before = km[km["time"] <= t]
    if before.empty:
        n0 = int(km["n_risk"].iloc[0]) if len(km) else 0
        return pd.Series({"time": 0.0, "n_risk": n0, "n_event": 0, "n_censor": 0,
                          "surv": 1.0, "lower": 1.0, "upper": 1.0})
    return before.iloc[-1].copy()


def n_at_risk(km: pd.DataFrame, t: float) -> int:
    """Number at risk at time ``t`` (subjects with time >= t) from a Kaplan-Meier table.

    It is ``n_risk`` of the first row at or after ``t``, and 0 after the last time.
    """
    later = km.loc[km["time"] >= t, "n_risk"]
    return int(later.iloc[0]) if len(later) else 0


def split_groups(adtte: pd.DataFrame, group: pd.Series, paramcd: str = "OS") -> dict[object, pd.DataFrame]:
    """The rows of ``paramcd`` split by a group label per subject.

    Parameters
    ----------
    adtte : pandas.DataFrame
        ADaM time-to-event data (``USUBJID``, ``PARAMCD``, ``AVAL``, ``CNSR``).
    group : pandas.Series
        Group label per subject, indexed by ``USUBJID``. Subjects whose group
        is missing (NaN, or absent from the index) are left out.
    paramcd : str, default "OS"

    Returns
    -------
    dict
        Group label -> its adtte rows, labels in sorted order.

    Raises
    ------
    ValueError
        If ``group`` is not a Series with unique USUBJIDs, ``paramcd`` is
        absent, or no subject has a group.
    """
    rows = _select(adtte, paramcd)
    if not isinstance(group, pd.Series):
        raise ValueError("group must be a pandas Series indexed by USUBJID")
    if group.index.has_duplicates:
        raise ValueError("group has duplicate USUBJID values in its index")
    labels = rows["USUBJID"].map(group)
    if labels.isna().all():
        raise ValueError("no subject in adtte has a group")
    levels = sorted(pd.unique(labels.dropna()), key=lambda v: (str(type(v)), v))
    return {v: rows[(labels == v).to_numpy()] for v in levels}


def km_by_group(adtte: pd.DataFrame, group: pd.Series, paramcd: str = "OS", conf_type: str = "log-log",
                alpha: float = 0.05) -> dict[str, pd.DataFrame]:
    """One Kaplan-Meier table per group (:func:`split_groups`, then :func:`km_table`).

    Returns
    -------
    dict
        ``str(label)`` -> Kaplan-Meier table, labels in sorted order.
    """
    return {str(v): km_table(rows, paramcd, conf_type, alpha)
            for v, rows in split_groups(adtte, group, paramcd).items()}


def truncate(adtte: pd.DataFrame, horizon: float) -> pd.DataFrame:
    """Administrative censoring at day ``horizon``: follow-up beyond it is cut off.

    Parameters
    ----------
    adtte : pandas.DataFrame
        ADaM time-to-event data (``AVAL``, ``CNSR``).
    horizon : float
        The last day of follow-up kept.

    Returns
    -------
    pandas.DataFrame
        A copy where every record with ``AVAL > horizon`` becomes ``AVAL = horizon``,
        ``CNSR = 1`` (alive and followed at the horizon); records on or before it are
        unchanged.
    """
    out = adtte.copy()
    late = out["AVAL"].astype(float) > horizon
    out["AVAL"] = out["AVAL"].astype(float).where(~late, float(horizon))
    out.loc[late, "CNSR"] = 1
    return out


def _logrank_counts(m1: np.ndarray, o1: np.ndarray, m: np.ndarray, d: np.ndarray) -> np.ndarray:
    """Two-group log-rank chi-square for each row of group-1 counts.

    ``m`` and ``d`` are, per distinct time (sorted), the number of subjects whose time it is and
    the number of events on it; each row of ``m1`` is how many of a split's group-1 subjects
    have each time and ``o1`` their number of events. The numbers at risk (time ≥ t) are
    cumulative sums from the right, then U = O1 - E1 and V (hypergeometric) as in
    :func:`logrank`. Cost: splits × distinct times, whatever the number of subjects. A split
    whose variance is 0 gets chi-square 0.
    """
    has = d > 0
    n = m[::-1].cumsum()[::-1][has]
    n1 = np.cumsum(m1[:, ::-1], axis=1)[:, ::-1][:, has]
    d = d[has]
    factor = np.where(n > 1, d * (n - d) / np.maximum(n - 1, 1), 0.0)
    u = o1 - n1 @ (d / n)
    var = (n1 / n * (1 - n1 / n)) @ factor
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(var > 1e-12, u**2 / np.where(var > 1e-12, var, 1.0), 0.0)


def logrank_permutation(adtte: pd.DataFrame, group: pd.Series, paramcd: str = "OS",
                        horizon: float | None = None, limit: int = PERMUTATION_LIMIT,
                        n_resamples: int = PERMUTATION_RESAMPLES, seed: int = 0) -> TestResult:
    """Permutation (exact conditional) log-rank test of two groups.

    Parameters
    ----------
    adtte : pandas.DataFrame
        ADaM time-to-event data (``USUBJID``, ``PARAMCD``, ``AVAL``, ``CNSR``).
    group : pandas.Series
        Group label per subject, indexed by ``USUBJID``; exactly two labels.
    paramcd : str, default "OS"
    horizon : float, optional
        Censor administratively at this day first (:func:`truncate`).
    limit : int, default :data:`PERMUTATION_LIMIT` (200,000)
        Enumerate every split when there are at most this many, else Monte Carlo.
    n_resamples : int, default :data:`PERMUTATION_RESAMPLES` (20,000)
        Random splits drawn for the Monte Carlo p value.
    seed : int, default 0
        Seed of the Monte Carlo draws (``numpy.random.default_rng``).

    Returns
    -------
    ruxlib.stats.TestResult
        ``statistic``: the observed log-rank chi-square (as :func:`logrank`); ``pvalue``:
        the share of splits with a chi-square at least as large; ``method``: ``"exact"``
        (full enumeration) or ``"Monte Carlo"``; ``n``, ``sizes``, ``table`` as :func:`logrank`.

    Notes
    -----
    Algorithm

    1. Keep each subject's (time, event) fixed; under the null hypothesis that survival
       does not depend on the group, every one of the C(n, n₁) ways to choose which n₁
       subjects carry the first label is equally likely (conditional on the observed
       times, events and censoring, assumed independent of the group).
    2. Compute the log-rank chi-square (two groups: U²/V, U = O₁ - E₁) for every split
       (enumerated with ``itertools.combinations`` when C(n, n₁) ≤ ``limit``), or for
       ``n_resamples`` random splits. The statistic depends on a split only through how
       many group-1 subjects have each (time, event): splits are reduced to those counts, and
       a random split is drawn directly as them (multivariate hypergeometric), so the cost
       grows with the number of distinct times, not with the number of subjects squared.
    3. Exact: p = #{splits with χ²* ≥ χ²_obs} / C(n, n₁) (comparison with a relative
       tolerance of 1e-9, so ties of the statistic count as "at least as large").
       Monte Carlo: p = (1 + #{χ²* ≥ χ²_obs}) / (1 + n_resamples), never 0.

    The two-sided test rejects for large χ², as the asymptotic test does; with few
    events the chi-square approximation can be far off, and this p is exact.

    References
    ----------
    Heimann G, Neuhaus G (1998). Permutational distribution of the log-rank statistic
    under random censorship with applications to carcinogenicity assays. Biometrics 54:168-184.
    """
    import itertools
    import math

    if horizon is not None:
        adtte = truncate(adtte, horizon)
    observed = logrank(adtte, group, paramcd)
    groups = split_groups(adtte, group, paramcd)
    if len(groups) != 2:
        raise ValueError(f"the permutation log-rank test needs exactly two groups; got {len(groups)}")
    time, event = _time_event(pd.concat(groups.values()))
    n1, n = len(next(iter(groups.values()))), len(time)
    total = math.comb(n, n1)
    times, k = np.unique(time, return_inverse=True)
    width = times.size
    m = np.bincount(k, minlength=width).astype(float)
    d = np.bincount(k, weights=event.astype(float), minlength=width)

    def chisq(cells: np.ndarray) -> np.ndarray:
        """χ² of each split given as subject indices (rows of ``cells``) of group 1."""
        rows = np.repeat(np.arange(len(cells)), cells.shape[1])
        m1 = np.bincount(rows * width + k[cells].ravel(), minlength=len(cells) * width).reshape(len(cells), width)
        return _logrank_counts(m1.astype(float), event[cells].sum(axis=1).astype(float), m, d)

    stat = float(chisq(np.arange(n1)[None, :])[0])
    chunk = max(1, min(20_000, 20_000_000 // max(width, n1, 1)))
    count = 0
    if total <= limit:
        method = "exact"
        splits = itertools.combinations(range(n), n1)
        while block := list(itertools.islice(splits, chunk)):
            count += int((chisq(np.array(block, dtype=np.int64).reshape(len(block), n1)) >= stat * (1 - 1e-9)).sum())
    else:
        # a random split of the labels puts a multivariate hypergeometric number of group-1
        # subjects in each (time, event) cell: draw those counts, not the n labels
        method = "Monte Carlo"
        rng = np.random.default_rng(seed)
        colours = np.bincount(2 * k + event.astype(int), minlength=2 * width)
        for start in range(0, n_resamples, chunk):
            draws = rng.multivariate_hypergeometric(colours, n1, size=min(chunk, n_resamples - start))
            m1 = (draws[:, 0::2] + draws[:, 1::2]).astype(float)
            count += int((_logrank_counts(m1, draws[:, 1::2].sum(axis=1).astype(float), m, d)
                          >= stat * (1 - 1e-9)).sum())
    pvalue = count / total if method == "exact" else (1 + count) / (1 + n_resamples)
    return TestResult(statistic=stat, pvalue=float(pvalue), method=method, n=n, df=observed.df,
                      test="Permutation log-rank", symbol="χ²", sizes=observed.sizes, table=observed.table)


def logrank(adtte: pd.DataFrame, group: pd.Series, paramcd: str = "OS") -> TestResult:
    """Log-rank (Mantel-Cox) test of equal survival across k groups.

    Parameters
    ----------
    adtte : pandas.DataFrame
        ADaM time-to-event data (``USUBJID``, ``PARAMCD``, ``AVAL``, ``CNSR``).
    group : pandas.Series
        Group label per subject, indexed by ``USUBJID``. Subjects whose group
        is missing (NaN, or absent from the index) are dropped.
    paramcd : str, default "OS"

    Returns
    -------
    ruxlib.stats.TestResult
        ``statistic`` (chi-square), ``df``, ``pvalue``, ``method``
        ``"chi-square"``, ``n``, ``sizes`` per group, and ``table`` with ``n``,
        observed and expected events per group (index: the group labels,
        sorted). Matches R ``survdiff(Surv(time, status) ~ group)``.

    Raises
    ------
    ValueError
        If ``paramcd`` is absent, fewer than two groups remain, there are no
        events, or CNSR is not 0/1.

    Notes
    -----
    Algorithm

    1. Keep rows of ``paramcd`` whose subject has a non-missing group
       (:func:`split_groups`); event = 1 - CNSR.
    2. At each distinct event time t of the pooled sample, with n(t) at risk
       and d(t) events in total, and n_j(t) at risk in group j:
       E_j += d n_j / n, and the hypergeometric covariance
       V_jk += d (n - d) / (n - 1) · (n_j / n) (δ_jk - n_k / n)
       (the n - 1 term is taken as 1 when n = 1, where the factor n - d is 0).
    3. O_j = events observed in group j; U = O - E.
    4. Chi-square = Uᵀ V⁻ U, with V⁻ a generalised inverse (equivalently, drop
       one group and invert). df = number of groups with E_j > 0, minus 1.
    5. p = P(χ²_df ≥ chi-square).

    References
    ----------
    Mantel N (1966). Cancer Chemotherapy Reports 50:163-170.
    R package survival, ``survdiff`` (rho = 0).
    """
    groups = split_groups(adtte, group, paramcd)
    levels = list(groups)
    if len(levels) < 2:
        raise ValueError(f"the log-rank test needs at least two groups; got {len(levels)}")
    time, event = _time_event(pd.concat(groups.values()))
    g = np.repeat(np.arange(len(levels)), [len(rows) for rows in groups.values()])
    k = len(levels)
    obs = np.array([event[g == j].sum() for j in range(k)], dtype=float)
    exp_ = np.zeros(k)
    var = np.zeros((k, k))
    for t in np.unique(time[event == 1]):
        at_risk = time >= t
        n = at_risk.sum()
        d = ((time == t) & (event == 1)).sum()
        nj = np.array([(at_risk & (g == j)).sum() for j in range(k)], dtype=float)
        exp_ += d * nj / n
        factor = d * (n - d) / (n - 1) if n > 1 else 0.0
        p = nj / n
        var += factor * (np.diag(p) - np.outer(p, p))
    if obs.sum() == 0:
        raise ValueError(f"no events for {paramcd} among the grouped subjects; the log-rank test is undefined")
    u = obs - exp_
    stat = float(u @ np.linalg.pinv(var) @ u)
    df = int((exp_ > 0).sum() - 1)
    pvalue = float(stats.chi2.sf(stat, df)) if df > 0 else float("nan")
    table = pd.DataFrame({
        "n": [int((g == j).sum()) for j in range(k)],
        "observed": obs,
        "expected": exp_,
    }, index=pd.Index(levels, name="group"))
    return TestResult(statistic=stat, pvalue=pvalue, method="chi-square", n=len(time), df=df, test="Log-rank",
                      symbol="χ²", sizes=tuple(table["n"].tolist()), table=table)


def median_time(km: pd.DataFrame) -> float | None:
    """Median of a Kaplan-Meier curve, by R ``survfit``'s rule; None if the curve never reaches 0.5.

    Notes
    -----
    Algorithm

    1. The median is the first time t at which S(t) <= 0.5.
    2. If S(t) is exactly 0.5 (within 1e-8) and a later time drops below it,
       the median is the midpoint between t and that next time (R's
       ``quantile.survfit``: the curve is flat at 0.5 over the interval).

    References
    ----------
    R package survival, ``print.survfit`` / ``quantile.survfit``.

    Examples
    --------
    >>> median_time(km_estimate([1, 2, 3, 4], [1, 1, 1, 1]))  # R: survfit(Surv(1:4) ~ 1) median 2.5
    2.5
    """
    surv, times = km["surv"].to_numpy(), km["time"].to_numpy()
    below = np.flatnonzero(surv <= 0.5 + 1e-8)
    if below.size == 0:
        return None
    i = below[0]
    if abs(surv[i] - 0.5) < 1e-8:
        later = np.flatnonzero(surv < 0.5 - 1e-8)
        if later.size:
            return float((times[i] + times[later[0]]) / 2)
    return float(times[i])


def reverse_km(time, event) -> pd.DataFrame:
    """Reverse Kaplan-Meier: the estimate of the censoring distribution (:func:`km_estimate` of 1 - event).

    The reverse Kaplan-Meier median is the median follow-up of Schemper & Smith
    (1996): a death ends observation before follow-up was complete, so it counts
    as censored, and being censored (reaching the end of observation alive) is
    the "event". Unlike the median of all observation times, it is not
    shortened by early deaths.

    References
    ----------
    Schemper M, Smith TL (1996). Controlled Clinical Trials 17:343-346.
    """
    event = np.asarray(event, dtype=float).ravel()
    if not np.isin(event, (0.0, 1.0)).all():
        raise ValueError("every event must be 1 (event) or 0 (censored)")
    return km_estimate(time, 1 - event)


def median_followup(adtte: pd.DataFrame, paramcd: str = "OS") -> float | None:
    """Median follow-up of ``paramcd`` by the reverse Kaplan-Meier method (:func:`reverse_km`, :func:`median_time`).

    Returns None when fewer than half of the subjects are censored by the last time
    (the censoring distribution never reaches 0.5).
    """
    return median_time(reverse_km(*_time_event(_select(adtte, paramcd))))


def risk_table(km: pd.DataFrame, times) -> pd.DataFrame:
    """The risk table under a Kaplan-Meier plot: at each of ``times``, at risk and events and censorings so far.

    Parameters
    ----------
    km : pandas.DataFrame
        Output of :func:`km_estimate` or :func:`km_table`.
    times : iterable of float
        Days at which to read the table.

    Returns
    -------
    pandas.DataFrame
        Index ``day``; ``n_risk`` (time >= day, as :func:`n_at_risk`),
        ``events`` and ``censored`` (cumulative, at times <= day) and ``surv``
        (S(day), :func:`survival_at`).
    """
    rows = []
    for t in times:
        done = km[km["time"] <= t]
        rows.append({"day": t, "n_risk": n_at_risk(km, t), "events": int(done["n_event"].sum()),
                     "censored": int(done["n_censor"].sum()), "surv": float(survival_at(km, t)["surv"])})
    return pd.DataFrame(rows).set_index("day")


def registered_horizon(outcome: str = "os_day90", nct_id: str = "NCT04359290") -> float:
    """The horizon (days) of a registered outcome of a trial record in ``data/registry/``.

    The default is the paper's secondary endpoint, overall survival at day 90
    ("Secondary endpoints included overall survival at 90 days", Methods).
    """
    from .registry import load_record

    for o in load_record(nct_id)["outcomes"]:
        if o["id"] == outcome:
            if o.get("time_frame_days") is None:
                raise ValueError(f"outcome {outcome!r} of {nct_id} has no time frame in days")
            return float(o["time_frame_days"])
    raise ValueError(f"outcome {outcome!r} is not in the record of {nct_id}")


def benchmarks(records: dict[str, dict] | None = None, claims: pd.DataFrame | None = None) -> pd.DataFrame:
    """Named survival benchmarks for a one-sample test: external placebo arm and the paper's historical range.

    Parameters
    ----------
    records : dict, optional
        Registry records (:func:`ruxlib.registry.load_all`); default the shipped ones.
    claims : pandas.DataFrame, optional
        The ledger (:func:`ruxlib.claims.load_claims`); default the shipped one.

    Returns
    -------
    pandas.DataFrame
        Index ``key``; ``label``, ``survival`` (proportion), ``horizon`` (day)
        and ``source``. Rows:

        * ``devent-placebo``: survival of the RUXCOVID-DEVENT placebo arm
          (NCT04377620), 1 - deaths / n from the record's ``results.by_arm.placebo``
          (the record cites Crit Care Med 2022, Table 2; deaths by day 29);
        * ``historical-low`` / ``historical-high``: the paper's "range between
          60 and 25% seen in previously reported day 28 survival rates" (Discussion,
          its refs 28-30), from the ledger rows ``ctx.disc.hist_low`` / ``ctx.disc.hist_high``.

        A source that is missing leaves its row out; nothing is filled in.
    """
    from .claims import load_claims
    from .registry import load_all

    records = load_all() if records is None else records
    claims = load_claims() if claims is None else claims
    rows = []
    devent = records.get("NCT04377620", {}).get("results") or {}
    placebo = devent.get("by_arm", {}).get("placebo")
    if devent.get("events_are") == "deaths" and placebo:
        rows.append({"key": "devent-placebo", "label": "RUXCOVID-DEVENT placebo arm",
                     "survival": 1 - placebo["events"] / placebo["n"], "horizon": float(devent["horizon_days"]),
                     "source": f"NCT04377620 record: {placebo['n'] - placebo['events']}/{placebo['n']} alive"})
    ledger = claims.set_index("id")
    day = float(ledger.loc["ctx.disc.hist_day", "reported"]) if "ctx.disc.hist_day" in ledger.index else None
    for key, cid, word in [("historical-low", "ctx.disc.hist_low", "lower"),
                           ("historical-high", "ctx.disc.hist_high", "upper")]:
        if cid in ledger.index and day is not None:
            rows.append({"key": key, "label": f"earlier COVID-19 ARDS series, {word} end",
                         "survival": float(ledger.loc[cid, "reported"]) / 100, "horizon": day,
                         "source": f"paper, Discussion (refs 28-30); ledger {cid}"})
    return pd.DataFrame(rows, columns=["key", "label", "survival", "horizon", "source"]).set_index("key")


def benchmark_tests(alive: int, n: int, table: pd.DataFrame) -> pd.DataFrame:
    """Exact binomial tests of alive / n against each benchmark survival of ``table`` (:func:`benchmarks`).

    Returns
    -------
    pandas.DataFrame
        ``table`` with ``p_greater`` (H1: true survival above the benchmark, the
        direction of the paper's "compares favorably") and ``p_two_sided``
        (R ``binom.test``'s rule), from :func:`ruxlib.stats.binomial_test`.
    """
    out = table.copy()
    out["p_greater"] = [binomial_test(alive, n, p0, "greater").pvalue for p0 in table["survival"]]
    out["p_two_sided"] = [binomial_test(alive, n, p0).pvalue for p0 in table["survival"]]
    return out


@dataclass(frozen=True)
class SurvivalStatus:
    """Vital status of a population at a horizon (see :func:`status_at`).

    Attributes
    ----------
    horizon : float
        Day of the status.
    n : int
        Subjects with an OS record.
    dead : int
        Died on or before the horizon.
    alive : int
        n - dead (alive at the horizon by the project's definition).
    censored_before : int
        Censored before the horizon: alive by that definition but not followed
        to it, so the Kaplan-Meier estimate and alive / n can differ.
    """

    horizon: float
    n: int
    dead: int
    alive: int
    censored_before: int


def status_at(adsl: pd.DataFrame, horizon: float = 28) -> SurvivalStatus:
    """Counts of subjects dead and alive at ``horizon`` (the agreed day-28 definitions).

    Parameters
    ----------
    adsl : pandas.DataFrame
        The population to count (e.g. ``derive.itt_population(study.adsl)``),
        with ``DTHDY`` and ``LSTALVDY`` as :func:`ruxlib.io.load_study` derives them.
    horizon : float, default 28
        Day of the status (days from the first dose, first dose = day 0).

    Returns
    -------
    SurvivalStatus
        Dead and alive as :func:`ruxlib.derive.derive_var_d28out` defines them
        (alive at day 28 = not (CNSR == 0 and AVAL <= 28)).
    """
    status = derive_var_d28out(adsl, horizon)["D28OUT"]
    censored_before = adsl["DTHDY"].isna() & adsl["LSTALVDY"].lt(horizon)
    n, dead = int(status.notna().sum()), int(status.eq("DEAD").sum())
    return SurvivalStatus(horizon=horizon, n=n, dead=dead, alive=n - dead,
                          censored_before=int(censored_before.sum()))


def itt_adtte(study) -> pd.DataFrame:
    """The adtte rows of the intention-to-treat subjects (``adsl.ITTFL == "Y"``)."""
    if study.adtte is None:
        raise ValueError("this study folder has no adtte.csv")
    itt = itt_population(study.adsl)["USUBJID"]
    return study.adtte[study.adtte["USUBJID"].isin(set(itt))]


def endpoint_label(adtte: pd.DataFrame | None, paramcd: str = "OS") -> str:
    """The ``PARAM`` text of ``paramcd`` in adtte, else the code itself.

    Examples
    --------
    >>> endpoint_label(pd.DataFrame({"PARAMCD": ["OS"], "PARAM": ["Overall survival"]}))
    'Overall survival'
    >>> endpoint_label(None, "TTDE")
    'TTDE'
    """
    if adtte is None or "PARAM" not in adtte:
        return paramcd
    labels = adtte.loc[adtte["PARAMCD"].eq(paramcd), "PARAM"].dropna().astype(str).str.strip()
    labels = labels[labels != ""]
    return str(labels.iloc[0]) if len(labels) else paramcd


def event_status(adtte: pd.DataFrame, paramcd: str = "OS", horizon: float = 28) -> SurvivalStatus:
    """Counts of subjects with and without the event of ``paramcd`` by ``horizon``, from adtte.

    The definitions of :func:`status_at`, for any endpoint: ``dead`` counts the events on or
    before the horizon (``CNSR == 0`` and ``AVAL <= horizon``), ``alive`` the others, and
    ``censored_before`` those censored before the horizon. For ``OS`` it equals
    :func:`status_at` of the same subjects.
    """
    time, event = _time_event(_select(adtte, paramcd))
    dead = int(((event == 1) & (time <= horizon)).sum())
    return SurvivalStatus(horizon=horizon, n=len(time), dead=dead, alive=len(time) - dead,
                          censored_before=int(((event == 0) & (time < horizon)).sum()))


def page_values(study, horizon: float = 28, alpha: float = 0.05, conf_type: str = "log-log",
                endpoint: str = "OS", arm: str = "TRT01P", target_width: float = 0.20) -> dict[str, object]:
    """Every number the survival page (``km-survival``) quotes: day-``horizon`` status, Kaplan-Meier, log-rank.

    Parameters
    ----------
    study : ruxlib.io.Study
    horizon, alpha, conf_type
        As in :func:`km_table` and :func:`event_status`.
    endpoint : str, default "OS"
        The adtte ``PARAMCD`` analysed.
    arm : str, default "TRT01P"
        The adsl column of the planned arm (:func:`ruxlib.arms.arm_of`).
    target_width : float, default 0.20
        Full width of the exact interval that the "N needed" figure aims at.

    Returns
    -------
    dict
        ``km-survival-*`` names → values: the endpoint's label (``PARAM``, else the code), the
        analysis set N, events and event-free at the horizon, censored before it, the
        Kaplan-Meier S(horizon) and its limits (in %), event-free / N and its Clopper-Pearson
        limits (in %); with two or more arms, their number and the log-rank test across them.
        ``None`` for what needs the endpoint in adtte.csv, or arms, when they are absent.
        Beyond the paper (:func:`_beyond_values`): the reverse Kaplan-Meier median follow-up,
        the Kaplan-Meier estimate at the registered day-90 horizon, exact binomial tests of
        event-free / N against each of :func:`benchmarks`, the Clopper-Pearson width and the N
        for a width of ``target_width``.
    """
    out: dict[str, object] = {"km-survival-level": 100 * (1 - alpha), "km-survival-horizon": horizon,
                              "km-survival-endpoint": endpoint_label(study.adtte, endpoint)}
    names = ("n", "dead", "alive", "cens-before", "s", "lower", "upper", "alive-pct", "cp-lower", "cp-upper",
             "arms", "lr-chisq", "lr-df", "lr-p", *BEYOND_NAMES)
    out.update({f"km-survival-{name}": None for name in names})
    out["km-survival-target-width"] = 100 * target_width
    adtte = itt_adtte(study) if study.adtte is not None else None
    if adtte is None or not adtte["PARAMCD"].eq(endpoint).any():
        return out
    status = event_status(adtte, endpoint, horizon)
    at = survival_at(km_table(adtte, endpoint, conf_type=conf_type, alpha=alpha), horizon)
    out.update({"km-survival-n": status.n, "km-survival-dead": status.dead, "km-survival-alive": status.alive,
                "km-survival-cens-before": status.censored_before, "km-survival-s": 100 * float(at["surv"]),
                "km-survival-lower": 100 * float(at["lower"]), "km-survival-upper": 100 * float(at["upper"])})
    out.update(_beyond_values(adtte, endpoint, status, conf_type, alpha, target_width))
    if status.n:
        cp = clopper_pearson(status.alive, status.n, alpha=alpha)
        out.update({"km-survival-alive-pct": 100 * status.alive / status.n,
                    "km-survival-cp-lower": 100 * cp.lower, "km-survival-cp-upper": 100 * cp.upper})
    groups = arms.arm_of(study, arm)
    if groups is not None and adtte.loc[adtte["PARAMCD"].eq(endpoint), "CNSR"].eq(0).any():
        test = logrank(adtte, groups, endpoint)
        out.update({"km-survival-arms": len(test.table), "km-survival-lr-chisq": test.statistic,
                    "km-survival-lr-df": test.df, "km-survival-lr-p": test.pvalue})
    return out


BENCHMARK_KEYS = ("devent-placebo", "historical-low", "historical-high")
BEYOND_NAMES = ("cross-days", "crosses", "fu-median", "long-horizon", "long-s", "long-lower", "long-upper", "long-risk", "long-dead",
                "long-cens", "cp-width", "n-for-width",
                *(f"bench-{k}-{v}" for k in BENCHMARK_KEYS for v in ("pct", "day", "p", "p2")))


def _beyond_values(adtte: pd.DataFrame, endpoint: str, status: SurvivalStatus, conf_type: str, alpha: float,
                   target_width: float) -> dict[str, object]:
    """The page's "Beyond the paper" numbers (names without a value are left to the caller's None)."""
    out: dict[str, object] = {"km-survival-fu-median": median_followup(adtte, endpoint)}
    long = registered_horizon()
    km = km_table(adtte, endpoint, conf_type=conf_type, alpha=alpha)
    # the days a censoring cross is drawn on the curve to the horizon (ruxlib.figures.km_plot)
    out["km-survival-cross-days"] = int(((km["n_censor"] > 0) & (km["time"] <= status.horizon)).sum())
    # the sentence about the crosses only when the plotted range has one (None drops it)
    out["km-survival-crosses"] = out["km-survival-cross-days"] or None
    out["km-survival-long-horizon"] = long
    if km["time"].max() >= long:  # the estimate is defined only up to the last follow-up
        at = survival_at(km, long)
        table = risk_table(km, [long]).iloc[0]
        out.update({"km-survival-long-s": 100 * float(at["surv"]), "km-survival-long-lower": 100 * float(at["lower"]),
                    "km-survival-long-upper": 100 * float(at["upper"]), "km-survival-long-risk": int(table["n_risk"]),
                    "km-survival-long-dead": int(table["events"]),
                    "km-survival-long-cens": int(table["censored"]) - int(km.loc[km["time"] == long, "n_censor"].sum())})
    if status.n:
        out["km-survival-cp-width"] = 100 * cp_width(status.alive, status.n, alpha)
        out["km-survival-n-for-width"] = n_for_width(target_width, status.alive / status.n, alpha)
        tests = benchmark_tests(status.alive, status.n, benchmarks())
        for key, row in tests.iterrows():
            out.update({f"km-survival-bench-{key}-pct": 100 * row["survival"], f"km-survival-bench-{key}-day": row["horizon"],
                        f"km-survival-bench-{key}-p": row["p_greater"], f"km-survival-bench-{key}-p2": row["p_two_sided"]})
    return out
