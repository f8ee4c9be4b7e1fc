"""Time from invasive ventilation to the first dose, by outcome ("Start of treatment may be critical").

The paper compares ``VENTPRED`` (days on invasive ventilation before the first
dose) between patients who at day 28 were dead or still ventilated in the ICU
and patients who were on acute care, with a two-sided Wilcoxon-Mann-Whitney
test (SAS NPAR1WAY; its default p value is the normal approximation with a
continuity correction).
"""

from __future__ import annotations

from dataclasses import dataclass

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from .baseline import summarise_continuous
from .derive import itt_population
from .figures import FONT, styled
from .io import Study
from .stats import TestResult, hodges_lehmann, wmw

__all__ = ["POOR", "GOOD", "TimeToStart", "ventpred_groups", "time_to_start", "time_to_start_plot",
           "outcome_regression", "grouping_sensitivity", "page_values"]

POOR = "Dead or ventilated on ICU"
GOOD = "On acute care"
POOR_STATUS = ("DEAD", "ICU VENTILATED")
GOOD_STATUS = ("ACUTE CARE",)


@dataclass
class TimeToStart:
    """Result of :func:`time_to_start`.

    Attributes
    ----------
    data : DataFrame
        One row per patient in either group: ``USUBJID``, ``D28STAT``, ``VENTPRED``, ``group``.
    summary : DataFrame
        Per group (index ``POOR``, ``GOOD``): ``n``, ``mean``, ``sd``, ``median``, ``min``, ``max``.
    diff_median, diff_mean : float
        Poor-outcome group minus acute-care group.
    normal, exact : ruxlib.stats.TestResult
        :func:`ruxlib.stats.wmw` results, normal approximation and exact.
    """

    data: pd.DataFrame
    summary: pd.DataFrame
    diff_median: float
    diff_mean: float
    normal: TestResult
    exact: TestResult

    def tests(self) -> pd.DataFrame:
        """The two WMW p values side by side (a small table for the book)."""
        return pd.DataFrame(
            {
                "method": ["normal approximation, continuity-corrected (SAS default)", "exact (conditional on ties)"],
                "W (rank sum, poor outcome)": [float(self.normal.statistic), float(self.exact.statistic)],
                "pvalue": [float(self.normal.pvalue), float(self.exact.pvalue)],
            }
        )


def ventpred_groups(study: Study) -> pd.DataFrame:
    """Patients of the two outcome groups with their days of ventilation before the first dose.

    Group ``POOR``: ``D28STAT`` DEAD or ICU VENTILATED; group ``GOOD``:
    ACUTE CARE. Other statuses (ICU without ventilation, discharged, missing)
    and patients without ``VENTPRED`` are in neither group. ITT population only.

    Returns
    -------
    DataFrame
        ``USUBJID``, ``D28STAT``, ``VENTPRED``, ``group``.
    """
    adsl = study.adsl
    for col in ("VENTPRED", "D28STAT"):
        if col not in adsl:
            raise ValueError(f"adsl.csv has no {col} column")
    sub = itt_population(adsl)[["USUBJID", "D28STAT", "VENTPRED"]].copy()
    sub["group"] = np.select(
        [sub["D28STAT"].isin(POOR_STATUS), sub["D28STAT"].isin(GOOD_STATUS)], [POOR, GOOD], default=""
    )
    sub = sub[sub["group"].ne("") & sub["VENTPRED"].notna()]
    return sub.reset_index(drop=True)


