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
from .stats import holm, signed_rank, walsh_median, wmw

__all__ = ["stars", "baseline_sample", "visit_tests", "paired_tests", "biomarker_plot", "PARAM_LABELS",
           "medians_by_arm", "page_values", "gmr_to_baseline", "paired_log_changes", "n_per_visit",
           "holm_all", "mixed_model", "random_intercept_reml", "SPAGHETTI_MAX", "spaghetti_plot", "key_visit"]

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
    names += [*BEYOND_NAMES]
    names += [f"biomarkers-{code.lower()}-{key}" for code in paramcds
              for key in ("gmr", "gmr-lower", "gmr-upper", "gmr-n", "mm-ratio", "mm-lower", "mm-upper")]
    out.update(dict.fromkeys(names))
    present = [] if study.adlb is None else [p for p in paramcds if p in set(study.adlb["PARAMCD"])]
    if present:
        out.update(_visit_values(study.adlb, present, alpha))
        out.update(_beyond_values(study, present, alpha))
    return out


BEYOND_NAMES = ("biomarkers-key-param", "biomarkers-key-visit", "biomarkers-n-tests-all", "biomarkers-n-sig-within",
                "biomarkers-n-sig-all", "biomarkers-n0", "biomarkers-last-visit", "biomarkers-n-last",
                "biomarkers-dead-last", "biomarkers-out-last", "biomarkers-gmr-text")
"""Glue names of the page's "Beyond the paper" section (besides the per-parameter ones)."""


def key_visit(adlb: pd.DataFrame, paramcd: str) -> float | None:
    """The latest visit at which at least half as many patients are paired with baseline as at the best-paired visit.

    The page's headline effect is the geometric-mean ratio there: late enough to show the course,
    early enough that most patients are still measured. ``None`` without a visit with 2 pairs.
    """
    g = gmr_to_baseline(adlb, paramcd)
    g = g[g["n_pairs"] >= 2]
    if g.empty:
        return None
    return float(g[g["n_pairs"] >= g["n_pairs"].max() / 2]["AVISITN"].max())


def _beyond_values(study, paramcds: list[str], alpha: float) -> dict[str, object]:
    """GMR with CI at the key visit, mixed-model ratios, Holm across all tests, n per visit."""
    out: dict[str, object] = {}
    visit = key_visit(study.adlb, paramcds[0])
    if visit is None:
        return out
    out.update({"biomarkers-key-param": PARAM_LABELS.get(paramcds[0], paramcds[0]), "biomarkers-key-visit": visit})
    texts = []
    for code in paramcds:
        g = gmr_to_baseline(study.adlb, code).set_index("AVISITN")
        if visit not in g.index or not np.isfinite(g.loc[visit, "lower"]):
            continue
        r = g.loc[visit]
        key = f"biomarkers-{code.lower()}"
        out.update({f"{key}-gmr": float(r["gmr"]), f"{key}-gmr-lower": float(r["lower"]),
                    f"{key}-gmr-upper": float(r["upper"]), f"{key}-gmr-n": int(r["n_pairs"])})
        texts.append(f"{PARAM_LABELS.get(code, code)} {r['gmr']:.2f} (95% CI {r['lower']:.2f} to {r['upper']:.2f}; "
                     f"{int(r['n_pairs'])} pairs)")
        mm = mixed_model(study.adlb, code)
        if mm is not None and f"day {visit:g}" in set(mm["term"]):
            m = mm.set_index("term").loc[f"day {visit:g}"]
            out.update({f"{key}-mm-ratio": float(m["ratio"]), f"{key}-mm-lower": float(m["lower"]),
                        f"{key}-mm-upper": float(m["upper"])})
    out["biomarkers-gmr-text"] = "; ".join(texts) if texts else None
    table = holm_all(study.adlb, paramcds)
    n = n_per_visit(study, paramcds[0])
    last = n.iloc[-1]
    out.update({"biomarkers-n-tests-all": len(table),
                "biomarkers-n-sig-within": int((table["holm_within"] < alpha).sum()),
                "biomarkers-n-sig-all": int((table["holm_all"] < alpha).sum()),
                "biomarkers-n0": int(n.iloc[0]["n"]), "biomarkers-last-visit": float(last["AVISITN"]),
                "biomarkers-n-last": int(last["n"]), "biomarkers-dead-last": int(last["dead"]),
                "biomarkers-out-last": int(last["out_of_icu"]) if study.adicu is not None
                and {"DTHDY", "EOTREAS"} <= set(study.adsl.columns) else None})
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


