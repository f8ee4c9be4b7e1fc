"""Adverse events by preferred term (the paper's Table 2).

Table 2 counts, for each MedDRA preferred term (``AEDECOD``), the patients
with at least one event of that term at CTCAE grade ≥ 3 (``ATOXGR``), their
percentage of the ITT population, and the running ("cumulative") sum of those
counts; terms are ordered by N descending, then alphabetically.
"""

from __future__ import annotations

import pandas as pd

from . import arms
from .baseline import format_number, itt, table_gt
from .io import Study
from .stats import clopper_pearson

__all__ = ["FERRITIN_FOOTNOTE", "PROCEDURE_TERMS", "SEVERITY_GRADE", "ae_by_arm", "ae_overview", "ae_table",
           "ae_table_gt", "ae_terms", "grade", "grade_source", "onset", "page_values", "procedure_terms",
           "serious_table", "soc_column", "soc_table"]

PROCEDURE_TERMS = ("Dialysis", "Haematoma evacuation", "Leg amputation")
"""Terms of the paper's Table 2 that name a procedure (a treatment), not an adverse event.

MedDRA codes the event that led to a procedure (e.g. acute kidney injury, haematoma, limb
ischaemia); the procedure itself belongs to the "Surgical and medical procedures" class."""

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
    out.update(_extra_values(study, min_grade))
    names = ("n-terms", "n-pairs", "n-patients", "top-n", "top-term")
    if table.empty:
        return out | {f"adverse-events-{name}": None for name in names}
    adae = study.adae
    graded = adae[adae["USUBJID"].isin(pop["USUBJID"]) & (grade(adae) >= min_grade)]
    values = (len(table), int(table["cum"].iloc[-1]), graded["USUBJID"].nunique(), int(table["n"].iloc[0]),
              str(table["term"].iloc[0]))
    out.update({f"adverse-events-{name}": value for name, value in zip(names, values, strict=True)})
    return out


def _itt_events(study: Study) -> pd.DataFrame | None:
    """ITT patients' events with a numeric ``_grade`` column; ``None`` without adae.csv."""
    if study.adae is None:
        return None
    ae = study.adae[study.adae["USUBJID"].isin(itt(study)["USUBJID"])].copy()
    ae["_grade"] = grade(ae)
    return ae


def _ci_pct(k: int, n: int) -> tuple[float, float]:
    ci = clopper_pearson(k, n)
    return 100.0 * ci.lower, 100.0 * ci.upper


def ae_overview(study: Study, min_grade: int = 3) -> pd.DataFrame:
    """Patients with any adverse event, overall and by grade, with exact 95 % CIs.

    Parameters
    ----------
    study : Study
        Uses ``adae.csv`` (USUBJID, :func:`grade`, and ``AESER`` when present); ITT subjects only.
    min_grade : int
        The grade threshold of the page (default 3).

    Returns
    -------
    pandas.DataFrame
        One row per category, columns ``category``, ``n`` (distinct patients), ``pct``
        (100 × n / ITT N) and ``lower``, ``upper`` (Clopper–Pearson 95 % CI, in %).
        Categories: any event (any grade); any event of grade ≥ ``min_grade``; any event of
        grade exactly 3 (the paper's "Severity 3"); any grade 5 (fatal) event; and, only
        when adae has ``AESER``, any serious event. Empty (with ``attrs["note"]``) without
        adae.csv or without ITT patients.

    Notes
    -----
    A patient counts once per category however many events they had. The Clopper–Pearson
    interval is exact (it never covers less than 95 %), which matters at N = 16 where the
    normal approximation gives intervals below 0 % or above 100 %.
    """
    columns = ["category", "n", "pct", "lower", "upper"]
    ae = _itt_events(study)
    total = len(itt(study))
    if ae is None or total == 0:
        out = pd.DataFrame(columns=columns)
        out.attrs["note"] = "This study folder has no adae.csv: no adverse-event overview."
        return out
    rows = [("Any adverse event (any grade)", ae),
            (f"Any adverse event of grade ≥ {min_grade}", ae[ae["_grade"] >= min_grade]),
            ("Any adverse event of grade 3 exactly", ae[ae["_grade"] == 3]),
            ("Any grade 5 (fatal) adverse event", ae[ae["_grade"] == 5])]
    if "AESER" in ae and ae["AESER"].notna().any():
        rows.append(("Any serious adverse event (AESER = Y)", ae[ae["AESER"].astype(str).str.upper().eq("Y")]))
    records = []
    for label, events in rows:
        k = int(events["USUBJID"].nunique())
        records.append((label, k, 100.0 * k / total, *_ci_pct(k, total)))
    return pd.DataFrame(records, columns=columns)


