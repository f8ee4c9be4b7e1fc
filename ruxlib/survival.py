"""Time-to-event analysis: Kaplan-Meier tables, the log-rank test and the KM figure.

Input is an ADaM time-to-event dataset (``adtte``): one row per subject and
parameter with ``USUBJID``, ``PARAMCD``, ``AVAL`` (days from the first dose)
and ``CNSR`` (ADaM: 0 = event, 1 = censored). The flip from ``CNSR`` to an
event indicator happens in exactly one place, :func:`event_indicator`.

The estimators are written out here (rather than delegated) so that every
convention is visible and tested against R ``survival``: censored subjects
at a time leave the risk set *after* the events at that time, Greenwood's
variance, and R's treatment of intervals where the estimate is 0.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

__all__ = [
    "CONF_TYPES",
    "LogrankResult",
    "claim_values",
    "event_indicator",
    "itt_adtte",
    "km_plot",
    "km_table",
    "logrank",
    "status_at",
    "survival_at",
]

CONF_TYPES = ("log-log", "log", "plain")

KM_COLUMNS = ["time", "n_risk", "n_event", "n_censor", "surv", "lower", "upper"]


def event_indicator(cnsr) -> np.ndarray:
    """Turn ADaM ``CNSR`` (1 = censored, 0 = event) into an event indicator (1 = event).

    This is the only place in ruxlib where the flip happens.

    Parameters
    ----------
    cnsr : array-like
        ADaM censoring flags; every value must be 0 or 1 (ints, floats equal
        to 0/1, or booleans are accepted).

    Returns
    -------
    numpy.ndarray of int
        1 where the subject had the event, 0 where censored.

    Raises
    ------
    ValueError
        If any value is missing or not 0/1.

    Examples
    --------
    >>> event_indicator([0, 1, 1]).tolist()
    [1, 0, 0]
    """
    values = pd.Series(cnsr, dtype="object")
    bad = []
    for i, v in enumerate(values.tolist()):
        ok = False
        if v is not None and not (isinstance(v, float) and np.isnan(v)) and v is not pd.NA:
            try:
                ok = float(v) in (0.0, 1.0)
            except (TypeError, ValueError):
                ok = False
        if not ok:
            bad.append((i, v))
    if bad:
        shown = ", ".join(f"position {i}: {v!r}" for i, v in bad[:5])
        more = f" (and {len(bad) - 5} more)" if len(bad) > 5 else ""
        raise ValueError(f"CNSR must be 0 (event) or 1 (censored); got {shown}{more}")
    return 1 - values.astype(float).to_numpy().astype(int)


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


def _km_arrays(time: np.ndarray, event: np.ndarray, conf_type: str, alpha: float) -> pd.DataFrame:
    """Kaplan-Meier table from plain arrays (time, event 1/0)."""
    if conf_type not in CONF_TYPES:
        raise ValueError(f"conf_type must be one of {', '.join(repr(c) for c in CONF_TYPES)}; got {conf_type!r}")
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be between 0 and 1; got {alpha}")
    time = np.asarray(time, dtype=float)
    event = np.asarray(event, dtype=int)
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
    z = stats.norm.ppf(1 - alpha / 2)
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
    lower = np.where(at_one, 1.0, lower)
    upper = np.where(at_one, 1.0, upper)
    at_zero = surv <= 0.0
    lower = np.where(at_zero, np.nan, lower)
    upper = np.where(at_zero, np.nan, upper)
    return pd.DataFrame({
        "time": times,
        "n_risk": n_risk.astype(int),
        "n_event": n_event.astype(int),
        "n_censor": n_censor.astype(int),
        "surv": surv,
        "lower": lower,
        "upper": upper,
    })[KM_COLUMNS]


def km_table(adtte: pd.DataFrame, paramcd: str = "OS", conf_type: str = "log-log", alpha: float = 0.05) -> pd.DataFrame:
    """Kaplan-Meier estimate with Greenwood pointwise confidence intervals.

    Parameters
    ----------
    adtte : pandas.DataFrame
        ADaM time-to-event data with ``PARAMCD``, ``AVAL`` (days) and ``CNSR``
        (0 = event, 1 = censored).
    paramcd : str, default "OS"
        Which parameter to analyse.
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
        Columns ``time, n_risk, n_event, n_censor, surv, lower, upper``, one
        row per distinct time (event or censoring), sorted by time.
        ``n_risk`` counts subjects with ``AVAL >= time``; ``surv`` is S(t)
        just after ``time``.

    Raises
    ------
    ValueError
        For an unknown ``conf_type``, a ``paramcd`` not present in
        ``adtte``, or a ``CNSR`` other than 0/1.

    Notes
    -----
    Algorithm

    1. Keep the rows of ``paramcd``; event = 1 - CNSR (:func:`event_indicator`).
    2. For every distinct time t (events and censorings): n(t) = subjects with
       AVAL >= t, d(t) = events at t, c(t) = censorings at t. Subjects censored
       at t are still at risk at t, i.e. they leave *after* the deaths at t
       (the convention of Kaplan & Meier, R and SAS).
    3. S(t) = product over times u <= t of (1 - d(u) / n(u)).
    4. Greenwood: V(t) = sum over u <= t of d(u) / (n(u) (n(u) - d(u))),
       the variance of log S(t); se(S) = S · sqrt(V).
    5. With z = Φ⁻¹(1 - alpha/2) the bounds are
       plain: S ± z·S·sqrt(V), clipped to [0, 1];
       log: S·exp(∓z·sqrt(V)), upper capped at 1;
       log-log: S^exp(±z·sqrt(V)/|log S|), i.e. exp(-exp(log(-log S) ± z·sqrt(V)/|log S|)).
    6. Before the first event (S = 1, V = 0) both bounds are 1. Once S is 0
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
    >>> import pandas as pd
    >>> d = pd.DataFrame({"USUBJID": list("abcd"), "PARAMCD": "OS",
    ...                   "AVAL": [2, 3, 3, 5], "CNSR": [0, 0, 1, 1]})
    >>> km_table(d)[["time", "n_risk", "n_event", "n_censor", "surv"]].round(3).to_string(index=False)
    ' time  n_risk  n_event  n_censor  surv\\n  2.0       4        1         0  0.75\\n  3.0       3        1         1  0.50\\n  5.0       1        0         1  0.50'
    """
    if conf_type not in CONF_TYPES:
        raise ValueError(f"conf_type must be one of {', '.join(repr(c) for c in CONF_TYPES)}; got {conf_type!r}")
    rows = _select(adtte, paramcd)
    event = event_indicator(rows["CNSR"])
    time = pd.to_numeric(rows["AVAL"]).astype(float).to_numpy()
    return _km_arrays(time, event, conf_type, alpha)


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


@dataclass
class LogrankResult:
    """Result of :func:`logrank`.

    Attributes
    ----------
    statistic : float
        Log-rank chi-square.
    df : int
        Degrees of freedom (groups with a positive expected count minus 1).
    pvalue : float
        Upper tail of the chi-square distribution on ``df`` degrees of freedom.
    table : pandas.DataFrame
        One row per group: ``n``, ``observed``, ``expected`` events.
    """

    statistic: float
    df: int
    pvalue: float
    table: pd.DataFrame = field(repr=False)

    @property
    def observed(self) -> pd.Series:
        """Observed events per group."""
        return self.table["observed"]

    @property
    def expected(self) -> pd.Series:
        """Expected events per group under the null hypothesis."""
        return self.table["expected"]


def logrank(adtte: pd.DataFrame, group: pd.Series, paramcd: str = "OS") -> LogrankResult:
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
    LogrankResult
        ``statistic`` (chi-square), ``df``, ``pvalue``, and ``table`` with
        observed and expected events per group. Matches R
        ``survdiff(Surv(time, status) ~ group)``.

    Raises
    ------
    ValueError
        If ``paramcd`` is absent, fewer than two groups remain, there are no
        events, or CNSR is not 0/1.

    Notes
    -----
    Algorithm

    1. Keep rows of ``paramcd`` whose subject has a non-missing group;
       event = 1 - CNSR.
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
    rows = _select(adtte, paramcd)
    if not isinstance(group, pd.Series):
        raise ValueError("group must be a pandas Series indexed by USUBJID")
    if group.index.has_duplicates:
        raise ValueError("group has duplicate USUBJID values in its index")
    labels = rows["USUBJID"].map(group)
    keep = labels.notna().to_numpy()
    rows = rows[keep]
    labels = labels[keep]
    if rows.empty:
        raise ValueError("no subject in adtte has a group")
    levels = sorted(pd.unique(labels), key=lambda v: (str(type(v)), v))
    if len(levels) < 2:
        raise ValueError(f"the log-rank test needs at least two groups; got {len(levels)}")
    event = event_indicator(rows["CNSR"])
    time = pd.to_numeric(rows["AVAL"]).astype(float).to_numpy()
    g = np.array([levels.index(v) for v in labels.tolist()])
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
    return LogrankResult(statistic=stat, df=df, pvalue=pvalue, table=table)


def _step_xy(km: pd.DataFrame, horizon: float | None, column: str,
             extend_to: float | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Points of the right-continuous step function, starting at (0, 1).

    Steps at times up to ``horizon`` are kept; the last level is drawn on to
    ``extend_to`` (default the horizon) so a step at the horizon stays visible.
    """
    x = np.concatenate([[0.0], km["time"].to_numpy(float)])
    y = np.concatenate([[1.0], km[column].to_numpy(float)])
    end = horizon if horizon is not None else (x[-1] if len(x) else 0.0)
    keep = x <= end
    x, y = x[keep], y[keep]
    stop = max(end, extend_to) if extend_to is not None else end
    if x[-1] < stop:
        x = np.append(x, stop)
        y = np.append(y, y[-1])
    return x, y