# ---------------------------------------------------------------- beyond the paper (issue 12)

def paired_log_changes(adlb: pd.DataFrame, paramcd: str) -> dict[float, pd.Series]:
    """Per visit after baseline, each patient's ``log(visit value) - log(baseline value)``.

    Only patients with a positive value at both times (a log needs one); indexed by USUBJID.
    """
    base = baseline_sample(adlb, paramcd)
    out = {}
    for visit, values in _visits(adlb, paramcd).items():
        both = pd.concat({"visit": values, "base": base}, axis=1, join="inner").dropna()
        both = both[(both["visit"] > 0) & (both["base"] > 0)]
        out[visit] = np.log(both["visit"]) - np.log(both["base"])
    return out


def gmr_to_baseline(adlb: pd.DataFrame, paramcd: str, level: float = 0.95) -> pd.DataFrame:
    """Geometric-mean ratio of each visit to the same patients' baseline, with a t-based CI.

    Parameters
    ----------
    adlb : DataFrame
        Laboratory dataset.
    paramcd : str
        Parameter, e.g. ``"CRP"``.
    level : float, default 0.95
        Confidence level.

    Returns
    -------
    DataFrame
        One row per visit after baseline: ``AVISITN``, ``n_pairs``, ``gmr``, ``lower``,
        ``upper`` (NaN with fewer than 2 pairs), ``hl`` (Hodges-Lehmann pseudo-median
        of the log changes, back-transformed: a robust ratio) and ``pvalue`` (paired t test
        on the log scale).

    Notes
    -----
    Algorithm

    1. d_i = log(visit_i) - log(baseline_i) for the patients with both (positive) values
       (:func:`paired_log_changes`).
    2. GMR = exp(mean d); CI = exp(mean d ± t_{n-1, (1+level)/2} · sd(d) / √n). A ratio
       below 1 is a fall; 0.5 means the visit's values are half the baseline's, in
       geometric mean.
    3. HL = exp(median of the Walsh averages (d_i + d_j) / 2, i ≤ j), found without listing
       the n(n + 1)/2 averages (:func:`ruxlib.stats.walsh_median`).

    The log scale suits markers that vary over orders of magnitude and change by
    factors; the t interval assumes the log changes are roughly normal, which with a
    handful of pairs can only be hoped for, not checked.

    Examples
    --------
    Baselines 10, 20, 40 and visit values 5, 10, 40: log ratios log(1/2), log(1/2), 0;
    GMR = exp(mean) = 2^(-2/3) ≈ 0.630.
    """
    from scipy import stats as st

    rows = []
    for visit, d in paired_log_changes(adlb, paramcd).items():
        x = d.to_numpy(float)
        n = x.size
        row = {"AVISITN": visit, "n_pairs": n, "gmr": np.nan, "lower": np.nan, "upper": np.nan,
               "hl": np.nan, "pvalue": np.nan}
        if n:
            row.update(gmr=float(np.exp(x.mean())), hl=float(np.exp(walsh_median(x))))
        if n >= 2:
            se = x.std(ddof=1) / np.sqrt(n)
            q = st.t.ppf((1 + level) / 2, n - 1)
            row.update(lower=float(np.exp(x.mean() - q * se)), upper=float(np.exp(x.mean() + q * se)))
            if se > 0:
                row["pvalue"] = float(2 * st.t.sf(abs(x.mean() / se), n - 1))
        rows.append(row)
    return pd.DataFrame(rows, columns=["AVISITN", "n_pairs", "gmr", "lower", "upper", "hl", "pvalue"])