def time_to_start(study: Study) -> TimeToStart:
    """Days on invasive ventilation before the first dose, poor vs good day-28 outcome.

    Parameters
    ----------
    study : Study
        Needs adsl ``VENTPRED`` and ``D28STAT``.

    Returns
    -------
    TimeToStart
        Per-group summaries, differences (poor minus good) in medians and
        means, and the two-sided WMW test by normal approximation with
        continuity correction (as the paper's SAS default) and exact.

    Notes
    -----
    Algorithm

    1. Select the groups with :func:`ventpred_groups`.
    2. Summarise ``VENTPRED`` per group
       (:func:`ruxlib.baseline.summarise_continuous`, SD with ddof = 1).
    3. Differences: median(poor) - median(good), mean(poor) - mean(good).
    4. ``ruxlib.stats.wmw(poor, good, exact=False)`` and ``exact=None`` (exact while feasible).
    """
    data = ventpred_groups(study)
    poor = data.loc[data["group"].eq(POOR), "VENTPRED"].to_numpy(float)
    good = data.loc[data["group"].eq(GOOD), "VENTPRED"].to_numpy(float)
    summary = pd.DataFrame({POOR: summarise_continuous(poor), GOOD: summarise_continuous(good)}).T
    summary = summary.astype(float).astype({"n": int})
    if poor.size == 0 or good.size == 0:
        raise ValueError(
            f"time to start needs patients in both groups; got {poor.size} dead or ventilated "
            f"and {good.size} on acute care"
        )
    return TimeToStart(
        data=data,
        summary=summary,
        diff_median=float(np.median(poor) - np.median(good)),
        diff_mean=float(poor.mean() - good.mean()),
        normal=wmw(poor, good, exact=False),
        exact=wmw(poor, good),  # exact while feasible; .method says which
    )


def outcome_regression(study: Study, firth: bool = True):
    """Logistic regression of a poor day-28 outcome on days ventilated before the first dose, all ITT patients.

    The paper compares ``VENTPRED`` between outcome groups chosen after the fact and
    leaves out patients in neither group. The question the other way round, "does a
    later start predict a poor outcome?", uses every ITT patient: outcome 1 when
    ``D28STAT`` is DEAD or ICU VENTILATED, else 0 (on the ICU without ventilation,
    acute care, discharged), covariate ``VENTPRED`` in days.

    Parameters
    ----------
    study : Study
        Needs adsl ``VENTPRED`` and ``D28STAT``; patients missing either are left out.
    firth : bool, default True
        Firth's penalised likelihood (:func:`ruxlib.firth.logistic_fit`): with a handful of
        poor outcomes the ordinary estimate is biased away from 0 and can be infinite.

    Returns
    -------
    ruxlib.firth.RegressionFit
        Coefficients ``(Intercept)`` and ``VENTPRED`` (log odds ratio per day).

    Raises
    ------
    ValueError
        If a column is missing or the outcome does not vary.
    """
    from .firth import logistic_fit

    adsl = study.adsl
    for col in ("VENTPRED", "D28STAT"):
        if col not in adsl:
            raise ValueError(f"adsl.csv has no {col} column")
    sub = itt_population(adsl)
    sub = sub[sub["VENTPRED"].notna() & sub["D28STAT"].notna()]
    y = sub["D28STAT"].isin(POOR_STATUS).astype(int).to_numpy()
    if y.size < 3 or y.min() == y.max():
        raise ValueError("the outcome regression needs at least three patients with both outcomes")
    return logistic_fit(y, sub["VENTPRED"].astype(float).rename("VENTPRED"), firth=firth)


