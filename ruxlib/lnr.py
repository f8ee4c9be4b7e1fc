"""Baseline lymphocyte-to-neutrophil ratio (LNR) and outcome (Fig. 4 and the log-rank test).

The LNR analysis set is the derived flag ``adsl.LNRFL``: ITT patients with a
baseline LNR (``adsl.LNRBL``, derived from ``adlb`` LYMPH/NEUT when absent)
and no exclusion reason (``adsl.LNREXCL`` empty); see :mod:`ruxlib.derive`.
Survivors and non-survivors at the horizon are the derived status
``D28OUT`` (from ``adtte`` OS). The median split for the log-rank test puts
patients with LNR at or above the median of the analysis set in "high".
"""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
import matplotlib.ticker as mticker
import numpy as np
import pandas as pd

from . import derive
from .figures import SMALL, km_plot, styled
from .io import Study
from .stats import TestResult, smallest_exact_p, wmw
from .survival import km_by_group, logrank, logrank_permutation, truncate

__all__ = [
    "SURVIVOR",
    "NON_SURVIVOR",
    "lnr_analysis_set",
    "lnr_exclusions",
    "day28_status",
    "lnr_groups",
    "lnr_median",
    "lnr_wmw",
    "lnr_logrank",
    "lnr_logrank_exact",
    "lnr_cox",
    "lnr_plot",
    "lnr_km_plot",
    "page_values",
]

SURVIVOR = "survivor"
NON_SURVIVOR = "non-survivor"


def lnr_analysis_set(study: Study) -> pd.DataFrame:
    """Every ITT patient with the flag saying whether they enter the LNR analysis, and why not.

    Parameters
    ----------
    study : Study
        Uses adsl ``LNRFL``, ``LNRBL`` (both derived) and ``LNREXCL`` (optional).

    Returns
    -------
    DataFrame
        One row per ITT patient: ``USUBJID``, ``LNRBL``, ``LNREXCL``,
        ``LNRFL`` (``"Y"`` in the analysis set, else ``"N"``) and ``REASON``
        (why not: the ``LNREXCL`` text, or ``"no baseline LNR"``; empty when
        included). A patient with both an exclusion reason and no LNR is
        reported with the exclusion reason.
    """
    itt = derive.itt_population(study.adsl)
    excl = derive.lnr_exclusion(itt)
    out = pd.DataFrame({
        "USUBJID": itt["USUBJID"],
        "LNRBL": itt["LNRBL"],
        "LNREXCL": excl,
        "LNRFL": itt["LNRFL"],
    })
    out["REASON"] = np.where(excl.ne(""), excl, np.where(out["LNRFL"].eq("N"), "no baseline LNR", ""))
    return out.reset_index(drop=True)[["USUBJID", "LNRBL", "LNREXCL", "LNRFL", "REASON"]]


def lnr_exclusions(study: Study) -> pd.DataFrame:
    """Patients not in the LNR analysis set and why (``USUBJID``, ``REASON``)."""
    table = lnr_analysis_set(study)
    return table.loc[table["LNRFL"].eq("N"), ["USUBJID", "REASON"]].reset_index(drop=True)


def day28_status(study: Study, horizon: float = 28) -> pd.Series:
    """Survivor or non-survivor at the horizon, per subject (:func:`ruxlib.derive.derive_var_d28out`).

    A subject is a non-survivor when the OS record is a death (``CNSR == 0``)
    with ``AVAL <= horizon``; otherwise a survivor (also when censored before
    the horizon: alive when last seen). Subjects without an OS record are
    absent.

    Returns
    -------
    Series
        Indexed by USUBJID, values :data:`SURVIVOR` / :data:`NON_SURVIVOR`.
    """
    if study.adtte is None:
        raise ValueError("this study folder has no adtte.csv")
    out = derive.derive_var_d28out(study.adsl, horizon).set_index("USUBJID")["D28OUT"].dropna()
    return out.map({derive.ALIVE: SURVIVOR, derive.DEAD: NON_SURVIVOR}).rename("D28OUT")


def lnr_median(study: Study) -> float:
    """Median baseline LNR of the analysis set (``LNRFL == "Y"``); NaN when it is empty."""
    adsl = study.adsl
    return float(adsl.loc[adsl["LNRFL"].eq("Y"), "LNRBL"].median())