def n_per_visit(study, paramcd: str) -> pd.DataFrame:
    """Who is measured at each visit, and where the others went: the informative dropout.

    Returns
    -------
    DataFrame
        One row per visit (baseline first): ``AVISITN``, ``n`` (patients with a value),
        ``dead`` (ITT patients who died on or before the visit day), ``out_of_icu``
        (alive but out of the ICU by then: discharged alive or transferred, by
        :func:`ruxlib.icu.exit_events`), ``other`` (the rest without a value).
        Without adicu.csv or adsl ``DTHDY``/``EOTREAS``, ``out_of_icu`` is 0.
    """
    from .icu import exit_events, itt_subjects

    subjects = itt_subjects(study)
    death = study.adsl.set_index("USUBJID")["DTHDY"].reindex(subjects) if "DTHDY" in study.adsl else \
        pd.Series(np.nan, index=subjects)
    left = pd.Series(np.inf, index=subjects)
    if study.adicu is not None and {"DTHDY", "EOTREAS"} <= set(study.adsl.columns):
        ev = exit_events(study, "ICU")
        alive = ev[ev["event"] != 2]["time"]
        left[alive.index] = alive
    series = {0.0: baseline_sample(study.adlb, paramcd), **_visits(study.adlb, paramcd)}
    rows = []
    for visit, values in series.items():
        seen = set(values.index) & set(subjects)
        missing = [u for u in subjects if u not in seen]
        dead = sum(1 for u in missing if death[u] <= visit)
        out = sum(1 for u in missing if not death[u] <= visit and left[u] <= visit)
        rows.append({"AVISITN": visit, "n": len(seen), "dead": dead, "out_of_icu": out,
                     "other": len(missing) - dead - out})
    return pd.DataFrame(rows)


def holm_all(adlb: pd.DataFrame, paramcds) -> pd.DataFrame:
    """Holm's adjustment across ALL biomarker tests (every parameter and visit), beside within-parameter.

    Returns
    -------
    DataFrame
        One row per tested visit: ``PARAMCD``, ``AVISITN``, ``pvalue`` (paired signed-rank,
        :func:`paired_tests`), ``holm_within`` (Holm over the visits of the parameter)
        and ``holm_all`` (Holm over every test in the table).

    Notes
    -----
    The family is every test the page reports, so the family-wise error rate is controlled
    for the page's claims taken together: with three parameters of seven visits each,
    the smallest p is multiplied by 21, not 7.
    """
    parts = []
    for code in paramcds:
        t = paired_tests(adlb, code)
        t = t[t["pvalue"].notna()]
        parts.append(pd.DataFrame({"PARAMCD": code, "AVISITN": t["AVISITN"], "pvalue": t["pvalue"],
                                   "holm_within": t["pvalue_holm"]}))
    table = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(
        columns=["PARAMCD", "AVISITN", "pvalue", "holm_within"])
    table["holm_all"] = holm(table["pvalue"].to_numpy(float)) if len(table) else []
    return table