def grouping_sensitivity(study: Study) -> pd.DataFrame:
    """The WMW p values when one patient at a time is put in another group.

    Every ITT patient with ``VENTPRED`` is moved once to each group they are not in
    (poor → good, good → poor, neither → good and neither → poor), the others kept.

    Returns
    -------
    DataFrame
        One row per move: ``USUBJID``, ``VENTPRED``, ``from`` and ``to`` (:data:`POOR`,
        :data:`GOOD` or ``"neither"``), ``p_normal`` and ``p_exact`` (:func:`ruxlib.stats.wmw`,
        poor against good). Moves that empty a group are left out. Sorted by ``p_normal``.

    Notes
    -----
    Moving a patient changes the two samples only through their ``VENTPRED`` value, so each
    distinct (value, from, to) move is tested once and its p values shared by every patient
    who makes it: the cost is (distinct moves) × one test, not (patients) × one test, which
    keeps the analysis linear in the number of patients when the days take few values.
    """
    adsl = study.adsl
    for col in ("VENTPRED", "D28STAT"):
        if col not in adsl:
            raise ValueError(f"adsl.csv has no {col} column")
    sub = itt_population(adsl)
    sub = sub[sub["VENTPRED"].notna()].reset_index(drop=True)
    group = np.select([sub["D28STAT"].isin(POOR_STATUS), sub["D28STAT"].isin(GOOD_STATUS)], [POOR, GOOD],
                      default="neither")
    vent = sub["VENTPRED"].to_numpy(float)
    rows, tested = [], {}
    for i, origin in enumerate(group):
        for target in (POOR, GOOD):
            if target == origin:
                continue
            key = (vent[i], origin, target)  # the same move of the same value gives the same samples
            if key not in tested:
                moved = group.copy()
                moved[i] = target
                poor, good = vent[moved == POOR], vent[moved == GOOD]
                tested[key] = None if poor.size == 0 or good.size == 0 else (
                    wmw(poor, good, exact=False).pvalue, wmw(poor, good).pvalue)
            if tested[key] is None:
                continue
            rows.append({"USUBJID": sub.at[i, "USUBJID"], "VENTPRED": vent[i], "from": origin, "to": target,
                         "p_normal": tested[key][0], "p_exact": tested[key][1]})
    cols = ["USUBJID", "VENTPRED", "from", "to", "p_normal", "p_exact"]
    return pd.DataFrame(rows, columns=cols).sort_values("p_normal", kind="stable").reset_index(drop=True)


def _spread(x: np.ndarray, step: float = 0.08) -> np.ndarray:
    """Horizontal offsets that put tied values side by side, centred on 0."""
    offsets = np.zeros(x.size)
    for value in np.unique(x):
        idx = np.flatnonzero(x == value)
        offsets[idx] = (np.arange(idx.size) - (idx.size - 1) / 2) * step
    return offsets


@styled
def time_to_start_plot(result: TimeToStart, seed: int = 0):
    """Days of ventilation before the first dose by day-28 outcome: points, median bars.

    Parameters
    ----------
    result : TimeToStart
        From :func:`time_to_start`.
    seed : int, default 0
        Unused (kept for compatibility): tied values are spread side by side
        deterministically, so every patient is visible.

    Returns
    -------
    matplotlib.figure.Figure
    """
    fig, ax = plt.subplots(figsize=(5.2, 4.4))
    colours = {POOR: "#b2182b", GOOD: "#2166ac"}
    for i, name in enumerate((POOR, GOOD)):
        x = result.data.loc[result.data["group"].eq(name), "VENTPRED"].to_numpy(float)
        ax.scatter(i + _spread(x), x, s=40, color=colours[name], alpha=0.85,
                   zorder=5, edgecolor="white", linewidth=0.8)
        if x.size:
            med, mean = np.median(x), x.mean()
            ax.hlines(med, i - 0.3, i + 0.3, color="#555555", lw=2.2, zorder=3)
            ax.hlines(mean, i - 0.24, i + 0.24, color="#555555", lw=1.2, ls="--", zorder=3)
    n = result.summary["n"]
    ax.set_xticks([0, 1], [f"{POOR}\n(n = {n[POOR]})", f"{GOOD}\n(n = {n[GOOD]})"])
    ax.set_xlim(-0.6, 1.6)
    ax.set_ylabel("Days on invasive ventilation before first dose")
    ax.set_ylim(bottom=0)
    ax.set_title(
        f"Wilcoxon-Mann-Whitney p = {result.normal.pvalue:.3f} (normal approx.), "
        f"{result.exact.pvalue:.3f} (exact)", fontsize=FONT)
    ax.plot([], [], color="#555555", lw=2.2, label="median")
    ax.plot([], [], color="#555555", lw=1.2, ls="--", label="mean")
    ax.legend(frameon=False, loc="upper right")
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.set_xlabel("Status at day 28")
    fig.tight_layout()
    return fig