def lnr_groups(study: Study, horizon: float = 28, at_median: str = "high") -> pd.DataFrame:
    """The LNR analysis set with the median split and the day-28 status.

    Parameters
    ----------
    study : Study
    horizon : float, default 28
        Day of the survivor / non-survivor status.
    at_median : {"high", "low"}, default "high"
        Group of patients whose LNR equals the median exactly ("high": the
        project's definition, LNRBL >= median).

    Returns
    -------
    DataFrame
        Indexed by USUBJID: ``LNRBL``, ``group`` (``"high"`` when LNRBL ≥
        the median of the analysis set, :func:`lnr_median`, else ``"low"``),
        ``status`` (:func:`day28_status`, NaN without an OS record).

    Notes
    -----
    Patients exactly at the median are "high". The paper's Methods say
    "above the median and those below or equal", its Results "greater or
    equal to average (median: 0.07)"; ruxbook follows the Results (see the
    book's LNR page).
    """
    if at_median not in ("high", "low"):
        raise ValueError(f"at_median must be 'high' or 'low', got {at_median!r}")
    adsl = study.adsl
    sub = adsl[adsl["LNRFL"].eq("Y")].set_index("USUBJID")
    median = lnr_median(study)
    out = pd.DataFrame({"LNRBL": sub["LNRBL"]})
    high = out["LNRBL"] >= median if at_median == "high" else out["LNRBL"] > median
    out["group"] = np.where(high, "high", "low")
    out["status"] = day28_status(study, horizon).reindex(out.index) if study.adtte is not None else np.nan
    return out


def lnr_wmw(study: Study, horizon: float = 28, exact: bool | None = None) -> TestResult:
    """Two-sided WMW test of baseline LNR, survivors vs non-survivors at the horizon.

    Exact while feasible (``exact=None``: see :func:`ruxlib.stats.wmw`).

    Returns
    -------
    ruxlib.stats.TestResult
        Of :func:`ruxlib.stats.wmw` with survivors as ``x``: ``sizes`` is
        (survivors, non-survivors).
    """
    groups = lnr_groups(study, horizon)
    surv = groups.loc[groups["status"].eq(SURVIVOR), "LNRBL"].to_numpy(float)
    non = groups.loc[groups["status"].eq(NON_SURVIVOR), "LNRBL"].to_numpy(float)
    if surv.size == 0 or non.size == 0:
        raise ValueError(
            f"the LNR test needs survivors and non-survivors; got {surv.size} and {non.size}"
        )
    return wmw(surv, non, exact=exact)


def lnr_logrank(study: Study, paramcd: str = "OS", at_median: str = "high",
                horizon: float | None = None) -> TestResult:
    """Log-rank test of OS, LNR high (≥ median) vs low, over the whole follow-up in adtte.

    ``at_median="low"`` puts patients exactly at the median in the low group
    (the wording of the paper's Methods) instead. ``horizon``: censor
    administratively at that day first (:func:`ruxlib.survival.truncate`).

    Returns
    -------
    ruxlib.stats.TestResult
        Of :func:`ruxlib.survival.logrank`: ``statistic`` (chi-square), ``df``,
        ``pvalue``, ``table``.
    """
    groups = lnr_groups(study, at_median=at_median)
    adtte = study.adtte if horizon is None else truncate(study.adtte, horizon)
    return logrank(adtte, groups["group"], paramcd=paramcd)


def lnr_logrank_exact(study: Study, paramcd: str = "OS", horizon: float | None = None, **kwargs) -> TestResult:
    """Permutation log-rank test of OS by the LNR median split (:func:`ruxlib.survival.logrank_permutation`).

    Exact by enumeration of every split of the group labels while there are at most
    :data:`ruxlib.survival.PERMUTATION_LIMIT` of them, else Monte Carlo; keyword arguments
    (``limit``, ``n_resamples``, ``seed``) go to :func:`ruxlib.survival.logrank_permutation`.

    Returns
    -------
    ruxlib.stats.TestResult
        ``method`` says ``"exact"`` or ``"Monte Carlo"``.
    """
    groups = lnr_groups(study)
    return logrank_permutation(study.adtte, groups["group"], paramcd=paramcd, horizon=horizon, **kwargs)


