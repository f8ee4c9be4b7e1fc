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
           "page_values"]

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
        samples cannot give is ``None``) and the level in %.
    """
    out: dict[str, object] = {"horizon.day": horizon}
    names = ("n-poor", "n-good", "n-other", "median-poor", "median-good", "mean-poor", "mean-good",
             "diff-median", "diff-mean", "p-normal", "p-exact", "p-compare", "hl", "hl-lower", "hl-upper", "hl-level")
    try:
        result = time_to_start(study)
    except ValueError:
        return out | {f"time-to-start-{name}": None for name in names}
    s = result.summary
    pn, pe = float(result.normal.pvalue), float(result.exact.pvalue)
    side = ("on opposite sides of 0.05, so whether this comparison is 'significant' depends on "
            "which p value is reported" if (pn < 0.05) != (pe < 0.05) else "on the same side of 0.05")
    values = (int(s.loc[POOR, "n"]), int(s.loc[GOOD, "n"]), len(itt_population(study.adsl)) - int(s["n"].sum()),
              s.loc[POOR, "median"], s.loc[GOOD, "median"], s.loc[POOR, "mean"], s.loc[GOOD, "mean"],
              result.diff_median, result.diff_mean, pn, pe,
              f"the exact p is {'larger' if pe > pn else 'smaller'} than the approximation, {side}",
              *_shift_values(result))
    return out | {f"time-to-start-{name}": value for name, value in zip(names, values, strict=True)}


def _shift_values(result: TimeToStart) -> tuple:
    """Hodges-Lehmann shift, poor minus good outcome: estimate, exact limits (None if unbounded), level in %."""
    data = result.data
    shift = hodges_lehmann(data.loc[data["group"].eq(POOR), "VENTPRED"], data.loc[data["group"].eq(GOOD), "VENTPRED"])
    finite = [b if np.isfinite(b) else None for b in (shift.lower, shift.upper)]
    return (shift.estimate, *finite, 100 * shift.level)