def mixed_model(adlb: pd.DataFrame, paramcd: str, time: str = "visit", level: float = 0.95) -> pd.DataFrame | None:
    """Linear mixed model of log values with a random intercept per patient (statsmodels ``MixedLM``).

    Parameters
    ----------
    adlb : DataFrame
        Laboratory dataset (baseline and later visits; positive values only are used).
    paramcd : str
    time : {"visit", "day"}, default "visit"
        ``"visit"``: visit as a categorical fixed effect (each visit against baseline);
        ``"day"``: study day as a continuous (linear) effect on the log scale.
    level : float, default 0.95

    Returns
    -------
    DataFrame or None
        One row per fixed effect other than the intercept: ``term``, ``ratio``
        (exp(coefficient): the geometric-mean ratio to baseline, or per day), ``lower``,
        ``upper`` (Wald CI), ``pvalue``; ``None`` when the model cannot be fitted
        (fewer than 2 patients or 2 visits, or no convergence).

    Notes
    -----
    log(AVAL_ij) = β_visit(j) + u_i + ε_ij, u_i ~ N(0, σ_u²), fitted by REML
    (:func:`random_intercept_reml`, the fit of statsmodels ``MixedLM(...).fit(reml=True)``
    in closed form per patient; Wald intervals and p values from the normal distribution, as
    statsmodels gives them). Patients
    contribute every visit they have, so unlike the paired tests nobody is dropped for a
    missing baseline or visit. The model is valid when values are missing at random given
    the patient's earlier values; here values stop through death and ICU discharge, which
    depend on the course itself (informative dropout), so late visits describe the
    survivors still in the ICU (see :func:`n_per_visit`).
    """
    from scipy import stats as st

    rows = _param(adlb, paramcd)
    rows = rows[rows["AVAL"] > 0]
    visit = np.where(rows["ABLFL"].eq("Y"), 0.0, rows["AVISITN"].astype(float))
    y = np.log(rows["AVAL"].astype(float).to_numpy())
    group = pd.factorize(rows["USUBJID"])[0]
    levels = np.unique(visit)
    if group.size == 0 or group.max() < 1 or levels.size < 2:
        return None
    if time == "visit":  # treatment coding, the first (lowest) visit the reference, as C(visit)
        columns = [np.ones_like(y)] + [(visit == v).astype(float) for v in levels[1:]]
        terms = [f"day {v:g}" for v in levels[1:]]
    else:
        columns, terms = [np.ones_like(y), visit], ["per day"]
    fit = random_intercept_reml(np.column_stack(columns), y, group)
    if fit is None:
        return None
    beta, cov = fit
    se = np.sqrt(np.diag(cov))[1:]
    z = st.norm.ppf((1 + level) / 2)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        out = pd.DataFrame({
            "term": terms,
            "ratio": np.exp(beta[1:]),
            "lower": np.exp(beta[1:] - z * se),
            "upper": np.exp(beta[1:] + z * se),
            "pvalue": 2 * st.norm.sf(np.abs(beta[1:] / se)),
        })
    return out if np.isfinite(out[["ratio", "lower", "upper"]].to_numpy()).all() else None


