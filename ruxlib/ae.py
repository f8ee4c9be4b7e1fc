"""Adverse events by preferred term (the paper's Table 2).

Table 2 counts, for each MedDRA preferred term (``AEDECOD``), the patients
with at least one event of that term at CTCAE grade ≥ 3 (``ATOXGR``), their
percentage of the ITT population, and the running ("cumulative") sum of those
counts; terms are ordered by N descending, then alphabetically.
"""

from __future__ import annotations

import pandas as pd

from . import arms
from .baseline import format_number, itt
from .io import Study

__all__ = ["FERRITIN_FOOTNOTE", "SEVERITY_GRADE", "ae_by_arm", "ae_table", "ae_table_gt", "grade", "grade_source",
           "page_values"]

FERRITIN_FOOTNOTE = (
    "In case of ferritin, grade 3 investigations have been defined as “severe or medically "
    "significant but not immediately life-threatening” (as in the applicable CTCAE grading "
    "v5.0 section “Investigations-other”)."
)
"""The paper's footnote to Table 2 on how grade 3 was assigned to laboratory investigations."""

COLUMNS = ["term", "n", "pct", "cum"]

SEVERITY_GRADE = {"MILD": 1, "MODERATE": 2, "SEVERE": 3}
"""The grade an ``AESEV`` severity stands for when adae has no CTCAE grade: SEVERE is the grade ≥ 3 analogue."""


def grade(adae: pd.DataFrame) -> pd.Series:
    """The grade of each adverse event: ``ATOXGR``, else ``AESEV`` as :data:`SEVERITY_GRADE`.

    The data contract requires one of the two columns; ATOXGR wins when both are present.
    """
    if "ATOXGR" in adae:
        return adae["ATOXGR"].astype(float)
    return adae["AESEV"].map(SEVERITY_GRADE).astype(float)


def grade_source(study: Study) -> str | None:
    """In words, which column :func:`grade` reads; ``None`` without adae.csv."""
    if study.adae is None:
        return None
    if "ATOXGR" in study.adae:
        return "the CTCAE grade ATOXGR"
    return ("the severity AESEV, as there is no CTCAE grade (ATOXGR): MILD counts as grade 1, MODERATE as "
            "grade 2 and SEVERE as grade 3, the grade ≥ 3 analogue")


def ae_table(study: Study, min_grade: int = 3) -> pd.DataFrame:
    """Patients with adverse events of grade ≥ ``min_grade``, by preferred term.

    Parameters
    ----------
    study : Study
        Uses ``adae.csv`` (USUBJID, AEDECOD, and :func:`grade`); only ITT subjects count.
    min_grade : int
        Lowest CTCAE grade counted (default 3, as in Table 2).

    Returns
    -------
    pandas.DataFrame
        Columns ``term`` (AEDECOD), ``n`` (distinct patients with the term at
        grade ≥ ``min_grade``), ``pct`` (100 × n / ITT N) and ``cum``
        (cumulative sum of ``n`` down the table). Ordered by ``n`` descending,
        ties by term A–Z (case-insensitive). Empty, with these columns, when no
        event qualifies or when the study folder has no adae.csv
        (``table.attrs["note"]`` then says which).

    Notes
    -----
    A patient with two events of the same term counts once for that term; a
    patient with events of two terms counts in both rows, so ``cum`` counts
    patient-term pairs, not patients (as the paper's "Cumulative Frequency").
    """
    if study.adae is None:
        out = pd.DataFrame(columns=COLUMNS)
        out.attrs["note"] = "This study folder has no adae.csv: no adverse-event table."
        return out
    total = len(itt(study))
    ae = study.adae[study.adae["USUBJID"].isin(itt(study)["USUBJID"])]
    ae = ae[grade(ae) >= min_grade]
    counts = ae.groupby("AEDECOD")["USUBJID"].nunique()
    out = pd.DataFrame({"term": counts.index.astype(str), "n": counts.to_numpy(dtype=int)})
    out["_key"] = out["term"].str.casefold()
    out = out.sort_values(["n", "_key"], ascending=[False, True], kind="stable").drop(columns="_key")
    out = out.reset_index(drop=True)
    out["pct"] = 100.0 * out["n"] / total if total else float("nan")
    out["cum"] = out["n"].cumsum().astype(int)
    out = out[COLUMNS]
    if out.empty:
        out.attrs["note"] = f"No adverse event of grade ≥ {min_grade} in this study folder."
    return out


