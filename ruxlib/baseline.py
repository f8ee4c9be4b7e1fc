"""Baseline characteristics (the paper's Table 1).

Continuous parameters come from ``adsl.csv`` (AGE, WEIGHTBL, HEIGHTBL, BMIBL)
and from the baseline records of ``advs.csv`` (any PARAMCD); sex from
``adsl.csv``; risk factors from ``admh.csv`` (one row per risk factor, MHCAT
= the Table 1 row label). Everything is computed in the intention-to-treat
population (``ITTFL == "Y"``).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from . import arms
from .derive import itt_population
from .figures import styled
from .io import Study, baseline

__all__ = [
    "ADSL_VARIABLES",
    "baseline_values",
    "dotplot",
    "VITAL_LABELS",
    "itt",
    "page_values",
    "risk_factors",
    "sex_counts",
    "summarise_continuous",
    "table1",
    "table1_by_arm",
    "table1_gt",
    "table_gt",
    "format_printed",
    "printed_decimals",
    "risk_factors_gt",
    "severity_gt",
    "severity_table",
]

ADSL_VARIABLES: dict[str, tuple[str, str]] = {
    # adsl column: (short id used in the claims ledger, label as in Table 1)
    "AGE": ("age", "Age (yrs.)"),
    "WEIGHTBL": ("weight", "Weight (kg)"),
    "HEIGHTBL": ("height", "Height (cm)"),
    "BMIBL": ("bmi", "BMI (kg/m²)"),
}
"""Demographic columns of adsl tabulated in Table 1, with ledger id and label."""

VITAL_LABELS: dict[str, str] = {
    "HR": "Heart rate (beats per minute)",
    "RESP": "Respiratory rate (breaths per minute)",
    "PFRATIO": "PaO₂/FiO₂ (ratio)",
    "SYSBP": "Blood pressure, systolic (mmHg)",
    "DIABP": "Blood pressure, diastolic (mmHg)",
    "TEMP": "Temperature (°C)",
}
"""Labels of the vital signs as printed in Table 1 (used when advs has no PARAM)."""

VITAL_ORDER = list(VITAL_LABELS)

STATS = ("n", "mean", "sd", "median", "min", "max")


def itt(study: Study) -> pd.DataFrame:
    """The intention-to-treat subjects of ``study`` (adsl rows with ``ITTFL == "Y"``)."""
    return itt_population(study.adsl)


def summarise_continuous(values) -> pd.Series:
    """N, mean, standard deviation, median, minimum and maximum of ``values``.

    Parameters
    ----------
    values : array-like of float
        Missing values (NaN/None) are dropped before anything is computed.

    Returns
    -------
    pandas.Series
        Index ``n, mean, sd, median, min, max``. ``sd`` is the sample standard
        deviation (divisor N - 1, ``ddof=1``), as SAS PROC MEANS prints by
        default; it is NaN when N < 2. All statistics but ``n`` are NaN when N = 0.

    Examples
    --------
    >>> s = summarise_continuous([2, 4, 4, 4, 5, 5, 7, 9, None])
    >>> int(s["n"]), float(s["mean"]), float(s["median"])
    (8, 5.0, 4.5)
    >>> round(float(s["sd"]), 4)  # sqrt(32 / 7)
    2.1381
    """
    x = pd.to_numeric(pd.Series(values, dtype="object"), errors="coerce").astype("float64").dropna()
    n = int(x.size)
    if n == 0:
        return pd.Series({"n": 0, "mean": np.nan, "sd": np.nan, "median": np.nan, "min": np.nan, "max": np.nan}, dtype="object")
    return pd.Series(
        {
            "n": n,
            "mean": float(x.mean()),
            "sd": float(x.std(ddof=1)) if n > 1 else np.nan,
            "median": float(x.median()),
            "min": float(x.min()),
            "max": float(x.max()),
        },
        dtype="object",
    )


def _vital_label(code: str, frame: pd.DataFrame) -> str:
    """PARAM of the first record with a label, else the Table 1 label, else the code."""
    if "PARAM" in frame:
        labels = frame.loc[frame["PARAMCD"].eq(code), "PARAM"].dropna()
        labels = labels[labels.astype(str).str.strip() != ""]
        if not labels.empty:
            return str(labels.iloc[0])
    return VITAL_LABELS.get(code, code)


def table1(study: Study) -> pd.DataFrame:
    """Continuous baseline characteristics of the ITT population, one row per parameter.

    Parameters
    ----------
    study : Study
        A loaded study folder. adsl columns AGE, WEIGHTBL, HEIGHTBL, BMIBL are
        used when present; so are the baseline records of advs.csv (``ABLFL ==
        "Y"``, see :func:`ruxlib.derive.derive_var_ablfl`) for every PARAMCD found.

    Returns
    -------
    pandas.DataFrame
        Tidy, columns ``section`` ("Demographics" or "Vital signs"), ``var``
        (the id used in the claims ledger, e.g. ``age``, ``pfratio``), ``label``,
        ``n, mean, sd, median, min, max`` (see :func:`summarise_continuous`).

    Notes
    -----
    Vital signs appear in the order of Table 1 (HR, RESP, PFRATIO, SYSBP,
    DIABP, TEMP), then any other PARAMCD in alphabetical order, labelled from
    PARAM when present, else with the Table 1 label (:data:`VITAL_LABELS`),
    else with the code. A parameter whose values are all missing still gets a
    row (N = 0) when its adsl column exists.
    """
    pop = itt(study)
    rows = []
    for col, (var, label) in ADSL_VARIABLES.items():
        if col in pop:
            rows.append({"section": "Demographics", "var": var, "label": label, **summarise_continuous(pop[col])})
    if study.advs is not None and not study.advs.empty:
        vs = baseline(study.advs)
        vs = vs[vs["USUBJID"].isin(pop["USUBJID"])]
        codes = list(dict.fromkeys(vs["PARAMCD"]))
        ordered = [c for c in VITAL_ORDER if c in codes] + sorted(c for c in codes if c not in VITAL_ORDER)
        for code in ordered:
            values = vs.loc[vs["PARAMCD"].eq(code), "AVAL"]
            rows.append(
                {
                    "section": "Vital signs",
                    "var": code.lower(),
                    "label": _vital_label(code, study.advs),
                    **summarise_continuous(values),
                }
            )
    out = pd.DataFrame(rows, columns=["section", "var", "label", *STATS])
    out["n"] = out["n"].astype(int)
    for s in STATS[1:]:
        out[s] = out[s].astype(float)
    return out


def sex_counts(study: Study) -> pd.DataFrame:
    """Number and percentage of female and male subjects in the ITT population.

    Returns
    -------
    pandas.DataFrame
        One row per sex (``F`` then ``M``, both always present), columns
        ``sex``, ``n`` and ``pct`` (100 × n / ITT N).
    """
    pop = itt(study)
    total = len(pop)
    counts = pop["SEX"].value_counts()
    rows = []
    for sex in ("F", "M"):
        n = int(counts.get(sex, 0))
        rows.append({"sex": sex, "n": n, "pct": 100.0 * n / total if total else np.nan})
    return pd.DataFrame(rows)


def risk_factors(study: Study) -> pd.DataFrame | None:
    """Risk factors per category: patients with the category and number of entries.

    Parameters
    ----------
    study : Study
        Uses ``admh.csv``: one row per risk factor, ``MHCAT`` = the category
        printed as a row of Table 1. Only ITT subjects are counted.

    Returns
    -------
    pandas.DataFrame or None
        Columns ``category``, ``pts`` (distinct USUBJID), ``n`` (rows), sorted
        by category in plain character order (upper case before lower case, as
        SAS sorts; so "DNR status" comes before "Diabetes" as in Table 1).
        ``None`` when the study folder has no admh.csv.
    """
    if study.admh is None:
        return None
    mh = study.admh[study.admh["USUBJID"].isin(itt(study)["USUBJID"])]
    grouped = mh.groupby("MHCAT", sort=False)
    out = pd.DataFrame({"pts": grouped["USUBJID"].nunique(), "n": grouped.size()})
    out = out.rename_axis("category").reset_index()
    out = out.sort_values("category", key=lambda s: s.map(str), kind="stable").reset_index(drop=True)
    out[["pts", "n"]] = out[["pts", "n"]].astype(int)
    return out


def format_number(x: float, decimals: int = 2) -> str:
    """Round to ``decimals`` and drop trailing zeros (59.50 -> "59.5", 90.00 -> "90")."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "–"
    text = f"{float(x):.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def format_printed(x: float, decimals: int) -> str:
    """``x`` with exactly ``decimals`` decimals, ties rounded away from zero (as SAS prints).

    >>> format_printed(89.5, 0), format_printed(21.5, 0), format_printed(4.78, 0), format_printed(74, 1)
    ('90', '22', '5', '74.0')
    """
    from .printed import round_half_away

    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "–"
    text = f"{round_half_away(float(x), decimals):.{decimals}f}"
    return text[1:] if text.startswith("-") and float(text) == 0 else text