def km_plot(
    adtte: pd.DataFrame,
    group: pd.Series | None = None,
    paramcd: str = "OS",
    conf_type: str = "log-log",
    alpha: float = 0.05,
    horizon: float | None = None,
    risk_times=None,
    ci: bool = True,
    censor_marks: bool = True,
    xlabel: str = "Days since first dose",
    ylabel: str = "Overall survival",
    title: str | None = None,
    colors=None,
    figsize=(7.0, 5.0),
):
    """Kaplan-Meier figure: step curve(s), pointwise CI band, censor marks, numbers at risk.

    Parameters
    ----------
    adtte : pandas.DataFrame
        ADaM time-to-event data.
    group : pandas.Series, optional
        Group label per subject (indexed by ``USUBJID``); one curve per group.
        Subjects with a missing group are left out. Default: one curve.
    paramcd, conf_type, alpha
        As in :func:`km_table`.
    horizon : float, optional
        Last day shown: steps and censor marks after it are left out, and
        the last level is drawn on to 2.5 % past it (so a death exactly at
        the horizon stays visible). Default: the last observed time.
    risk_times : sequence of float, optional
        Days at which the number at risk is printed under the axis. Default:
        0 to the horizon in 7-day steps (or 5 even steps without a horizon).
    ci : bool, default True
        Draw the pointwise confidence band (gray for a single curve).
    censor_marks : bool, default True
        Mark censored subjects with "+" on the curve.
    xlabel, ylabel, title : str
    colors : sequence of matplotlib colours, optional
    figsize : tuple, default (7, 5)

    Returns
    -------
    matplotlib.figure.Figure
        The figure; ``fig.axes[0]`` is the curve, ``fig.axes[1]`` the
        number-at-risk table.
    """
    import matplotlib.pyplot as plt

    rows = _select(adtte, paramcd)
    if group is None:
        curves = [("All", rows)]
    else:
        labels = rows["USUBJID"].map(group)
        rows = rows[labels.notna().to_numpy()]
        labels = labels[labels.notna()]
        levels = sorted(pd.unique(labels), key=lambda v: (str(type(v)), v))
        curves = [(str(v), rows[(labels == v).to_numpy()]) for v in levels]
    last = float(pd.to_numeric(rows["AVAL"]).max()) if len(rows) else 0.0
    end = float(horizon) if horizon is not None else last
    if risk_times is None:
        if horizon is not None:
            risk_times = list(np.arange(0, end + 1e-9, 7.0))
        else:
            risk_times = list(np.linspace(0, end, 5).round())
    risk_times = [float(t) for t in risk_times if t <= end]
    if colors is None:
        colors = ["black"] if len(curves) == 1 else plt.rcParams["axes.prop_cycle"].by_key()["color"]

    # draw a little past the last day shown, so a step exactly at the horizon is visible
    draw_end = end * 1.025 if end > 0 else 1.0
    n_rows = len(curves)
    fig = plt.figure(figsize=figsize)
    grid = fig.add_gridspec(2, 1, height_ratios=[5, 0.4 * n_rows + 0.3], hspace=0.5)
    ax = fig.add_subplot(grid[0])
    tab = fig.add_subplot(grid[1], sharex=ax)
    for i, (label, sub) in enumerate(curves):
        color = colors[i % len(colors)]
        km = km_table(sub, paramcd=paramcd, conf_type=conf_type, alpha=alpha)
        x, y = _step_xy(km, end, "surv", extend_to=draw_end)
        ax.step(x, y, where="post", color=color, lw=1.8, label=label if len(curves) > 1 else None)
        if ci:
            _, lo = _step_xy(km, end, "lower", extend_to=draw_end)
            _, hi = _step_xy(km, end, "upper", extend_to=draw_end)
            band = "0.8" if len(curves) == 1 else color
            ax.fill_between(x, np.nan_to_num(lo), np.nan_to_num(hi, nan=0.0), step="post",
                            color=band, alpha=0.6 if len(curves) == 1 else 0.2, lw=0)
        if censor_marks:
            cens = km[(km["n_censor"] > 0) & (km["time"] <= end)]
            ax.plot(cens["time"], cens["surv"], ls="none", marker="+", ms=9, mew=1.5, color=color)
        aval = pd.to_numeric(sub["AVAL"]).to_numpy(float)
        counts = [int((aval >= t).sum()) for t in risk_times]
        y_row = n_rows - 1 - i
        for t, c in zip(risk_times, counts, strict=True):
            tab.text(t, y_row, str(c), ha="center", va="center", fontsize=9, color=color)
        tab.text(-0.06, y_row, label, ha="right", va="center", fontsize=9, color=color,
                 transform=tab.get_yaxis_transform())
    ax.set_xlim(0, draw_end)
    ax.set_ylim(0, 1.02)
    ax.set_ylabel(ylabel)
    ax.set_xticks(risk_times)
    ax.tick_params(labelbottom=True)
    ax.set_xlabel(xlabel)
    if title:
        ax.set_title(title)
    if len(curves) > 1:
        ax.legend(frameon=False, loc="lower left")
    ax.spines[["top", "right"]].set_visible(False)
    tab.set_ylim(-0.6, n_rows - 0.4)
    tab.set_yticks([])
    tab.tick_params(axis="x", bottom=False, labelbottom=False)
    for side in ("top", "right", "bottom", "left"):
        tab.spines[side].set_visible(False)
    tab.set_title("Number at risk", fontsize=9, loc="left", pad=2)
    return fig