def lnr_cox(study: Study, paramcd: str = "OS", firth: bool = False, **kwargs):
    """Cox model of OS on log baseline LNR in the analysis set (:func:`ruxlib.firth.cox_fit`).

    The continuous covariate needs no cut-off. ``firth=True`` fits Firth's penalised
    partial likelihood instead (Heinze and Schemper 2001), which stays finite when the
    deaths (nearly) separate by LNR. Other keyword arguments (``max_iter``, ``tol``) go to
    :func:`ruxlib.firth.cox_fit`.

    Returns
    -------
    ruxlib.firth.RegressionFit
        One coefficient, ``log LNR`` (log hazard ratio per unit of natural-log LNR).
    """
    from .firth import cox_fit
    from .survival import _select

    groups = lnr_groups(study)
    rows = _select(study.adtte, paramcd).set_index("USUBJID")
    keep = groups.index.intersection(rows.index)
    if len(keep) < 2:
        raise ValueError("the Cox model needs at least two patients with a baseline LNR and follow-up")
    rows = rows.loc[keep]
    x = pd.Series(np.log(groups.loc[keep, "LNRBL"].to_numpy(float)), name="log LNR")
    return cox_fit(rows["AVAL"].to_numpy(float), np.asarray(derive.event_indicator(rows["CNSR"]), dtype=int), x,
                   firth=firth, **kwargs)


@styled
def lnr_plot(study: Study, horizon: float = 28, seed: int = 0, ax=None):
    """Baseline LNR of survivors and non-survivors at the horizon (the paper's Fig. 4).

    Points per patient on a log-scale y axis, the median of each group as a
    bar, the median of the analysis set as a dashed line, and the WMW p value
    in the title (exact while feasible; the title says which).

    Returns
    -------
    matplotlib.figure.Figure
    """
    rng = np.random.default_rng(seed)
    groups = lnr_groups(study, horizon)
    if ax is None:
        fig, ax = plt.subplots(figsize=(4.8, 4.6))
    else:
        fig = ax.figure
    colours = {SURVIVOR: "#2166ac", NON_SURVIVOR: "#b2182b"}
    labels = []
    for i, status in enumerate((SURVIVOR, NON_SURVIVOR)):
        x = groups.loc[groups["status"].eq(status), "LNRBL"].to_numpy(float)
        ax.scatter(i + rng.uniform(-0.1, 0.1, x.size), x, s=40, color=colours[status], zorder=3,
                   edgecolor="white", linewidth=0.6)
        if x.size:
            ax.hlines(np.median(x), i - 0.25, i + 0.25, color="black", lw=2, zorder=4)
        name = "Survivors" if status == SURVIVOR else "Non-survivors"
        labels.append(f"{name}\n(N = {x.size})")
    median = lnr_median(study)
    ax.axhline(median, color="#777777", ls="--", lw=1, zorder=1)
    ax.text(1.58, median, f"median of all\n{median:.3g}", fontsize=SMALL,
            color="#555555", va="bottom", ha="right")
    ax.set_yscale("log")
    ax.yaxis.set_major_formatter(mticker.FuncFormatter(lambda v, _: f"{v:g}"))
    ax.yaxis.set_minor_formatter(mticker.FuncFormatter(
        lambda v, _: f"{v:g}" if f"{v:g}"[-1] in "25" else ""))
    ax.set_xticks([0, 1], labels)
    ax.set_xlim(-0.6, 1.6)
    ax.set_xlabel(f"Status at day {horizon:g}")
    ax.set_ylabel("Lymphocyte/neutrophil ratio at baseline (log scale)")
    try:
        res = lnr_wmw(study, horizon)
        kind = "Exact" if res.method == "exact" else "Approximate"
        ax.set_title(f"{kind} Wilcoxon-Mann-Whitney p = {res.pvalue:.4f}")
    except ValueError:
        pass
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    fig.tight_layout()
    return fig