def printed_decimals(page: str = "baseline") -> dict[tuple[str, str], int]:
    """The decimals the paper prints for each Table 1 cell, from the claims ledger.

    Returns
    -------
    dict
        ``(var, stat)`` → decimals for every ledger id ``t1.<var>.<stat>`` of the page, e.g.
        ``("weight", "median")`` → 0 (the paper prints 90, not 89.5) and ``("resp", "sd")`` → 0.
    """
    from .claims import load_claims

    claims = load_claims()
    out: dict[tuple[str, str], int] = {}
    for r in claims[claims["page"].eq(page)].itertuples():
        parts = str(r.id).split(".")
        if len(parts) == 3 and parts[0] == "t1":
            out[(parts[1], parts[2])] = int(r.decimals)
    return out


def table1_display(study: Study, decimals: int = 2,
                   printed: dict[tuple[str, str], int] | None = None) -> pd.DataFrame:
    """Table 1 as text cells laid out like the paper (used by :func:`table1_gt`).

    Columns ``group, label, N, mean_sd, median, range``. Continuous rows read
    "mean (±SD)", median, "min–max"; the sex row reads "F/M" and "F%/M%"; risk
    factor rows put the number of patients under N and the number of risk
    factors in the second column, as the paper does.

    Parameters
    ----------
    study : Study
        A loaded study folder.
    decimals : int
        Decimals of every statistic (trailing zeros dropped), unless ``printed`` names the cell.
    printed : dict, optional
        ``(var, stat)`` → decimals (:func:`printed_decimals`): those cells print with exactly
        that many decimals, ties away from zero, as the paper prints them.
    """
    rows = []
    cont = table1(study)
    for _, r in cont[cont["section"].eq("Demographics")].iterrows():
        rows.append(_cont_row("Demographics", r, decimals, printed))
        if r["var"] == "age":
            rows.append(_sex_row(study, decimals, printed))
    if not any(r["label"].startswith("Sex") for r in rows):
        rows.append(_sex_row(study, decimals, printed))
    for _, r in cont[cont["section"].eq("Vital signs")].iterrows():
        rows.append(_cont_row("Vital signs", r, decimals, printed))
    rf = risk_factors(study)
    if rf is not None:
        for _, r in rf.iterrows():
            rows.append({"group": "Risk factors", "label": r["category"], "N": str(r["pts"]), "mean_sd": str(r["n"]), "median": "", "range": ""})
    return pd.DataFrame(rows, columns=["group", "label", "N", "mean_sd", "median", "range"])