def ae_terms(study: Study, min_grade: int = 3) -> pd.DataFrame:
    """:func:`ae_table` with an exact CI per term, grade 3 exactly, grade 5 and the first onset day.

    Parameters
    ----------
    study : Study
        Uses ``adae.csv`` (and ``ASTDY``, ``AESOC``/``AEBODSYS`` when present).
    min_grade : int
        Lowest grade counted (default 3).

    Returns
    -------
    pandas.DataFrame
        The rows and order of :func:`ae_table`, with columns ``term``, ``n``, ``pct``,
        ``lower``, ``upper`` (Clopper–Pearson 95 % CI of n / ITT N, in %), ``n_grade3``
        (patients with an event of the term at grade exactly 3), ``n_grade5`` (at grade 5),
        ``onset`` (median over those n patients of the day of their first qualifying event,
        relative to the first dose, from ``ASTDY``; NaN without ASTDY) and, when adae
        names the system organ class, ``soc``.
    """
    table = ae_table(study, min_grade)
    columns = ["term", "n", "pct", "lower", "upper", "n_grade3", "n_grade5", "onset"]
    ae = _itt_events(study)
    if table.empty or ae is None:
        out = pd.DataFrame(columns=columns)
        out.attrs.update(table.attrs)
        return out
    total = len(itt(study))
    out = table[["term", "n", "pct"]].copy()
    cis = [_ci_pct(int(k), total) for k in out["n"]]
    out["lower"] = [c[0] for c in cis]
    out["upper"] = [c[1] for c in cis]
    by_term = ae.groupby(ae["AEDECOD"].astype(str))
    out["n_grade3"] = [int(by_term.get_group(t).loc[lambda e: e["_grade"] == 3, "USUBJID"].nunique())
                       for t in out["term"]]
    out["n_grade5"] = [int(by_term.get_group(t).loc[lambda e: e["_grade"] == 5, "USUBJID"].nunique())
                       for t in out["term"]]
    days = onset(study, min_grade)
    if days is None:
        out["onset"] = float("nan")
    else:
        out["onset"] = out["term"].map(days.groupby("term")["day"].median()).astype(float)
    soc = soc_column(study)
    if soc is not None:
        first = ae.groupby(ae["AEDECOD"].astype(str))[soc].first()
        out["soc"] = out["term"].map(first).astype(str)
    return out.reset_index(drop=True)


def onset(study: Study, min_grade: int = 3) -> pd.DataFrame | None:
    """The day of each patient's first event of each term at grade ≥ ``min_grade``.

    Returns
    -------
    pandas.DataFrame or None
        Columns ``USUBJID``, ``term``, ``day`` (the smallest ``ASTDY``: study day relative to
        the first dose, day 0 = first dose), sorted by day; ``None`` when adae.csv or its
        ``ASTDY`` column is absent. Events with a missing onset day are left out.
    """
    ae = _itt_events(study)
    if ae is None or "ASTDY" not in ae:
        return None
    ae = ae[(ae["_grade"] >= min_grade) & ae["ASTDY"].notna()]
    out = (ae.assign(term=ae["AEDECOD"].astype(str)).groupby(["USUBJID", "term"], as_index=False)["ASTDY"].min()
           .rename(columns={"ASTDY": "day"}))
    return out.sort_values(["day", "USUBJID", "term"], kind="stable").reset_index(drop=True)


def soc_column(study: Study) -> str | None:
    """The system organ class column of adae (``AESOC``, else ``AEBODSYS``); ``None`` when neither."""
    if study.adae is None:
        return None
    for name in ("AESOC", "AEBODSYS"):
        if name in study.adae and study.adae[name].notna().any():
            return name
    return None


def soc_table(study: Study, min_grade: int = 3) -> pd.DataFrame | None:
    """Patients with an event of grade ≥ ``min_grade`` by system organ class, then preferred term.

    Returns
    -------
    pandas.DataFrame or None
        Columns ``soc``, ``term`` (empty on the class's own row), ``n`` (distinct patients:
        a patient with two terms of one class counts once in the class row) and ``pct`` (of
        the ITT N). Classes ordered by n descending then name, terms likewise within a
        class. ``None`` when adae has no system organ class column.
    """
    col = soc_column(study)
    if col is None:
        return None
    ae = _itt_events(study)
    ae = ae[ae["_grade"] >= min_grade].assign(_soc=lambda e: e[col].fillna("Not coded").astype(str),
                                               _term=lambda e: e["AEDECOD"].astype(str))
    total = len(itt(study))
    rows = []
    socs = ae.groupby("_soc")["USUBJID"].nunique()
    for soc in sorted(socs.index, key=lambda s: (-socs[s], s.casefold())):
        rows.append((soc, "", int(socs[soc])))
        terms = ae[ae["_soc"] == soc].groupby("_term")["USUBJID"].nunique()
        for term in sorted(terms.index, key=lambda t: (-terms[t], t.casefold())):
            rows.append((soc, term, int(terms[term])))
    out = pd.DataFrame(rows, columns=["soc", "term", "n"])
    out["pct"] = 100.0 * out["n"] / total if total else float("nan")
    return out