def lnr_km_plot(study: Study, paramcd: str = "OS", **kwargs):
    """Kaplan-Meier curves of OS by LNR median split (:func:`ruxlib.figures.km_plot`).

    Keyword arguments go to :func:`ruxlib.figures.km_plot` (e.g. ``horizon``);
    by default the numbers at risk are printed every 14 days when the
    follow-up is longer than 42 days, else every 7.
    """
    groups = lnr_groups(study)
    median = lnr_median(study)
    label = groups["group"].map({"high": f"High (≥ {median:.3g})", "low": f"Low (< {median:.3g})"})
    curves = km_by_group(study.adtte, label, paramcd=paramcd)
    kwargs.setdefault("colors", ["#2166ac", "#b2182b"])  # sorted labels: High first
    kwargs.setdefault("ci", False)
    if "risk_times" not in kwargs:
        end = kwargs.get("horizon") or max(float(km["time"].max()) for km in curves.values())
        kwargs["risk_times"] = list(np.arange(0, end + 1e-9, 14.0 if end > 42 else 7.0))
    return km_plot(curves, **kwargs)


def page_values(study: Study, horizon: float = 28) -> dict[str, object]:
    """Every number the LNR page quotes: the analysis set, the median split, the WMW and log-rank tests.

    Parameters
    ----------
    study : Study
        A loaded study folder.
    horizon : float
        Day of the survivor / non-survivor status.

    Returns
    -------
    dict
        ``lnr-*`` names → values; also ``horizon.after`` (the first day after the horizon, the
        Discussion's "day 29") and ``nonsurv.all_low`` (the number of non-survivors when all
        are in the low group, else None), values for the ledger. The split and the tests are
        ``None`` without adtte.csv or with fewer than two evaluable patients; a test that
        its groups cannot support (no survivor, one LNR group) is ``None``.
    """
    table = lnr_analysis_set(study)
    excluded = lnr_exclusions(study)
    reasons = [f"{r.USUBJID} ({r.REASON})" for r in excluded.itertuples()]
    out: dict[str, object] = {
        "lnr-horizon": horizon, "horizon.after": horizon + 1,
        "lnr-efficiency": 100 * 2 / np.pi,  # share of information kept by a median split
        "lnr-n-itt": len(table), "lnr-n-evaluable": int(table["LNRFL"].eq("Y").sum()),
        "lnr-n-excluded": int(table["LNREXCL"].ne("").sum()),
        "lnr-n-missing": int((table["LNREXCL"].eq("") & table["LNRBL"].isna()).sum()),
        "lnr-excl-text": (", ".join(reasons) if len(reasons) <= LIST_MAX else
                          f"{len(reasons):,} patients (" + ", ".join(
                              f"{n:,} {why}" for why, n in excluded["REASON"].value_counts().items()) + ")")
        if reasons else "nobody",
    }
    names = ["lnr-median", "lnr-n-surv", "lnr-n-nonsurv", "lnr-nonsurv-low", "lnr-n-at-median", "lnr-n-high",
             "lnr-n-low", "nonsurv.all_low", "lnr-wmw-p", "lnr-min-p", "lnr-min-p-num", "lnr-n-splits",
             "lnr-logrank-chisq", "lnr-logrank-df", "lnr-logrank-p", "lnr-logrank-chisq-alt", "lnr-logrank-p-alt",
             "lnr-n-splits-text", "lnr-wmw-method", "lnr-ties-text", *BEYOND_NAMES]
    out.update(dict.fromkeys(names))
    if study.adtte is None or out["lnr-n-evaluable"] < 2:
        return out
    out.update(_split_values(study, horizon))
    out.update(_test_values(study, horizon, out["lnr-n-surv"], out["lnr-n-nonsurv"]))
    out.update(_beyond_values(study, horizon, out))
    return out


BEYOND_NAMES = ("lnr-perm-limit", "lnr-perm-p", "lnr-perm-method", "lnr-perm-splits", "lnr-perm-resamples", "lnr-perm-seed",
                "lnr-trunc-chisq", "lnr-trunc-p", "lnr-trunc-perm-p", "lnr-n-deaths-after",
                "lnr-cox-beta", "lnr-cox-se", "lnr-cox-wald-p", "lnr-cox-lr-chisq", "lnr-cox-lr-p", "lnr-cox-ratio",
                "lnr-firth-beta", "lnr-firth-se", "lnr-firth-wald-p", "lnr-firth-lr-p", "lnr-firth-hr-half", "lnr-firth-hr-half-lower", "lnr-firth-hr-half-upper",
                "lnr-firth-hr-half-text", "lnr-firth-hr-half-ci-text", "lnr-firth-ci-verdict",
                "lnr-wald-fails", "lnr-direction")