def _formatter(var: str, decimals: int, printed: dict[tuple[str, str], int] | None):
    def f(x, stat: str) -> str:
        if printed and (var, stat) in printed:
            return format_printed(x, printed[(var, stat)])
        return format_number(x, decimals)
    return f


def _cont_row(group: str, r: pd.Series, decimals: int, printed: dict[tuple[str, str], int] | None = None) -> dict:
    g = _formatter(r["var"], decimals, printed)
    return {
        "group": group,
        "label": r["label"],
        "N": str(int(r["n"])),
        "mean_sd": f"{g(r['mean'], 'mean')} (±{g(r['sd'], 'sd')})",
        "median": g(r["median"], "median"),
        "range": f"{g(r['min'], 'min')}–{g(r['max'], 'max')}",
    }


def _sex_row(study: Study, decimals: int, printed: dict[tuple[str, str], int] | None = None) -> dict:
    sc = sex_counts(study).set_index("sex")
    g = _formatter("sex", decimals, printed)
    return {
        "group": "Demographics",
        "label": "Sex, female/male (pts./%)",
        "N": str(len(itt(study))),
        "mean_sd": "",
        "median": f"{sc.loc['F', 'n']}/{sc.loc['M', 'n']}",
        "range": f"{g(sc.loc['F', 'pct'], 'f_pct')}/{g(sc.loc['M', 'pct'], 'm_pct')}%",
    }