def serious_table(study: Study) -> pd.DataFrame | None:
    """Patients with a serious adverse event (``AESER = Y``, any grade) by preferred term.

    Returns
    -------
    pandas.DataFrame or None
        Columns ``term``, ``n``, ``pct`` ordered as :func:`ae_table`; ``None`` when adae.csv
        has no ``AESER`` column or it is empty for every event (seriousness not recorded).
    """
    ae = _itt_events(study)
    if ae is None or "AESER" not in ae or ae["AESER"].isna().all():
        return None
    ae = ae[ae["AESER"].astype(str).str.upper().eq("Y")]
    counts = ae.groupby(ae["AEDECOD"].astype(str))["USUBJID"].nunique()
    total = len(itt(study))
    out = pd.DataFrame({"term": counts.index.astype(str), "n": counts.to_numpy(dtype=int)})
    out["_key"] = out["term"].str.casefold()
    out = out.sort_values(["n", "_key"], ascending=[False, True], kind="stable").drop(columns="_key")
    out = out.reset_index(drop=True)
    out["pct"] = 100.0 * out["n"] / total if total else float("nan")
    return out


def procedure_terms(study: Study) -> list[str]:
    """The terms of :data:`PROCEDURE_TERMS` that adae.csv uses (case-insensitive), as adae spells them."""
    if study.adae is None:
        return []
    wanted = {t.casefold() for t in PROCEDURE_TERMS}
    return sorted({str(t) for t in study.adae["AEDECOD"].dropna() if str(t).casefold() in wanted})


def _pct_ci(r) -> str:
    return f"{r.n} ({r.pct:.1f} %; {r.lower:.1f}–{r.upper:.1f})"


def overview_gt(study: Study, min_grade: int = 3):
    """:func:`ae_overview` as a table: "n (% ; 95 % CI)" per category."""
    table = ae_overview(study, min_grade)
    shown = pd.DataFrame({"category": table["category"], "cell": [_pct_ci(r) for r in table.itertuples()]})
    notes = [f"n = distinct patients; % of the intention-to-treat population (N = {len(itt(study))}); "
             "95 % CI: exact Clopper–Pearson."]
    if study.adae is not None and serious_table(study) is None:
        notes.append("adae.csv does not record seriousness (no AESER values): the serious-event row is left out.")
    return table_gt(shown, {"category": "Patients with", "cell": "n (%; 95 % CI)"}, notes=notes,
                    reconstructed=study.reconstructed, empty=table.attrs.get("note", "No events."))


def terms_gt(study: Study, min_grade: int = 3):
    """:func:`ae_terms` as a table: n, %, exact 95 % CI, grade 3 exactly, grade 5, onset day."""
    table = ae_terms(study, min_grade)
    shown = pd.DataFrame({
        "term": table["term"], "n": table["n"].astype(str),
        "ci": [f"{r.pct:.1f} ({r.lower:.1f}–{r.upper:.1f})" for r in table.itertuples()],
        "g3": table["n_grade3"].astype(str), "g5": table["n_grade5"].astype(str),
        "onset": ["" if pd.isna(d) else format_number(d, 1) for d in table["onset"]],
    })
    if table["onset"].isna().all():
        shown = shown.drop(columns="onset")
    labels = {"term": "Preferred term", "n": f"Patients, grade ≥ {min_grade}", "ci": "% (95 % CI)",
              "g3": "Grade 3 exactly", "g5": "Grade 5", "onset": "Median onset day"}
    notes = ["95 % CI: exact Clopper–Pearson. Onset: study day of the patient's first qualifying event "
             "(day 0 = first dose), median over the patients."]
    return table_gt(shown, labels, notes=notes, reconstructed=study.reconstructed,
                    empty=table.attrs.get("note", "No events."))


def _extra_values(study: Study, min_grade: int) -> dict[str, object]:
    """The overview (any event, grade 3 exactly, grade 5, serious), onset and class values of the page."""
    keys = {0: "any", 1: "ge", 2: "g3", 3: "g5", 4: "serious"}
    out: dict[str, object] = {f"adverse-events-{k}-{s}": None for k in keys.values()
                              for s in ("n", "pct", "lower", "upper")}
    for i, r in enumerate(ae_overview(study, min_grade).itertuples()):
        out.update({f"adverse-events-{keys[i]}-{s}": getattr(r, s) for s in ("n", "pct", "lower", "upper")})
    days = onset(study, min_grade)
    first = days.groupby("USUBJID")["day"].min() if days is not None and not days.empty else None
    out.update({
        "adverse-events-onset-median": float(first.median()) if first is not None else None,
        "adverse-events-onset-min": float(first.min()) if first is not None else None,
        "adverse-events-onset-max": float(first.max()) if first is not None else None,
        "adverse-events-onset-week1": int((first <= 7).sum()) if first is not None else None,
        "adverse-events-onset-n": len(first) if first is not None else None,
    })
    socs = soc_table(study, min_grade)
    out["adverse-events-n-soc"] = int(socs["term"].eq("").sum()) if socs is not None else None
    serious = serious_table(study)
    out["adverse-events-serious-terms"] = len(serious) if serious is not None else None
    n_itt = len(itt(study))
    out["adverse-events-zero-upper"] = 100.0 * clopper_pearson(0, n_itt).upper if n_itt else None
    found = procedure_terms(study)
    out["adverse-events-procedures"] = ", ".join(f"“{t}”" for t in found) if found else None
    out["adverse-events-n-procedures"] = len(found) if found else None
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