def ratio_text(x: float) -> str:
    """A ratio for prose: two significant digits, whole numbers from 100, a power of ten from a million.

    >>> ratio_text(0.8312), ratio_text(2.639), ratio_text(239.5), ratio_text(1.76e9)
    ('0.83', '2.6', '240', 'about 10^9')
    """
    if x >= 1e6:
        return f"about 10^{round(math.log10(x))}"
    if x >= 100:
        return f"{float(f'{x:.2g}'):,.0f}"
    return f"{x:.2g}"


LIST_MAX = 10
"""Most patients a sentence names one by one; above it, the sentence counts them by reason."""


def count_text(n: int) -> str:
    """A count for prose: ``"3,432"``, or ``"about 1.2 × 10^15"`` from ten million on (never a glued wall of digits).

    >>> count_text(3432), count_text(2 * 10**15), count_text(math.comb(100_000, 50_000))
    ('3,432', 'about 2.0 × 10^15', 'about 2.5 × 10^30100')
    """
    if n < 10_000_000:
        return f"{n:,}"
    digits = math.log10(n)  # exact enough for any int: a 30,000-digit count has no str() (or float)
    exp = math.floor(digits)
    mantissa = round(10 ** (digits - exp), 1)
    if mantissa >= 10:
        mantissa, exp = mantissa / 10, exp + 1
    return f"about {mantissa:.1f} × 10^{exp}"


def _beyond_values(study: Study, horizon: float, known: dict) -> dict[str, object]:
    """Permutation and truncated log-rank tests, ordinary and Firth Cox on log LNR (None when impossible)."""
    from .survival import PERMUTATION_LIMIT, PERMUTATION_RESAMPLES

    out: dict[str, object] = {"lnr-perm-limit": f"{PERMUTATION_LIMIT:,}"}
    groups = lnr_groups(study, horizon)
    os_rows = study.adtte[study.adtte["PARAMCD"].eq("OS") & study.adtte["USUBJID"].isin(groups.index)]
    late = os_rows["CNSR"].eq(0) & (os_rows["AVAL"].astype(float) > horizon)
    out["lnr-n-deaths-after"] = int(late.sum())
    surv = groups.loc[groups["status"].eq(SURVIVOR), "LNRBL"]
    non = groups.loc[groups["status"].eq(NON_SURVIVOR), "LNRBL"]
    if len(surv) and len(non):
        m_non, m_surv = float(non.median()), float(surv.median())
        out["lnr-direction"] = ("a lower median baseline LNR than" if m_non < m_surv else
                                "a higher median baseline LNR than" if m_non > m_surv else
                                "the same median baseline LNR as")
    if known.get("lnr-logrank-p") is not None:
        perm = lnr_logrank_exact(study)
        n, k = len(groups), int(groups["group"].eq("high").sum())
        out.update({"lnr-perm-p": perm.pvalue, "lnr-perm-method": perm.method,
                    "lnr-perm-splits": count_text(math.comb(n, k))})
        if perm.method != "exact":
            out.update({"lnr-perm-resamples": f"{PERMUTATION_RESAMPLES:,}", "lnr-perm-seed": 0})
        try:
            trunc = lnr_logrank(study, horizon=horizon)
            out.update({"lnr-trunc-chisq": trunc.statistic, "lnr-trunc-p": trunc.pvalue,
                        "lnr-trunc-perm-p": lnr_logrank_exact(study, horizon=horizon).pvalue})
        except ValueError:  # no death by the horizon
            pass
    try:
        cox, firth = lnr_cox(study), lnr_cox(study, firth=True)
    except (ValueError, np.linalg.LinAlgError):
        return out
    if np.isfinite(cox.se[0]) and cox.se[0] > 0:
        out.update({"lnr-cox-beta": float(cox.coef[0]), "lnr-cox-se": float(cox.se[0]),
                    "lnr-cox-wald-p": float(cox.wald_p[0]), "lnr-cox-lr-chisq": cox.lr.statistic,
                    "lnr-cox-lr-p": cox.lr.pvalue, "lnr-cox-ratio": abs(float(cox.coef[0] / cox.se[0]))})
        # the teaching note's "here they disagree" only when Wald and likelihood ratio fall on opposite sides of 0.05
        disagree = (cox.wald_p[0] >= 0.05) and (cox.lr.pvalue < 0.05)
        out["lnr-wald-fails"] = "Here the two tests disagree, the mark of near separation" if disagree else None
    if np.isfinite(firth.se[0]) and firth.se[0] > 0:
        out.update({"lnr-firth-beta": float(firth.coef[0]), "lnr-firth-se": float(firth.se[0]),
                    "lnr-firth-wald-p": float(firth.wald_p[0]), "lnr-firth-lr-p": firth.lr.pvalue,
                    "lnr-firth-hr-half": float(0.5 ** firth.coef[0]),
                    "lnr-firth-hr-half-text": ratio_text(float(0.5 ** firth.coef[0]))})
        from .firth import profile_ci

        lower, upper = profile_ci(firth, 0)  # 95 % profile penalised likelihood interval of beta
        if np.isfinite(lower) and np.isfinite(upper):
            out.update({"lnr-firth-hr-half-lower": float(0.5 ** upper), "lnr-firth-hr-half-upper": float(0.5 ** lower),
                        "lnr-firth-hr-half-ci-text": f"{ratio_text(0.5 ** upper)} to {ratio_text(0.5 ** lower)}",
                        "lnr-firth-ci-verdict": (
                            "it excludes 1, so the direction is clear; its width shows how poorly the size is known"
                            if lower > 0 or upper < 0 else "it includes 1, so even the direction is uncertain")})
    return out