def table1_by_arm(study: Study, arm: str = "TRT01P", decimals: int = 1) -> pd.DataFrame | None:
    """Table 1 with one column per arm and a total (:func:`ruxlib.arms.by_arm`); ``None`` for one arm.

    A cell reads "mean (±SD); median; min–max" for a continuous row, "F/M (F%/M%)" for sex and
    the number of patients for a risk factor; "—" marks a row none of the arm's patients has.
    """
    def column(s: Study) -> pd.Series:
        rows = table1_display(s, decimals).set_index(["group", "label"])
        cells = [_arm_cell(group, r) for (group, _), r in rows.iterrows()]
        return pd.Series(cells, index=rows.index, dtype=object)

    return arms.by_arm(study, arm, column, fill="—")


def _arm_cell(group: str, r: pd.Series) -> str:
    if group == "Risk factors":
        return r["N"]
    if r["mean_sd"] == "":
        return f"{r['median']} ({r['range']})"
    return f"{r['mean_sd']}; {r['median']}; {r['range']}"


def table1_gt(study: Study, decimals: int = 2, title: str | None = None,
              printed: dict[tuple[str, str], int] | None = None):
    """Render Table 1 with great_tables, in the layout of the paper.

    Parameters
    ----------
    study : Study
        A loaded study folder.
    decimals : int
        Decimals kept for every statistic (trailing zeros dropped).
    title : str, optional
        Table title; default names the ITT population and its N.
    printed : dict, optional
        Per-cell decimals as the paper prints them (:func:`printed_decimals`); see
        :func:`table1_display`.

    Returns
    -------
    great_tables.GT
        Row groups Demographics / Vital signs / Risk factors, a spanner over
        the summary columns, a footnote on the risk-factor columns and, when
        ``study.reconstructed``, a source note saying the data are reconstructed.
    """
    from great_tables import GT, loc, style

    data = table1_display(study, decimals, printed)
    n = len(itt(study))
    gt = (
        GT(data, rowname_col="label", groupname_col="group")
        .tab_header(
            title=title or f"Table 1. Baseline characteristics, intention-to-treat population (N = {n})",
            subtitle="Continuous: N, mean (±SD), median, range. Sex: patients and percentage.",
        )
        .cols_label(N="N", mean_sd="Mean (±SD)", median="Median or freq.", range="Range or percentage")
        .tab_spanner(label="Summary", columns=["mean_sd", "median", "range"])
        .tab_stubhead(label="Characteristic")
        .cols_align(align="right", columns=["N", "mean_sd", "median", "range"])
        .tab_style(style=style.css("white-space: nowrap"), locations=loc.body(columns=["mean_sd", "range"]))
    )
    if (data["group"] == "Risk factors").any():
        gt = gt.tab_footnote(
            footnote="Risk factors: N = patients with at least one risk factor of the category; "
            "the second column is the number of risk factors (rows of admh.csv).",
            locations=loc.row_groups(rows=["Risk factors"]),
        )
    if study.reconstructed:
        gt = gt.tab_source_note(
            "Reconstructed data: pseudo patient-level data rebuilt from the published aggregates, "
            "not the trial's records."
        )
    return gt


def page_values(study: Study) -> dict[str, object]:
    """Every number the baseline page quotes, and every cell of Table 1.

    Parameters
    ----------
    study : Study
        A loaded study folder.

    Returns
    -------
    dict
        ``baseline-*`` names → values (ITT N, sex counts, age, the PaO2/FiO2 teaching note);
        ``table1.<var>.<stat>`` for each row of :func:`table1`, ``sex.<F|M>.<n|pct>`` and
        ``risk.<category>.<pts|n>`` for each row of :func:`risk_factors` (the ledger's values,
        not quoted in the prose). ``None`` for what the data cannot give.
    """
    out: dict[str, object] = {"baseline-n-itt": len(itt(study))}
    cont = table1(study).set_index("var")
    out.update({f"table1.{var}.{stat}": row[stat] for var, row in cont.iterrows() for stat in STATS})
    for stat in ("median", "min", "max"):
        out[f"baseline-age-{stat}"] = out.get(f"table1.age.{stat}")
    sex = sex_counts(study).set_index("sex")
    out.update({f"sex.{code}.{stat}": sex.loc[code, stat] for code in ("F", "M") for stat in ("n", "pct")})
    out.update({"baseline-n-female": out["sex.F.n"], "baseline-n-male": out["sex.M.n"],
                "baseline-pct-male": out["sex.M.pct"]})
    rf = risk_factors(study)
    if rf is not None:
        out.update({f"risk.{r.category}.{stat}": getattr(r, stat) for r in rf.itertuples() for stat in ("pts", "n")})
    out.update(_pf_values(baseline_values(study, "PFRATIO")))
    out.update(_severity_values(study))
    return out


