"""Inflammatory biomarkers over the treatment period (Fig. 3 of the paper).

Each later visit of CRP, IL-6 and ferritin is compared with the baseline
distribution. The paper used a two-sided Wilcoxon-Mann-Whitney test, i.e. it
treated the values of a visit and the baseline values as two independent
samples although they come largely from the same patients.
:func:`paired_tests` gives the paired alternative (Wilcoxon signed-rank with
Holm's adjustment across visits) for the book's teaching section.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from . import arms
from .derive import itt_population
from .figures import SMALL, WIDTH, styled
from .stats import holm, signed_rank, wmw

__all__ = ["stars", "baseline_sample", "visit_tests", "paired_tests", "biomarker_plot", "PARAM_LABELS",
           "medians_by_arm", "page_values"]

PARAM_LABELS = {
    "CRP": "C-reactive protein",
    "IL6": "Interleukin-6",
    "FERRITIN": "Ferritin",
}


def stars(p: float) -> str:
    """Significance stars as in the paper's Fig. 3: ``*`` < 0.05, ``**`` < 0.01, ``***`` < 0.001.

    Examples
    --------
    >>> [stars(p) for p in (0.2, 0.05, 0.049, 0.009, 0.0009, float("nan"))]
    ['', '', '*', '**', '***', '']
    """
    if p is None or not np.isfinite(p):
        return ""
    if p < 0.001:
        return "***"
    if p < 0.01:
        return "**"
    if p < 0.05:
        return "*"
    return ""


def _param(adlb: pd.DataFrame, paramcd: str) -> pd.DataFrame:
    if adlb is None:
        raise ValueError("this study folder has no adlb.csv")
    rows = adlb[adlb["PARAMCD"].eq(paramcd)]
    return rows


def baseline_sample(adlb: pd.DataFrame, paramcd: str) -> pd.Series:
    """The baseline sample of one parameter: every baseline value (``ABLFL == "Y"``), indexed by USUBJID.

    This is the sample each later visit is compared with in :func:`visit_tests`
    (all subjects of adlb, as the paper did; not restricted to a population).
    """
    rows = _param(adlb, paramcd)
    base = rows[rows["ABLFL"].eq("Y")]
    return pd.Series(base["AVAL"].to_numpy(), index=base["USUBJID"].to_numpy(), name=paramcd)


def _visits(adlb: pd.DataFrame, paramcd: str) -> dict[float, pd.Series]:
    rows = _param(adlb, paramcd)
    later = rows[rows["ABLFL"].ne("Y") & rows["AVISITN"].gt(0)]
    out = {}
    for visit, grp in later.groupby("AVISITN", sort=True):
        out[float(visit)] = pd.Series(grp["AVAL"].to_numpy(), index=grp["USUBJID"].to_numpy())
    return out


def visit_tests(adlb: pd.DataFrame, paramcd: str, exact: bool = False) -> pd.DataFrame:
    """Each visit's values against the baseline distribution (two-sided WMW), as the paper.

    Parameters
    ----------
    adlb : DataFrame
        Laboratory dataset (``USUBJID``, ``PARAMCD``, ``AVISITN``, ``AVAL``).
    paramcd : str
        Parameter, e.g. ``"CRP"``.
    exact : bool, default False
        False: normal approximation with continuity correction (SAS NPAR1WAY's
        default, which the paper used); True: exact conditional test.

    Returns
    -------
    DataFrame
        One row per visit, baseline first: ``AVISITN``, ``n`` (values at the
        visit), ``n_baseline``, ``median``, ``q1``, ``q3``, ``statistic``,
        ``pvalue``, ``method`` and ``stars``; the baseline row has no test.

    Notes
    -----
    The two samples are treated as independent although most values at a
    visit come from patients also in the baseline sample; see
    :func:`paired_tests`.
    """
    base = baseline_sample(adlb, paramcd)
    rows = [_describe(0.0, base, len(base))]
    for visit, values in _visits(adlb, paramcd).items():
        row = _describe(visit, values, len(base))
        if len(values) and len(base):
            res = wmw(values.to_numpy(float), base.to_numpy(float), exact=exact)
            row.update(statistic=float(res.statistic), pvalue=float(res.pvalue), method=res.method,
                       stars=stars(float(res.pvalue)))
        rows.append(row)
    return pd.DataFrame(rows, columns=["AVISITN", "n", "n_baseline", "median", "q1", "q3",
                                       "statistic", "pvalue", "method", "stars"])


def _describe(visit: float, values: pd.Series, n_base: int) -> dict:
    x = values.to_numpy(float)
    return {
        "AVISITN": visit,
        "n": int(x.size),
        "n_baseline": int(n_base),
        "median": float(np.median(x)) if x.size else np.nan,
        "q1": float(np.quantile(x, 0.25)) if x.size else np.nan,
        "q3": float(np.quantile(x, 0.75)) if x.size else np.nan,
        "statistic": np.nan,
        "pvalue": np.nan,
        "method": "",
        "stars": "",
    }


def paired_tests(adlb: pd.DataFrame, paramcd: str) -> pd.DataFrame:
    """Each visit against the same patients' baseline: Wilcoxon signed-rank, Holm-adjusted.

    Parameters
    ----------
    adlb : DataFrame
        Laboratory dataset.
    paramcd : str
        Parameter, e.g. ``"CRP"``.

    Returns
    -------
    DataFrame
        One row per visit after baseline: ``AVISITN``, ``n_pairs`` (patients
        with a value at baseline and at the visit), ``median_change`` (median
        of visit minus baseline), ``statistic``, ``pvalue`` (unadjusted),
        ``pvalue_holm`` (Holm's step-down adjustment across the visits tested)
        and ``stars`` (on the adjusted p).

    Notes
    -----
    Algorithm

    1. Pair each patient's visit value with the same patient's baseline value;
       patients missing either are left out of that visit.
    2. Test the pairs with the two-sided Wilcoxon signed-rank test
       (``ruxlib.stats.signed_rank``); a visit with no pair, or with no change in any pair,
       gets no p value (the test is undefined there).
    3. Adjust the p values of the tested visits of this parameter with Holm's
       method (``ruxlib.stats.holm``), which controls the family-wise error
       rate over the visits.
    """
    base = baseline_sample(adlb, paramcd)
    rows = []
    for visit, values in _visits(adlb, paramcd).items():
        both = pd.concat({"visit": values, "base": base}, axis=1, join="inner").dropna()
        row = {"AVISITN": visit, "n_pairs": len(both),
               "median_change": float((both["visit"] - both["base"]).median()) if len(both) else np.nan,
               "statistic": np.nan, "pvalue": np.nan}
        if both["visit"].ne(both["base"]).any():
            res = signed_rank(both["visit"].to_numpy(float), both["base"].to_numpy(float))
            row.update(statistic=float(res.statistic), pvalue=float(res.pvalue))
        rows.append(row)
    table = pd.DataFrame(rows, columns=["AVISITN", "n_pairs", "median_change", "statistic", "pvalue"])
    tested = table["pvalue"].notna()
    table["pvalue_holm"] = np.nan
    if tested.any():
        table.loc[tested, "pvalue_holm"] = np.asarray(holm(table.loc[tested, "pvalue"].to_numpy()), float)
    table["stars"] = [stars(p) for p in table["pvalue_holm"]]
    return table


@styled
def biomarker_plot(adlb: pd.DataFrame, paramcds=("CRP", "IL6", "FERRITIN"), exact: bool = False,
                   seed: int = 0):
    """Biomarkers by visit (the paper's Fig. 3): one panel per parameter.

    Each panel has a log-scale y axis, a box (median, quartiles, whiskers to
    1.5 IQR) and the individual values per visit, the number of patients
    observed under each visit, and the stars of :func:`visit_tests` above the
    visits that differ from baseline.

    Parameters
    ----------
    adlb : DataFrame
        Laboratory dataset.
    paramcds : sequence of str
        Parameters, one panel each (labelled A, B, C, ...).
    exact : bool, default False
        Passed to :func:`visit_tests`.
    seed : int, default 0
        Seed of the horizontal jitter of the points.

    Returns
    -------
    matplotlib.figure.Figure
    """
    rng = np.random.default_rng(seed)
    k = len(paramcds)
    fig, axes = plt.subplots(1, k, figsize=(min(WIDTH, 2.6 * k), 4.0), squeeze=False)
    for i, (ax, code) in enumerate(zip(axes[0], paramcds, strict=True)):
        tests = visit_tests(adlb, code, exact=exact)
        base = baseline_sample(adlb, code)
        series = {0.0: base, **_visits(adlb, code)}
        visits = list(series)
        pos = np.arange(len(visits))
        data = [series[v].to_numpy(float) for v in visits]
        data_pos = [d[d > 0] for d in data]  # log axis: non-positive values cannot be drawn
        ax.boxplot([d if d.size else [np.nan] for d in data_pos], positions=pos, widths=0.55,
                   showfliers=False, patch_artist=True,
                   boxprops={"facecolor": "#deebf7", "edgecolor": "#4a4a4a"},
                   medianprops={"color": "#08306b", "linewidth": 2},
                   whiskerprops={"color": "#4a4a4a"}, capprops={"color": "#4a4a4a"})
        for p, d in zip(pos, data_pos, strict=True):
            ax.scatter(p + rng.uniform(-0.16, 0.16, d.size), d, s=12, color="#252525", alpha=0.7,
                       zorder=3, linewidths=0)
        ax.set_yscale("log")
        ax.set_xticks(pos, [f"{v:g}" for v in visits])
        ax.set_xlabel("Study day", labelpad=SMALL + 8)
        unit = ""
        if "AVALU" in adlb:
            units = adlb.loc[adlb["PARAMCD"].eq(code), "AVALU"].dropna().unique()
            unit = f" ({units[0]})" if len(units) == 1 else ""
        ax.set_ylabel(PARAM_LABELS.get(code, code) + unit)
        ax.set_title(f"{chr(65 + i)}  {PARAM_LABELS.get(code, code)}", loc="left", fontweight="bold")
        top = max((d.max() for d in data_pos if d.size), default=1.0)
        bottom = min((d.min() for d in data_pos if d.size), default=1.0)
        ax.set_ylim(bottom / 1.6, top * 2.2)
        for p, (_, r) in zip(pos, tests.iterrows(), strict=True):
            if r["stars"]:
                ax.text(p, top * 1.45, r["stars"], ha="center", va="center", fontsize=13)
        trans = ax.get_xaxis_transform()
        ax.text(-0.55, -0.1, "n =", transform=trans, ha="right", va="top", fontsize=SMALL, style="italic")
        for p, (_, r) in zip(pos, tests.iterrows(), strict=True):
            ax.text(p, -0.1, f"{r['n']}", transform=trans, ha="center", va="top", fontsize=SMALL, color="#555555")
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
    fig.text(0.01, 0.005, "* P < 0.05, ** P < 0.01, *** P < 0.001: two-sided Wilcoxon-Mann-Whitney test of the\n"
             "visit against the baseline distribution, not corrected for multiple testing. "
             "n: patients observed.", fontsize=SMALL, color="#444444")
    fig.tight_layout(rect=(0, 0.09, 1, 1), w_pad=0.6)
    return fig


def page_values(study, horizon: float = 28, alpha: float = 0.05,
                paramcds=("CRP", "IL6", "FERRITIN")) -> dict[str, object]:
    """Every number the biomarkers page quotes: per-visit tests, as the paper and paired.

    Parameters
    ----------
    study : ruxlib.io.Study
        A loaded study folder.
    horizon : float
        The period of Fig. 3, in days.
    alpha : float
        Significance level of a visit's test.
    paramcds : tuple of str
        The parameters of Fig. 3; those absent from adlb.csv are left out.

    Returns
    -------
    dict
        ``biomarkers-*`` names → values; also ``itt.n`` (the patients of Fig. 3) and
        ``visits.last`` (the last visit day of the parameters), values for the ledger.
        ``None`` for what needs adlb.csv when it is absent.
    """
    out: dict[str, object] = {
        "biomarkers-horizon": horizon, "biomarkers-alpha": alpha,
        "biomarkers-sr-min5": 2 / 2**5, "biomarkers-sr-min6": 2 / 2**6,  # smallest exact signed-rank p, 5 or 6 pairs
        "itt.n": len(itt_population(study.adsl)),
    }
    names = ["biomarkers-n-base-crp", "biomarkers-n-visits", "biomarkers-base-spread", "biomarkers-sig-text",
             "biomarkers-paired-text", "biomarkers-params", "visits.last"]
    names += [f"biomarkers-{code.lower()}-{key}" for code in paramcds for key in ("n-sig", "n-sig-paired", "n-tests")]
    out.update(dict.fromkeys(names))
    present = [] if study.adlb is None else [p for p in paramcds if p in set(study.adlb["PARAMCD"])]
    if present:
        out.update(_visit_values(study.adlb, present, alpha))
    return out


def _visit_values(adlb: pd.DataFrame, paramcds: list[str], alpha: float) -> dict[str, object]:
    """Counts of significant visits per parameter, by the paper's test and paired with Holm."""
    first = visit_tests(adlb, paramcds[0])
    base = baseline_sample(adlb, paramcds[0])
    visits = adlb.loc[adlb["PARAMCD"].isin(paramcds), "AVISITN"]
    out: dict[str, object] = {
        "biomarkers-params": ", ".join(PARAM_LABELS.get(p, p) for p in paramcds),
        "biomarkers-n-base-crp": int(first.loc[0, "n"]), "biomarkers-n-visits": len(first) - 1,
        "biomarkers-base-spread": float(base.max() / base.min()) if len(base) and base.min() > 0 else None,
        "visits.last": float(visits.max()),
    }
    sig_texts, paired_texts = [], []
    for code in paramcds:
        label = PARAM_LABELS.get(code, code)
        tests = visit_tests(adlb, code).iloc[1:]
        sig = tests[tests["pvalue"] < alpha]
        n_paired = int((paired_tests(adlb, code)["pvalue_holm"] < alpha).sum())
        n_tests = int(tests["pvalue"].notna().sum())
        out.update({f"biomarkers-{code.lower()}-n-sig": len(sig), f"biomarkers-{code.lower()}-n-tests": n_tests,
                    f"biomarkers-{code.lower()}-n-sig-paired": n_paired})
        days = ", ".join(f"{v:g}" for v in sig["AVISITN"])
        sig_texts.append(f"{label}: {len(sig)} of {n_tests} visits" + (f" (days {days})" if days else ""))
        paired_texts.append(f"{label}: {len(sig)} visit(s) by the paper's test, {n_paired} by signed-rank with Holm")
    out.update({"biomarkers-sig-text": "; ".join(sig_texts), "biomarkers-paired-text": "; ".join(paired_texts)})
    return out


def medians_by_arm(study, arm: str = "TRT01P", paramcds=("CRP", "IL6", "FERRITIN")) -> pd.DataFrame | None:
    """Median of each parameter at baseline and each visit, per arm and in total; ``None`` for one arm.

    A cell reads "median (n = patients observed)"; "—" where an arm has no value. Parameters
    absent from adlb.csv are left out; ``None`` also without adlb.csv.
    """
    if study.adlb is None:
        return None
    present = [p for p in paramcds if p in set(study.adlb["PARAMCD"])]

    def column(s) -> pd.Series:
        cells = {}
        for code in present:
            for visit, values in {0.0: baseline_sample(s.adlb, code), **_visits(s.adlb, code)}.items():
                if len(values):
                    cells[(PARAM_LABELS.get(code, code), f"day {visit:g}")] = f"{values.median():.3g} (n = {len(values)})"
        return pd.Series(cells, dtype=object)

    return arms.by_arm(study, arm, column, fill="—") if present else None