def _split_values(study: Study, horizon: float) -> dict[str, object]:
    """The median and the counts of the median split by day-``horizon`` status."""
    groups = lnr_groups(study, horizon=horizon)
    median = lnr_median(study)
    non = groups["status"].eq(NON_SURVIVOR)
    n_non, non_low = int(non.sum()), int((non & groups["group"].eq("low")).sum())
    return {
        "lnr-median": median, "lnr-n-surv": int(groups["status"].eq(SURVIVOR).sum()),
        "lnr-n-nonsurv": n_non, "lnr-nonsurv-low": non_low,
        "lnr-n-at-median": int(np.isclose(groups["LNRBL"], median).sum()),
        "lnr-n-high": int(groups["group"].eq("high").sum()), "lnr-n-low": int(groups["group"].eq("low").sum()),
        # "all three patients who died before day 28 showed reduced LNR"
        "nonsurv.all_low": n_non if non_low == n_non else None,
    }


def _test_values(study: Study, horizon: float, n_surv: int, n_nonsurv: int) -> dict[str, object]:
    """The exact WMW test, its smallest attainable p and the log-rank tests (both ties rules)."""
    out: dict[str, object] = {}
    if n_surv and n_nonsurv:
        test = lnr_wmw(study, horizon)
        out = {"lnr-wmw-p": test.pvalue, "lnr-wmw-method": "exact" if test.method == "exact" else "approximate (normal)"}
        if test.method == "exact":  # the teaching note on the smallest exact p
            splits = math.comb(n_surv + n_nonsurv, n_nonsurv)
            out.update({"lnr-min-p": smallest_exact_p(n_surv, n_nonsurv), "lnr-min-p-num": 2,
                        "lnr-n-splits": splits, "lnr-n-splits-text": count_text(splits)})
    for suffix, at_median in (("", "high"), ("-alt", "low")):
        try:
            lr = lnr_logrank(study, at_median=at_median)
        except ValueError:
            continue
        out.update({f"lnr-logrank-chisq{suffix}": lr.statistic, f"lnr-logrank-p{suffix}": lr.pvalue})
        if not suffix:
            out["lnr-logrank-df"] = lr.df
    out["lnr-ties-text"] = _ties_text(study, out)
    return out


def _ties_text(study: Study, values: dict) -> str | None:
    """Whether the rule for patients at the median matters here, from the data."""
    groups = lnr_groups(study)
    at = int(np.isclose(groups["LNRBL"], lnr_median(study)).sum())
    if at == 0:
        return ("here no patient sits exactly at the median, so both rules make the same groups and the "
                "same test statistic")
    a, b = values.get("lnr-logrank-chisq"), values.get("lnr-logrank-chisq-alt")
    if a is None or b is None:
        return None
    who = "patient sits" if at == 1 else "patients sit"
    if abs(a - b) > 1e-9:
        return (f"here {at} {who} exactly at the median, and moving them changes the log-rank chi-square "
                f"from {a:.2f} to {b:.2f}")
    return f"here {at} {who} exactly at the median, but moving them leaves the log-rank chi-square unchanged"