def page_values(study: Study, horizon: float = 28) -> dict[str, object]:
    """Every number the time-to-start page quotes: the two outcome groups and their WMW tests.

    Parameters
    ----------
    study : Study
        A loaded study folder.
    horizon : float
        Day of the outcome status (``D28STAT``), kept as ``horizon.day`` for the ledger.

    Returns
    -------
    dict
        ``time-to-start-*`` names → values, ``None`` when :func:`time_to_start` cannot run
        (a column missing, a group empty). ``hl*``: the Hodges-Lehmann shift (poor minus good
        outcome) with its exact 95 % interval (:func:`ruxlib.stats.hodges_lehmann`; a bound the
        samples cannot give is ``None``) and the level in %. ``sens-*``: the grouping
        sensitivity (:func:`grouping_sensitivity`): the p with every patient of neither group
        counted as a good outcome, the number of single moves and of those that cross 0.05, the
        largest p and its move. ``firth-*``: :func:`outcome_regression` (odds ratio per day,
        penalised likelihood-ratio p, patients, poor outcomes).
    """
    out: dict[str, object] = {"horizon.day": horizon, "time-to-start-horizon": horizon}
    names = ("n-poor", "n-good", "n-other", "median-poor", "median-good", "mean-poor", "mean-good",
             "diff-median", "diff-mean", "p-normal", "p-exact", "p-compare", "hl", "hl-lower", "hl-upper", "hl-level", "hl-method")
    try:
        result = time_to_start(study)
    except ValueError:
        out |= {"time-to-start-hl-abs": None, "time-to-start-hl-direction": None}
        return out | {f"time-to-start-{name}": None for name in names} | _sensitivity_values(None, None) \
            | _regression_values(study)
    s = result.summary
    pn, pe = float(result.normal.pvalue), float(result.exact.pvalue)
    side = ("on opposite sides of 0.05, so whether this comparison is 'significant' depends on "
            "which p value is reported" if (pn < 0.05) != (pe < 0.05) else "on the same side of 0.05")
    values = (int(s.loc[POOR, "n"]), int(s.loc[GOOD, "n"]), len(itt_population(study.adsl)) - int(s["n"].sum()),
              s.loc[POOR, "median"], s.loc[GOOD, "median"], s.loc[POOR, "mean"], s.loc[GOOD, "mean"],
              result.diff_median, result.diff_mean, pn, pe,
              (f"the exact p is {'larger' if pe > pn else 'smaller'} than the approximation, {side}"
               if str(result.exact.method).startswith("exact") else
               "with this many patients both use the normal approximation, so they agree"),
              *_shift_values(result))
    out |= {f"time-to-start-{name}": value for name, value in zip(names, values, strict=True)}
    hl = out["time-to-start-hl"]
    out["time-to-start-hl-abs"] = abs(hl) if hl is not None else None
    out["time-to-start-hl-direction"] = None if hl is None else ("longer" if hl > 0 else "shorter" if hl < 0
                                                                 else "longer or shorter (no shift)")
    return out | _sensitivity_values(study, pn) | _regression_values(study)