def _severity_values(study: Study) -> dict[str, object]:
    """The severity table's numbers quoted in the prose (None when the row is absent)."""
    t = severity_table(study).set_index("characteristic")
    out: dict[str, object] = {"baseline-sev-rows": len(t)}
    vent = t[t.index.str.startswith("Days on invasive ventilation")]
    for stat in ("median", "min", "max"):
        out[f"baseline-sev-vent-{stat}"] = float(vent[stat].iloc[0]) if len(vent) else None
    ecmo = t[t.index.str.startswith("On ECMO")]
    out["baseline-sev-ecmo-n"] = int(ecmo["count"].iloc[0]) if len(ecmo) else None
    crp = t[t.index.str.startswith("C-reactive protein")]
    out["baseline-sev-crp-median"] = float(crp["median"].iloc[0]) if len(crp) else None
    return out


def _pf_values(pf: pd.Series) -> dict[str, object]:
    """The PaO2/FiO2 teaching note's numbers: spread, values above the entry criterion."""
    from .eligibility import THRESHOLDS

    entry = THRESHOLDS["NCT04359290"]["pf_max"]  # PaO2/FiO2 <= 200 mmHg at PEEP >= 5
    s, within = summarise_continuous(pf), summarise_continuous(pf[pf <= entry])
    names = ("n", "mean", "sd", "median", "min", "max", "n-above", "mean-within", "median-within", "n-within",
             "entry", "cv", "lo", "hi")
    if not len(pf):
        return {f"baseline-pf-{name}": None for name in names}
    values = (s["n"], s["mean"], s["sd"], s["median"], s["min"], s["max"], int((pf > entry).sum()),
              within["mean"], within["median"], within["n"], entry, 100 * s["sd"] / s["mean"] if s["mean"] else None,
              s["mean"] - 2 * s["sd"], s["mean"] + 2 * s["sd"])
    return {f"baseline-pf-{name}": value for name, value in zip(names, values, strict=True)}


def baseline_values(study: Study, paramcd: str) -> pd.Series:
    """Baseline AVAL of one advs parameter for the ITT subjects (indexed by USUBJID).

    Empty when advs.csv is absent or has no baseline record of ``paramcd``.
    """
    if study.advs is None:
        return pd.Series(dtype=float, name=paramcd)
    vs = baseline(study.advs)
    vs = vs[vs["PARAMCD"].eq(paramcd) & vs["USUBJID"].isin(itt(study)["USUBJID"])]
    return vs.set_index("USUBJID")["AVAL"].astype(float).rename(paramcd)