def random_intercept_reml(X: np.ndarray, y: np.ndarray, group: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """REML fit of the linear model with a random intercept per group: fixed effects and their covariance.

    Parameters
    ----------
    X : ndarray, shape (N, p)
        Fixed-effects design (with an intercept column).
    y : ndarray, shape (N,)
    group : ndarray of int, shape (N,)
        Group code of each row, 0 … G - 1 (``pandas.factorize``).

    Returns
    -------
    (beta, cov) or None
        The fixed effects and their covariance σ² (X'V⁻¹X)⁻¹ at the REML estimate; ``None`` when
        the design is singular or there are no residual degrees of freedom.

    Notes
    -----
    Model y = Xβ + Zu + ε with V_i = σ²(I + γJ) for a group of n_i rows, γ = σ_u²/σ². With
    c_i = γ / (1 + n_i γ), V_i⁻¹ = (I - c_i J)/σ², so every quantity needs only per-group
    sums: X'V⁻¹X = (X'X - S' diag(c) S)/σ² with S the groups' column sums of X, likewise
    X'V⁻¹y and the residual form r'V⁻¹r = (r'r - Σ c_i (Σ_group r)²)/σ²; log|V_i| =
    n_i log σ² + log(1 + n_i γ). With σ² profiled out (σ² = Q / (N - p)), −2 × the restricted
    log-likelihood is, up to a constant,

        (N - p) log(Q / (N - p)) + Σ_i log(1 + n_i γ) + log det(X'X - S' diag(c) S),

    minimised over log γ by bounded Brent and compared with γ = 0 (the boundary). Cost O(N p²)
    per step instead of a Python loop over groups (statsmodels), so 100,000 patients fit in
    about a second. Checked against statsmodels ``MixedLM`` in ``tests/test_biomarkers.py``.
    """
    from scipy.optimize import minimize_scalar

    n_obs, p = X.shape
    if n_obs <= p:
        return None
    size = np.bincount(group).astype(float)
    S = np.column_stack([np.bincount(group, weights=X[:, j], minlength=size.size) for j in range(p)])
    ty = np.bincount(group, weights=y, minlength=size.size)
    xtx, xty = X.T @ X, X.T @ y

    def solve(gamma: float):
        c = gamma / (1 + size * gamma)
        a = xtx - S.T @ (c[:, None] * S)
        sign, logdet = np.linalg.slogdet(a)
        if sign <= 0:
            return None
        beta = np.linalg.solve(a, xty - S.T @ (c * ty))
        r = y - X @ beta
        q = float(r @ r - c @ np.bincount(group, weights=r, minlength=size.size) ** 2)
        return a, beta, q, logdet, c

    def criterion(gamma: float) -> float:
        got = solve(gamma)
        if got is None or got[2] <= 0:
            return np.inf
        _, _, q, logdet, _ = got
        return (n_obs - p) * np.log(q / (n_obs - p)) + np.log1p(size * gamma).sum() + logdet

    best = minimize_scalar(lambda eta: criterion(np.exp(eta)), bounds=(-20.0, 12.0), method="bounded",
                           options={"xatol": 1e-10})
    gamma = float(np.exp(best.x)) if criterion(np.exp(best.x)) < criterion(0.0) else 0.0
    got = solve(gamma)
    if got is None or got[2] <= 0 or not np.isfinite(criterion(gamma)):
        return None
    a, beta, q, _, _ = got
    return beta, q / (n_obs - p) * np.linalg.inv(a)


SPAGHETTI_MAX = 200
"""Most patients :func:`spaghetti_plot` draws a line for; above it, a random sample of them."""


@styled
def spaghetti_plot(adlb: pd.DataFrame, paramcds=("CRP", "IL6", "FERRITIN")):
    """Each patient's trajectory (a line per patient) on a log axis, with the geometric mean per visit.

    Returns
    -------
    matplotlib.figure.Figure
        One panel per parameter; thin grey lines are patients, the thick line the geometric
        mean of the patients observed at each visit (its fall mixes change and dropout). Above
        :data:`SPAGHETTI_MAX` patients, the lines are a random sample of that many patients
        (seed 0, said in the panel) and the geometric mean is still over all of them.
    """
    k = len(paramcds)
    fig, axes = plt.subplots(1, k, figsize=(min(WIDTH, 2.6 * k), 3.6), squeeze=False)
    for i, (ax, code) in enumerate(zip(axes[0], paramcds, strict=True)):
        rows = _param(adlb, code)
        rows = rows[rows["AVAL"] > 0].assign(day=lambda r: np.where(r["ABLFL"].eq("Y"), 0.0, r["AVISITN"]))
        patients = pd.unique(rows["USUBJID"])
        drawn = rows
        if patients.size > SPAGHETTI_MAX:
            keep = np.random.default_rng(0).choice(patients, SPAGHETTI_MAX, replace=False)
            drawn = rows[rows["USUBJID"].isin(keep)]
            ax.text(0.98, 0.98, f"lines: {SPAGHETTI_MAX} of {patients.size:,} patients", transform=ax.transAxes,
                    ha="right", va="top", fontsize=SMALL)
        for _, grp in drawn.sort_values("day").groupby("USUBJID"):
            ax.plot(grp["day"], grp["AVAL"], color="#7f7f7f", linewidth=0.8, alpha=0.7, marker="o", markersize=2)
        gm = rows.groupby("day")["AVAL"].apply(lambda v: float(np.exp(np.log(v).mean())))
        ax.plot(gm.index, gm.to_numpy(), color="#08306b", linewidth=2.4, label="geometric mean")
        ax.set_yscale("log")
        ax.set_xlabel("Study day")
        ax.set_title(f"{chr(65 + i)}  {PARAM_LABELS.get(code, code)}", loc="left", fontweight="bold")
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
    axes[0][0].legend(frameon=False, fontsize=SMALL, loc="lower left")
    fig.tight_layout()
    return fig