def status_at(adtte: pd.DataFrame, horizon: float = 28, paramcd: str = "OS") -> dict[str, int]:
    """Counts of subjects dead and alive at ``horizon`` (the agreed day-28 definitions).

    Parameters
    ----------
    adtte : pandas.DataFrame
        ADaM time-to-event data.
    horizon : float, default 28
        Day of the status (days from the first dose, first dose = day 0).
    paramcd : str, default "OS"

    Returns
    -------
    dict
        ``n`` subjects with a ``paramcd`` record; ``dead`` = event (CNSR 0)
        with AVAL <= horizon; ``alive`` = n - dead (the project's definition:
        alive at day 28 = not (CNSR == 0 and AVAL <= 28)); ``censored_before``
        = censored before the horizon (alive by that definition, but not
        followed to it, so the Kaplan-Meier estimate and alive / n can differ).
    """
    rows = _select(adtte, paramcd)
    event = event_indicator(rows["CNSR"])
    aval = pd.to_numeric(rows["AVAL"]).astype(float).to_numpy()
    dead = int(((event == 1) & (aval <= horizon)).sum())
    return {
        "n": int(len(rows)),
        "dead": dead,
        "alive": int(len(rows) - dead),
        "censored_before": int(((event == 0) & (aval < horizon)).sum()),
    }