@styled
def dotplot(study: Study, paramcd: str = "PFRATIO", reference: float | None = None,
            reference_label: str = "", ax=None):
    """One dot per patient for a baseline vital sign, with mean, median and a reference line.

    Parameters
    ----------
    study : Study
        A loaded study folder with advs.csv.
    paramcd : str
        The advs parameter (default PFRATIO).
    reference : float, optional
        A horizontal reference value to draw (e.g. the entry criterion 200).
    reference_label : str
        Its legend text.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; a new figure is made when omitted.

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    values = baseline_values(study, paramcd).sort_values()
    if ax is None:
        fig, ax = plt.subplots(figsize=(7.0, 3.6))
    else:
        fig = ax.figure
    x = np.arange(len(values))
    ax.scatter(x, values.to_numpy(), s=36, color="#2f4b7c", zorder=3, label="patient (sorted)")
    if len(values):
        s = summarise_continuous(values)
        ax.axhline(s["mean"], color="#b5651d", lw=1.5, ls="-", label=f"mean {s['mean']:.1f}")
        ax.axhline(s["median"], color="#2e7d32", lw=1.5, ls="--", label=f"median {s['median']:.1f}")
    if reference is not None:
        ax.axhline(reference, color="#c62828", lw=1.2, ls=":", label=reference_label or f"{reference:g}")
    ax.set_xticks([])
    ax.set_xlabel(f"patients, sorted by baseline value (N = {len(values)})")
    label = _vital_label(paramcd, study.advs) if study.advs is not None else paramcd
    ax.set_ylabel(label)
    ax.legend(loc="upper left", frameon=False)
    ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    return fig


RECONSTRUCTED_NOTE = ("Reconstructed data: pseudo patient-level data rebuilt from the published aggregates, "
                      "not the trial's records.")
"""Source note of every table shown on reconstructed data."""


def table_gt(frame: pd.DataFrame, labels: dict[str, str] | None = None, title: str | None = None,
             notes: tuple[str, ...] | list[str] = (), reconstructed: bool = False, empty: str = "Nothing to show."):
    """Show a small table of text cells with great_tables: padded cells, readable headings, no index.

    Parameters
    ----------
    frame : pandas.DataFrame
        The cells, already formatted as text (numbers right-aligned when the column is numeric-looking).
    labels : dict, optional
        Column name → heading shown to the reader.
    title : str, optional
        Table title.
    notes : sequence of str
        Source notes under the table.
    reconstructed : bool
        Add the "Reconstructed data" source note.
    empty : str
        The single cell shown when ``frame`` has no rows.

    Returns
    -------
    great_tables.GT
        Missing values print as an empty cell, never as ``nan`` or ``None``. Above
        :data:`ruxlib.tables.MAX_ROWS` rows, the first and last 10 with a note.
    """
    from great_tables import GT, loc, style

    from .tables import MAX_ROWS

    shown = frame.reset_index(drop=True).copy()
    if len(shown) > MAX_ROWS:  # never a table with a row per patient of a large trial
        notes = [f"{len(shown):,} rows; the first and last 10 are shown.", *notes]
        shown = pd.concat([shown.head(10), shown.tail(10)])
    if shown.empty:
        shown = pd.DataFrame({c: [""] for c in frame.columns} if len(frame.columns) else {"note": [""]})
        shown.iloc[0, 0] = empty
    shown = shown.astype(object).where(shown.notna(), "")
    shown = shown.map(lambda v: "" if v is None else str(v))
    gt = GT(shown)
    if title:
        gt = gt.tab_header(title=title)
    if labels:
        gt = gt.cols_label(**{k: v for k, v in labels.items() if k in shown.columns})
    numeric = [c for c in shown.columns[1:] if shown[c].str.match(r"^[\d.,;–\-−% ()±]*$").all()]
    if numeric:
        gt = gt.cols_align(align="right", columns=numeric)
    gt = gt.tab_style(style=style.css("padding: 4px 12px;"), locations=[loc.body(), loc.column_labels()])
    if len(shown.columns) and shown.iloc[:, 0].str.len().max() <= 12:  # short identifiers: keep on one line
        gt = gt.tab_style(style=style.css("white-space: nowrap;"), locations=loc.body(columns=[shown.columns[0]]))
    if numeric:  # numbers and intervals are never broken across lines
        gt = gt.tab_style(style=style.css("white-space: nowrap;"), locations=loc.body(columns=numeric))
    for note in notes:
        gt = gt.tab_source_note(note)
    if reconstructed:
        gt = gt.tab_source_note(RECONSTRUCTED_NOTE)
    return gt


def risk_factors_gt(study: Study):
    """:func:`risk_factors` as a table headed "Patients, n (%)" and "Risk factors recorded, n"; ``None`` without admh."""
    rf = risk_factors(study)
    if rf is None:
        return None
    n = len(itt(study))
    shown = pd.DataFrame({
        "category": rf["category"],
        "pts": [f"{p} ({100 * p / n:.1f} %)" if n else str(p) for p in rf["pts"]],
        "n": rf["n"].astype(str),
    })
    return table_gt(shown, {"category": "Risk factor category (MHCAT)", "pts": "Patients, n (%)",
                            "n": "Risk factors recorded, n"},
                    notes=[f"% of the intention-to-treat population (N = {n}). A patient with two risk factors "
                           "of one category counts once under Patients and twice under Risk factors."],
                    reconstructed=study.reconstructed, empty="No risk factor recorded.")


SEVERITY_LAB = {"CRP": "C-reactive protein", "IL6": "Interleukin-6", "FERRITIN": "Ferritin"}
"""Baseline laboratory parameters of the severity table (adlb PARAMCD → label)."""


def _on_ecmo_at_entry(study: Study) -> pd.Series | None:
    """Per ITT subject: on ECMO on study day 0 (adicu PARAMCD ECMO, ASTDY ≤ 0 ≤ AENDY); ``None`` if not recorded."""
    if study.adicu is None or not study.adicu["PARAMCD"].eq("ECMO").any():
        return None
    ep = study.adicu[study.adicu["PARAMCD"].eq("ECMO")]
    at_entry = ep[(ep["ASTDY"].astype(float) <= 0) & (ep["AENDY"].astype(float).fillna(np.inf) >= 0)]
    ids = itt(study)["USUBJID"]
    return pd.Series(ids.isin(at_entry["USUBJID"]).to_numpy(), index=ids.to_numpy())


def severity_table(study: Study) -> pd.DataFrame:
    """Severity of illness at the first dose, from the data already held (ITT population).

    Rows, each only when its data are present: days on invasive ventilation before the first
    dose (``adsl.VENTPRED``); on ECMO at entry (``adicu`` episodes of PARAMCD ECMO covering
    study day 0); baseline C-reactive protein, interleukin-6 and ferritin (``adlb`` baseline
    records, with the unit from AVALU when present); baseline lymphocyte-to-neutrophil ratio
    (``adsl.LNRBL``).

    Returns
    -------
    pandas.DataFrame
        Columns ``characteristic``, ``n`` (patients with a value), ``median``, ``q1``, ``q3``,
        ``min``, ``max`` (NaN for a count row) and ``count`` (patients with the condition, for
        a count row; NaN otherwise). Quartiles are numpy's linear interpolation (R type 7).
    """
    from .io import baseline as baseline_records

    pop = itt(study)
    rows = []

    def cont(label: str, values) -> None:
        v = pd.Series(values, dtype=float).dropna()
        if v.empty:
            return
        rows.append({"characteristic": label, "n": len(v), "median": float(v.median()),
                     "q1": float(v.quantile(0.25)), "q3": float(v.quantile(0.75)),
                     "min": float(v.min()), "max": float(v.max()), "count": np.nan})

    if "VENTPRED" in pop:
        cont("Days on invasive ventilation before the first dose", pop["VENTPRED"])
    ecmo = _on_ecmo_at_entry(study)
    if ecmo is not None:
        rows.append({"characteristic": "On ECMO at the first dose", "n": len(ecmo), "median": np.nan, "q1": np.nan,
                     "q3": np.nan, "min": np.nan, "max": np.nan, "count": int(ecmo.sum())})
    if study.adlb is not None:
        lb = baseline_records(study.adlb)
        lb = lb[lb["USUBJID"].isin(pop["USUBJID"])]
        for code, label in SEVERITY_LAB.items():
            sub = lb[lb["PARAMCD"].eq(code)]
            units = sub["AVALU"].dropna().unique() if "AVALU" in sub else []
            cont(f"{label} ({units[0]})" if len(units) == 1 else label, sub["AVAL"])
    if "LNRBL" in pop:
        cont("Lymphocyte-to-neutrophil ratio", pop["LNRBL"])
    return pd.DataFrame(rows, columns=["characteristic", "n", "median", "q1", "q3", "min", "max", "count"])


def severity_gt(study: Study):
    """:func:`severity_table` as a table: median (IQR) and range, or n (%) for a count."""
    t = severity_table(study)
    f = format_number
    n_itt = len(itt(study))

    def digits(r) -> int:
        return 2 if abs(r["median"]) < 1 else 1

    def summary(r) -> str:
        if not pd.isna(r["count"]):
            return f"{int(r['count'])} ({100 * r['count'] / r['n']:.1f} %)" if r["n"] else str(int(r["count"]))
        d = digits(r)
        return f"{f(r['median'], d)} ({f(r['q1'], d)}–{f(r['q3'], d)})"

    shown = pd.DataFrame({
        "characteristic": t["characteristic"], "n": t["n"].astype(int).astype(str),
        "summary": [summary(r) for _, r in t.iterrows()],
        "range": ["" if pd.isna(r["min"]) else f"{f(r['min'], digits(r))}–{f(r['max'], digits(r))}"
                  for _, r in t.iterrows()],
    })
    return table_gt(shown, {"characteristic": "At the first dose", "n": "Patients with a value",
                            "summary": "Median (IQR) or n (%)", "range": "Range"},
                    title=f"Severity of illness at the first dose, intention-to-treat population (N = {n_itt})",
                    notes=["IQR: first to third quartile. Rows appear only when the study folder holds their data."],
                    reconstructed=study.reconstructed, empty="This study folder holds none of these data.")