def ae_table_gt(study: Study, min_grade: int = 3, decimals: int = 2, title: str | None = None):
    """Render :func:`ae_table` with great_tables, with the paper's footnotes.

    Parameters
    ----------
    study : Study
        A loaded study folder.
    min_grade : int
        Lowest CTCAE grade counted (default 3).
    decimals : int
        Decimals of the percentage (trailing zeros dropped: 18.75, 12.5, 6.25).
    title : str, optional
        Table title; default "Adverse events (grade ≥ 3), ITT population (N = …)".

    Returns
    -------
    great_tables.GT
        With a footnote on grade 3 investigations (ferritin, CTCAE v5.0) when
        ``min_grade <= 3``, a source note when the data are reconstructed, and a
        note instead of rows when there is nothing to show.
    """
    from great_tables import GT, loc

    table = ae_table(study, min_grade)
    n = len(itt(study))
    shown = pd.DataFrame(
        {
            "term": table["term"],
            "n": table["n"].astype(str),
            "pct": [format_number(p, decimals) for p in table["pct"]],
            "cum": table["cum"].astype(str),
        }
    )
    if shown.empty:
        shown = pd.DataFrame({"term": [table.attrs.get("note", "No events.")], "n": [""], "pct": [""], "cum": [""]})
    gt = (
        GT(shown)
        .tab_header(
            title=title or f"Table 2. Adverse events (grade ≥ {min_grade}), intention-to-treat population (N = {n})",
            subtitle="Patients with at least one event of the preferred term; ordered by N, then term.",
        )
        .cols_label(term="Preferred term", n="N", pct="%", cum="Cumulative frequency (N)")
        .tab_spanner(label="Patients", columns=["n", "pct"])
        .cols_align(align="right", columns=["n", "pct", "cum"])
    )
    if min_grade <= 3 and study.adae is not None:
        gt = gt.tab_footnote(footnote=FERRITIN_FOOTNOTE, locations=loc.column_labels(columns="term"))
    if study.adae is not None:
        gt = gt.tab_source_note(f"% of the intention-to-treat population (N = {n}). Grade: {grade_source(study)}.")
    if study.reconstructed:
        gt = gt.tab_source_note(
            "Reconstructed data: pseudo patient-level data rebuilt from the published aggregates, "
            "not the trial's records."
        )
    return gt


def page_values(study: Study, min_grade: int = 3) -> dict[str, object]:
    """Every number the adverse-events page quotes, and every cell of Table 2.

    Parameters
    ----------
    study : Study
        A loaded study folder.
    min_grade : int
        Lowest CTCAE grade counted (default 3).

    Returns
    -------
    dict
        ``adverse-events-*`` names → values (events recorded, terms, patients, patient-term
        pairs, the most frequent term), and ``ae.<term>.<n|pct|cum>`` for each row of
        :func:`ae_table` (the ledger's values). ``None`` for what the data cannot give.
    """
    pop = itt(study)
    out: dict[str, object] = {
        "adverse-events-min-grade": min_grade, "adverse-events-n-itt": len(pop),
        "adverse-events-n-rows": len(study.adae) if study.adae is not None else None,
        "adverse-events-grade-source": grade_source(study),
    }
    table = ae_table(study, min_grade)
    out.update({f"ae.{r.term}.{stat}": getattr(r, stat) for r in table.itertuples() for stat in ("n", "pct", "cum")})
    names = ("n-terms", "n-pairs", "n-patients", "top-n", "top-term")
    if table.empty:
        return out | {f"adverse-events-{name}": None for name in names}
    adae = study.adae
    graded = adae[adae["USUBJID"].isin(pop["USUBJID"]) & (grade(adae) >= min_grade)]
    values = (len(table), int(table["cum"].iloc[-1]), graded["USUBJID"].nunique(), int(table["n"].iloc[0]),
              str(table["term"].iloc[0]))
    out.update({f"adverse-events-{name}": value for name, value in zip(names, values, strict=True)})
    return out


def ae_by_arm(study: Study, arm: str = "TRT01P", min_grade: int = 3) -> pd.DataFrame | None:
    """:func:`ae_table` per arm and in total: "n (pct %)" per preferred term, ordered as the total.

    ``None`` for a single-arm study (:func:`ruxlib.arms.arm_of`).
    """
    def column(s: Study) -> pd.Series:
        table = ae_table(s, min_grade)
        cells = [f"{r.n} ({format_number(r.pct, 1)} %)" for r in table.itertuples()]
        return pd.Series(cells, index=pd.Index(table["term"], name="Preferred term"), dtype=object)

    return arms.by_arm(study, arm, column, fill="0")