def itt_adtte(study) -> pd.DataFrame:
    """The adtte rows of the intention-to-treat subjects (``adsl.ITTFL == "Y"``)."""
    if study.adtte is None:
        raise ValueError("this study folder has no adtte.csv")
    adsl = study.adsl
    itt = adsl.loc[adsl["ITTFL"].eq("Y"), "USUBJID"] if "ITTFL" in adsl else adsl["USUBJID"]
    return study.adtte[study.adtte["USUBJID"].isin(set(itt))]


def claim_values(study, claims: pd.DataFrame | None = None, horizon: float = 28,
                 alpha: float = 0.05, conf_type: str = "log-log") -> dict[str, float | None]:
    """Computed values for the ledger rows of the Kaplan-Meier page (``page == "km-survival"``).

    Ids are matched by their parts, so rows the ledger adds later in the same
    pattern are covered: ``*.os28.alive*`` alive at the horizon, ``*.os28.pct*``
    100 × KM S(horizon), ``*.os28.n*`` / ``abs.n`` / ``fig1.n`` / ``*.itt.n*``
    the ITT N, ``*.day*`` / ``*horizon*`` the horizon, ``ctx.fig1.ci_level``
    100 (1 - alpha).

    Parameters
    ----------
    study : ruxlib.io.Study
    claims : pandas.DataFrame, optional
        The ledger; default :func:`ruxlib.claims.load_claims` if the file
        exists (otherwise only the canonical ids are returned).
    horizon, alpha, conf_type
        As in :func:`km_table`.

    Returns
    -------
    dict
        Claim id -> computed number.
    """
    adsl = study.adsl
    n_itt = int(adsl["ITTFL"].eq("Y").sum()) if "ITTFL" in adsl else len(adsl)
    base: dict[str, float | None] = {"n": n_itt, "day": horizon, "ci": 100 * (1 - alpha),
                                     "alive": None, "pct": None}
    if study.adtte is not None and (study.adtte["PARAMCD"] == "OS").any():
        adtte = itt_adtte(study)
        st = status_at(adtte, horizon)
        base["alive"] = st["alive"]
        base["pct"] = 100 * float(survival_at(km_table(adtte, "OS", conf_type, alpha), horizon)["surv"])
    if claims is None:
        from .claims import default_path, load_claims

        claims = load_claims() if default_path().exists() else None
    if claims is None:
        ids = ["abs.n", "fig1.n", "txt.os28.alive", "txt.os28.pct", "txt.os28.n", "txt.os28.day",
               "fig1.horizon", "ctx.fig1.ci_level"]
    else:
        ids = claims.loc[claims["page"].eq("km-survival"), "id"].tolist() if "page" in claims else []
    out: dict[str, float | None] = {}
    for cid in ids:
        parts = cid.split(".")
        if "alive" in parts:
            out[cid] = base["alive"]
        elif "pct" in parts:
            out[cid] = base["pct"]
        elif "ci_level" in parts:
            out[cid] = base["ci"]
        elif parts[-1] == "n" or ("n" in parts[1:] and ("os28" in parts or "itt" in parts)):
            out[cid] = base["n"]
        elif any(p in ("day", "horizon", "primary_day") for p in parts):
            out[cid] = base["day"]
    return out