def _sensitivity_values(study: Study | None, p_normal: float | None) -> dict[str, object]:
    """Single-patient reclassifications: p with the patients in neither group counted as good, the extremes."""
    keys = ("sens-n-neither", "sens-p-neither-good", "sens-n-moves", "sens-n-cross", "sens-p-max", "sens-who-max",
            "sens-from-max", "sens-to-max", "sens-verdict")
    out: dict[str, object] = {f"time-to-start-{k}": None for k in keys}
    table = grouping_sensitivity(study) if study is not None else pd.DataFrame()
    if table.empty:
        return out
    neither = table[table["from"].eq("neither")]
    top = table.iloc[-1]
    out |= {
        "time-to-start-sens-n-neither": int(neither["USUBJID"].nunique()),
        "time-to-start-sens-n-moves": len(table),
        "time-to-start-sens-n-cross": int(((table["p_normal"] < 0.05) != (p_normal < 0.05)).sum()),
        "time-to-start-sens-p-max": float(top["p_normal"]), "time-to-start-sens-who-max": str(top["USUBJID"]),
        "time-to-start-sens-from-max": "neither group" if top["from"] == "neither" else f"the group '{top['from']}'",
        "time-to-start-sens-to-max": f"'{top['to']}'",
    }
    n_cross = out["time-to-start-sens-n-cross"]
    out["time-to-start-sens-verdict"] = (
        "A finding that one patient's status can undo is a hypothesis for a larger study, not a result"
        if n_cross else "No single reclassification takes the p value across 0.05")
    if len(neither):
        # every patient in neither group counted as a good outcome at once
        sub = ventpred_groups(study)
        itt = itt_population(study.adsl)
        extra = itt.loc[itt["VENTPRED"].notna() & ~itt["USUBJID"].isin(sub["USUBJID"]), "VENTPRED"].to_numpy(float)
        poor = sub.loc[sub["group"].eq(POOR), "VENTPRED"].to_numpy(float)
        good = np.concatenate([sub.loc[sub["group"].eq(GOOD), "VENTPRED"].to_numpy(float), extra])
        out["time-to-start-sens-p-neither-good"] = wmw(poor, good, exact=False).pvalue
    return out


def _regression_values(study: Study) -> dict[str, object]:
    """Firth logistic regression of a poor outcome on VENTPRED: OR per day, penalised LR p, counts."""
    from .firth import lr_test

    keys = ("firth-or", "firth-p", "firth-n", "firth-n-poor", "firth-compare", "firth-or-lower", "firth-or-upper")
    try:
        fit = outcome_regression(study)
    except ValueError:
        return {f"time-to-start-{k}": None for k in keys}
    n = int(fit.lr.n)
    n_poor = int(fit._data[1].sum())
    p = lr_test(fit, 1).pvalue
    try:
        p_groups = time_to_start(study).normal.pvalue
    except ValueError:
        p_groups = None
    if p_groups is None:
        compare = None
    elif (p < 0.05) == (p_groups < 0.05):
        compare = "on the same side of 0.05 as the two-group comparison"
    elif p >= 0.05:
        compare = ("not below 0.05, unlike the two-group comparison: used this way round, the data say "
                   "less than that comparison suggests")
    else:
        compare = "below 0.05, unlike the two-group comparison"
    from .firth import profile_ci

    lower, upper = profile_ci(fit, 1)
    ci = {"time-to-start-firth-or-lower": float(np.exp(lower)) if np.isfinite(lower) else None,
          "time-to-start-firth-or-upper": float(np.exp(upper)) if np.isfinite(upper) else None}
    return ci | {"time-to-start-firth-or": float(np.exp(fit.coef[1])), "time-to-start-firth-p": p,
            "time-to-start-firth-n": n, "time-to-start-firth-n-poor": n_poor, "time-to-start-firth-compare": compare}


def _shift_values(result: TimeToStart) -> tuple:
    """Hodges-Lehmann shift, poor minus good outcome: estimate, limits (None if unbounded), level in %, method."""
    data = result.data
    shift = hodges_lehmann(data.loc[data["group"].eq(POOR), "VENTPRED"], data.loc[data["group"].eq(GOOD), "VENTPRED"])
    finite = [b if np.isfinite(b) else None for b in (shift.lower, shift.upper)]
    return (shift.estimate, *finite, 100 * shift.level, shift.method)
