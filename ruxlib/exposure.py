"""Treatment exposure and the patient flow (Results, "Treatment duration and side effects").

Definitions (agreed for the whole project; see the data appendix):

* Treatment duration = ``adsl.TRTDURD`` (days from first to last dose, both counted).
* ``adex.csv`` has one row per *planned* administration (BID: ADY 0, 0.5, 1, …),
  ``EXDOSE`` = mg given (0 if missed), ``EXPLDOS`` = mg planned by the protocol.
* Cumulative dose = sum(EXDOSE); dose intensity (%) = 100 × sum(EXDOSE) / sum(EXPLDOS);
  adherent = dose intensity ≥ 80 %.
* An interruption is a maximal run of rows with ``EXDOSE == 0`` followed by a row
  with ``EXDOSE > 0``; its length in days is ADY(first dose after the run) −
  ADY(first missed row). Missed rows at the end of a subject's records are the
  end of treatment, not an interruption.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import arms
from .baseline import format_number, itt, summarise_continuous
from .figures import SMALL, styled
from .io import Study

__all__ = [
    "above_protocol",
    "DOSE_LISTING_MAX",
    "DOSE_STEP",
    "dose_intensity_excluding_interruptions",
    "dose_listing",
    "exposure_by_arm",
    "interrupted_rows",
    "on_protocol_attainable",
    "ADHERENCE_THRESHOLD",
    "dosing_schedule",
    "interruption_days_by_reason",
    "EOT_ORDER",
    "exposure_summary",
    "flow_counts",
    "flow_figure",
    "interruptions",
    "page_values",
]

ADHERENCE_THRESHOLD = 80.0
"""Dose intensity (%) at or above which a subject counts as adherent."""

DOSE_STEP = 5.0
"""Dose granularity (mg) assumed by :func:`on_protocol_attainable` on the page: 5 mg tablets."""

DOSE_LISTING_MAX = 60
"""Largest number of subjects for which the page lists doses patient by patient; above it, a summary."""

EOT_ORDER = ("DISCHARGED FROM ICU", "TRANSFERRED", "DEATH", "ADVERSE EVENT")
"""Reasons for ending treatment early, in the order the paper lists them."""

_EOT_TEXT = {
    "DISCHARGED FROM ICU": "discharged from ICU",
    "TRANSFERRED": "transferred to another hospital",
    "DEATH": "death",
    "ADVERSE EVENT": "adverse event",
}


def interruptions(adex: pd.DataFrame | None) -> pd.DataFrame:
    """Every treatment interruption in an exposure dataset.

    Parameters
    ----------
    adex : pandas.DataFrame or None
        Columns ``USUBJID, ADY, EXDOSE`` and optionally ``EXADJ``; one row per
        planned administration.

    Returns
    -------
    pandas.DataFrame
        One row per interruption, columns ``USUBJID``, ``start`` (ADY of the
        first missed administration), ``resume`` (ADY of the first dose after
        the run), ``missed`` (administrations missed), ``days`` (resume − start)
        and ``reason`` (distinct non-empty EXADJ of the missed rows, joined by
        "; "). Empty (with these columns) when there is none or adex is None.

    Notes
    -----
    Algorithm

    1. Sort each subject's rows by ADY.
    2. Cut them into maximal runs of consecutive rows with ``EXDOSE == 0``.
    3. Keep a run only if a row with ``EXDOSE > 0`` follows it.
    4. Its length is ADY(that row) − ADY(first row of the run): five missed
       BID administrations at ADY 3, 3.5, 4, 4.5, 5 resumed at 5.5 give 2.5 days.

    Examples
    --------
    >>> ex = pd.DataFrame({"USUBJID": ["1"] * 5, "ADY": [0, 0.5, 1, 1.5, 2],
    ...                    "EXDOSE": [10, 0, 0, 15, 0]})
    >>> interruptions(ex)[["start", "resume", "missed", "days"]].to_dict("records")
    [{'start': 0.5, 'resume': 1.5, 'missed': 2, 'days': 1.0}]
    """
    columns = ["USUBJID", "start", "resume", "missed", "days", "reason"]
    if adex is None or adex.empty:
        return pd.DataFrame(columns=columns)
    ex, run = _interruption_runs(adex)
    inside = run >= 0
    if not inside.any():
        return pd.DataFrame(columns=columns)
    ady = ex["ADY"].astype(float).to_numpy()
    pos = np.flatnonzero(inside)
    first = pd.Series(pos).groupby(run[pos]).agg(["first", "last", "size"])
    reasons = pd.Series([""] * len(first), index=first.index)
    if "EXADJ" in ex:
        why = pd.DataFrame({"run": run[pos], "reason": ex["EXADJ"].to_numpy(object)[pos]})
        why = why[why["reason"].map(lambda r: isinstance(r, str) and bool(r.strip()))]
        why = why.assign(reason=why["reason"].astype(str)).drop_duplicates()
        reasons.update(why.groupby("run", sort=True)["reason"].agg("; ".join))
    resume = ady[first["last"].to_numpy() + 1]
    begin = ady[first["first"].to_numpy()]
    return pd.DataFrame({
        "USUBJID": ex["USUBJID"].to_numpy(object)[first["first"].to_numpy()],
        "start": begin, "resume": resume, "missed": first["size"].to_numpy(int),
        "days": resume - begin, "reason": reasons.to_numpy(object),
    }, columns=columns)


def _interruption_runs(adex: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray]:
    """``adex`` sorted by subject and ADY (its index: the row positions in ``adex``), and per row the number of its interruption (-1 outside one).

    A run is a maximal stretch of one subject's consecutive rows with ``EXDOSE == 0``; it is an
    interruption when that subject's next row gives a dose. Vectorised: linear in the rows.
    """
    ex = adex.reset_index(drop=True).sort_values(["USUBJID", "ADY"], kind="stable")
    subj = pd.factorize(ex["USUBJID"])[0]
    given = ex["EXDOSE"].astype(float).to_numpy() > 0
    new_subject = np.r_[True, subj[1:] != subj[:-1]]
    starts = ~given & (new_subject | np.r_[True, given[:-1]])
    run = np.where(given, -1, np.cumsum(starts) - 1)
    if not starts.any():
        return ex, run
    # a run is kept when the row after its last row is the same subject's and gives a dose
    nxt_given = np.r_[given[1:], False] & np.r_[subj[1:] == subj[:-1], False]
    last = ~given & np.r_[given[1:] | (subj[1:] != subj[:-1]), True]
    kept = np.zeros(int(starts.sum()), dtype=bool)
    kept[run[last & nxt_given]] = True
    run = np.where((run >= 0) & kept[np.maximum(run, 0)], run, -1)
    return ex, run


def exposure_summary(study: Study, threshold: float = ADHERENCE_THRESHOLD) -> pd.DataFrame:
    """Exposure per ITT subject: duration, cumulative dose, dose intensity, interruptions.

    Parameters
    ----------
    study : Study
        Uses ``adsl.TRTDURD`` (when present) and ``adex.csv`` (when present).
    threshold : float
        Dose intensity (%) at or above which a subject is adherent (default 80).

    Returns
    -------
    pandas.DataFrame
        One row per ITT subject, columns ``USUBJID``, ``duration`` (TRTDURD,
        days), ``cum_dose`` (mg, sum of EXDOSE), ``planned_dose`` (mg, sum of
        EXPLDOS), ``dose_intensity`` (%), ``adherent`` (bool), ``n_interruptions``,
        ``interruption_days`` (sum of their lengths) and ``interruption_reason``.
        Dose columns are NaN (adherent is ``pd.NA``) for subjects without adex
        rows or when adex.csv is absent.
    """
    pop = itt(study)
    out = pd.DataFrame({"USUBJID": pop["USUBJID"].to_numpy()})
    out["duration"] = pop["TRTDURD"].to_numpy(dtype=float) if "TRTDURD" in pop else np.nan
    adex = study.adex
    if adex is not None:
        adex = adex[adex["USUBJID"].isin(out["USUBJID"])]
        sums = adex.groupby("USUBJID")[["EXDOSE", "EXPLDOS"]].sum()
        out["cum_dose"] = out["USUBJID"].map(sums["EXDOSE"]).astype(float)
        out["planned_dose"] = out["USUBJID"].map(sums["EXPLDOS"]).astype(float)
        with np.errstate(divide="ignore", invalid="ignore"):
            di = 100.0 * out["cum_dose"] / out["planned_dose"]
        out["dose_intensity"] = di.where(out["planned_dose"] > 0)
        adherent = out["dose_intensity"] >= threshold
        out["adherent"] = adherent.astype("boolean").where(out["dose_intensity"].notna(), pd.NA)
        ints = interruptions(adex)
        per = ints.groupby("USUBJID").agg(
            n_interruptions=("days", "size"),
            interruption_days=("days", "sum"),
            interruption_reason=("reason", lambda r: "; ".join(dict.fromkeys(x for x in r if x))),
        )
        has_ex = out["USUBJID"].isin(sums.index)
        n_int = out["USUBJID"].map(per["n_interruptions"]).fillna(0).astype("Int64")
        out["n_interruptions"] = n_int.where(has_ex, pd.NA)
        days = out["USUBJID"].map(per["interruption_days"]).astype(float).fillna(0.0)
        out["interruption_days"] = days.where(has_ex)
        out["interruption_reason"] = out["USUBJID"].map(per["interruption_reason"]).fillna("")
    else:
        for col in ("cum_dose", "planned_dose", "dose_intensity", "interruption_days"):
            out[col] = np.nan
        out["adherent"] = pd.Series(pd.NA, index=out.index, dtype="boolean")
        out["n_interruptions"] = pd.Series(pd.NA, index=out.index, dtype="Int64")
        out["interruption_reason"] = ""
    return out[
        [
            "USUBJID",
            "duration",
            "cum_dose",
            "planned_dose",
            "dose_intensity",
            "adherent",
            "n_interruptions",
            "interruption_days",
            "interruption_reason",
        ]
    ]


def interrupted_rows(adex: pd.DataFrame | None) -> pd.Series:
    """Which rows of adex lie inside an interruption (:func:`interruptions`).

    Returns
    -------
    pandas.Series of bool
        Aligned with ``adex.index``: True for a missed administration that a later dose
        follows (the rows an interruption consists of); False for doses given and for missed
        rows at the end of treatment. Empty when adex is None.

    Examples
    --------
    >>> ex = pd.DataFrame({"USUBJID": ["1"] * 5, "ADY": [0, 0.5, 1, 1.5, 2],
    ...                    "EXDOSE": [10, 0, 0, 15, 0]})
    >>> interrupted_rows(ex).tolist()
    [False, True, True, False, False]
    """
    if adex is None:
        return pd.Series(dtype=bool)
    if adex.empty:
        return pd.Series(False, index=adex.index)
    ex, run = _interruption_runs(adex)
    inside = np.zeros(len(adex), dtype=bool)
    inside[ex.index.to_numpy()] = run >= 0
    return pd.Series(inside, index=adex.index)


def dose_intensity_excluding_interruptions(study: Study) -> pd.DataFrame:
    """Dose intensity under two definitions, per ITT subject with adex rows.

    Returns
    -------
    pandas.DataFrame
        Columns ``USUBJID``, ``dose_intensity`` (100 × given / planned over every row, the
        book's definition), ``dose_intensity_excl`` (100 × given / planned over the rows
        *outside* interruptions: an interrupted day is neither planned nor given) and
        ``interrupted_mg`` (planned mg of the interrupted rows). Empty without adex.

    Notes
    -----
    The second definition measures how much of the dose was given *while the patient was on
    drug*; it exceeds 100 % only when more than the planned dose was given.
    """
    columns = ["USUBJID", "dose_intensity", "dose_intensity_excl", "interrupted_mg"]
    if study.adex is None:
        return pd.DataFrame(columns=columns)
    adex = study.adex[study.adex["USUBJID"].isin(itt(study)["USUBJID"])]
    inside = interrupted_rows(adex)
    sums = pd.DataFrame({
        "given": adex.groupby("USUBJID")["EXDOSE"].sum(),
        "planned": adex.groupby("USUBJID")["EXPLDOS"].sum(),
        "interrupted_mg": adex[inside].groupby("USUBJID")["EXPLDOS"].sum(),
    }).fillna({"interrupted_mg": 0.0})
    with np.errstate(divide="ignore", invalid="ignore"):
        out = pd.DataFrame({
            "USUBJID": sums.index.astype(str),
            "dose_intensity": (100.0 * sums["given"] / sums["planned"]).where(sums["planned"] > 0).to_numpy(),
            "dose_intensity_excl": (100.0 * sums["given"] / (sums["planned"] - sums["interrupted_mg"]))
            .where(sums["planned"] - sums["interrupted_mg"] > 0).to_numpy(),
            "interrupted_mg": sums["interrupted_mg"].to_numpy(dtype=float),
        })
    return out.reset_index(drop=True)[columns]


def above_protocol(adex: pd.DataFrame | None) -> pd.DataFrame:
    """Administrations where more was given than the protocol planned (``EXDOSE > EXPLDOS``).

    Returns
    -------
    pandas.DataFrame
        Columns ``USUBJID``, ``ADY``, ``EXDOSE``, ``EXPLDOS`` and ``EXADJ`` (when present),
        sorted by subject and day; empty when there is none or adex is None.
    """
    columns = ["USUBJID", "ADY", "EXDOSE", "EXPLDOS", "EXADJ"]
    if adex is None:
        return pd.DataFrame(columns=columns)
    hit = adex[adex["EXDOSE"].astype(float) > adex["EXPLDOS"].astype(float)]
    hit = hit.reindex(columns=columns)
    return hit.sort_values(["USUBJID", "ADY"], kind="stable").reset_index(drop=True)


def on_protocol_attainable(rows: pd.DataFrame, target: float, decimals: int = 1,
                           exclude_interruptions: bool = False, step: float = 5.0,
                           lowest: float = 5.0) -> dict[str, object]:
    """Could a subject's dose intensity print as ``target`` with no dose above the plan?

    The pattern of given and missed administrations is kept; each given administration may
    be any multiple of ``step`` from ``lowest`` up to its planned dose (EXPLDOS): reductions
    are allowed, increases are not.

    Parameters
    ----------
    rows : pandas.DataFrame
        One subject's adex rows (ADY, EXDOSE, EXPLDOS).
    target : float
        The dose intensity (%) to reach, as printed.
    decimals : int
        Its printed decimals: a total counts when it rounds to ``target``.
    exclude_interruptions : bool
        Use the definition of :func:`dose_intensity_excluding_interruptions` (interrupted
        rows leave the denominator).
    step, lowest : float
        Dose granularity and smallest dose given (mg); 5 mg tablets by default.

    Returns
    -------
    dict
        ``max`` (highest attainable dose intensity, %), ``min`` (lowest), ``attainable``
        (bool: some on-plan total prints as ``target``), ``needed`` (bool: ``target`` is above
        ``max``, so some dose above the plan is unavoidable) and ``closest`` (the attainable
        dose intensity nearest ``target``).

    Examples
    --------
    Four administrations planned at 10 mg, the second missed and followed by a dose: 3 given.

    >>> ex = pd.DataFrame({"USUBJID": ["1"] * 4, "ADY": [0, 0.5, 1, 1.5],
    ...                    "EXDOSE": [10, 0, 10, 10], "EXPLDOS": [10] * 4})
    >>> r = on_protocol_attainable(ex, 75.0)
    >>> r["max"], r["attainable"], r["needed"]
    (75.0, True, False)
    >>> on_protocol_attainable(ex, 80.0)["needed"]
    True
    """
    rows = rows.sort_values("ADY")
    given = rows["EXDOSE"].astype(float) > 0
    planned = rows["EXPLDOS"].astype(float)
    denominator = float(planned.sum())
    if exclude_interruptions:
        denominator -= float(planned[interrupted_rows(rows.assign(USUBJID="_"))].sum())
    low, high = lowest * int(given.sum()), float(planned[given].sum())
    if denominator <= 0 or high < low:
        return {"max": None, "min": None, "attainable": False, "needed": None, "closest": None}
    totals = np.arange(low, high + step / 2, step)
    intensities = 100.0 * totals / denominator
    hits = np.round(intensities, decimals) == round(target, decimals)
    closest = float(intensities[np.argmin(np.abs(intensities - target))])
    return {"max": 100.0 * high / denominator, "min": 100.0 * low / denominator, "attainable": bool(hits.any()),
            "needed": bool(round(100.0 * high / denominator, decimals) < round(target, decimals)),
            "closest": closest}


def dose_listing(study: Study, max_subjects: int = DOSE_LISTING_MAX) -> pd.DataFrame:
    """Daily doses patient by patient, or a summary when there are more than ``max_subjects``.

    Returns
    -------
    pandas.DataFrame
        Up to ``max_subjects`` ITT subjects: one row per subject, columns ``USUBJID``,
        ``cum_dose``, ``planned_dose``, ``dose_intensity``, ``n_missed`` (administrations with
        EXDOSE 0), ``n_reduced`` (0 < EXDOSE < EXPLDOS) and ``n_above`` (EXDOSE > EXPLDOS).
        Above ``max_subjects``: one row per statistic (median, min, max) of those columns
        (``attrs["summary"]`` is True), as a listing of hundreds of patients is unreadable.
    """
    columns = ["USUBJID", "cum_dose", "planned_dose", "dose_intensity", "n_missed", "n_reduced", "n_above"]
    if study.adex is None:
        return pd.DataFrame(columns=columns)
    adex = study.adex[study.adex["USUBJID"].isin(itt(study)["USUBJID"])]
    dose, plan = adex["EXDOSE"].astype(float), adex["EXPLDOS"].astype(float)
    flags = pd.DataFrame({"USUBJID": adex["USUBJID"], "n_missed": dose.eq(0), "n_reduced": (dose > 0) & (dose < plan),
                          "n_above": dose > plan})
    counts = flags.groupby("USUBJID")[["n_missed", "n_reduced", "n_above"]].sum().astype(int)
    ex = exposure_summary(study).set_index("USUBJID")
    out = ex[["cum_dose", "planned_dose", "dose_intensity"]].join(counts, how="inner").reset_index()
    out = out[columns]
    if len(out) <= max_subjects:
        out.attrs["summary"] = False
        return out
    summary = out.drop(columns="USUBJID").agg(["median", "min", "max"]).reset_index(names="statistic")
    summary.attrs["summary"] = True
    return summary


def flow_counts(study: Study) -> dict:
    """Numbers for the CONSORT-style patient flow.

    Parameters
    ----------
    study : Study
        ``study.meta["screened"]`` (from study.yml) gives the number screened,
        a trial-level fact that patient-level data cannot hold.

    Returns
    -------
    dict
        ``screened`` (int or None), ``not_eligible`` (screened − eligible, or
        None), ``eligible`` and ``treated`` (both the ITT N), ``eot`` (dict:
        EOTREAS → number of subjects, early reasons in the paper's order, then
        any others A–Z; ``COMPLETED`` and missing EOTREAS excluded),
        ``ended_early`` (sum of ``eot``), ``completed`` (EOTREAS == COMPLETED)
        and ``eot_missing`` (subjects without EOTREAS).
    """
    pop = itt(study)
    n = len(pop)
    screened = study.meta.get("screened")
    screened = int(screened) if screened is not None else None
    reasons = pop["EOTREAS"] if "EOTREAS" in pop else pd.Series([None] * n, dtype="object")
    counts = reasons.dropna().value_counts()
    others = sorted(r for r in counts.index if r not in EOT_ORDER and r != "COMPLETED")
    eot = {r: int(counts[r]) for r in [*EOT_ORDER, *others] if r in counts.index}
    return {
        "screened": screened,
        "not_eligible": screened - n if screened is not None else None,
        "eligible": n,
        "treated": n,
        "eot": eot,
        "ended_early": sum(eot.values()),
        "completed": int(counts.get("COMPLETED", 0)),
        "eot_missing": int(reasons.isna().sum()),
    }


def _eot_label(reason: str) -> str:
    return _EOT_TEXT.get(reason, reason.lower())


@styled
def flow_figure(study: Study, ax=None):
    """Draw the patient flow (screened → treated → ended early / completed) with matplotlib.

    Parameters
    ----------
    study : Study
        A loaded study folder (see :func:`flow_counts`).
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; a new figure is made when omitted.

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt
    from matplotlib.patches import FancyBboxPatch

    c = flow_counts(study)
    if ax is None:
        fig, ax = plt.subplots(figsize=(7.5, 5.6))
    else:
        fig = ax.figure
    ax.set_xlim(0, 10)
    ax.set_ylim(0.3, 10)
    ax.axis("off")

    def box(x, y, text, w=4.2, h=0.9, face="#eef3f8", edge="#2f4b7c"):
        ax.add_patch(
            FancyBboxPatch(
                (x - w / 2, y - h / 2), w, h,
                boxstyle="round,pad=0.02,rounding_size=0.12",
                facecolor=face, edgecolor=edge, linewidth=1.2,
            )
        )
        ax.text(x, y, text, ha="center", va="center", fontsize=10, wrap=True)

    def arrow(x0, y0, x1, y1):
        ax.annotate(
            "", xy=(x1, y1), xytext=(x0, y0),
            arrowprops={"arrowstyle": "-|>", "color": "#2f4b7c", "lw": 1.2, "shrinkA": 0, "shrinkB": 0},
        )

    main_x, side_x = 3.0, 7.6
    y_screen, y_treat, y_end = 9.4, 7.0, 1.0
    if c["screened"] is not None:
        box(main_x, y_screen, f"Screened\nn = {c['screened']}")
        arrow(main_x, y_screen - 0.45, main_x, y_treat + 0.45)
        y_ne = (y_screen + y_treat) / 2
        arrow(main_x, y_ne, side_x - 1.9, y_ne)
        box(side_x, y_ne, f"Not eligible\nn = {c['not_eligible']}", w=3.8, h=0.8, face="#f6f6f6", edge="#777777")
    else:
        ax.text(main_x, y_screen, "number screened not given\n(no 'screened' in study.yml)",
                ha="center", va="center", fontsize=SMALL, color="#777777")
    box(main_x, y_treat, f"Eligible, treated with {study.drug}\n(intention to treat) n = {c['treated']}")

    lines = [f"{_eot_label(r)}: {k}" for r, k in c["eot"].items()]
    if c["eot_missing"]:
        lines.append(f"reason not recorded: {c['eot_missing']}")
    h_early = 0.55 + 0.36 * max(len(lines), 1)
    y_early = 4.0
    text = f"Ended treatment early\nn = {c['ended_early']}"
    if lines:
        text += "\n" + "\n".join(lines)
    box(side_x, y_early, text, w=3.8, h=h_early, face="#fdf1e6", edge="#b5651d")
    ax.plot([main_x, main_x], [y_treat - 0.45, y_end + 0.45], color="#2f4b7c", lw=1.2)
    arrow(main_x, y_early, side_x - 1.9, y_early)
    arrow(main_x, y_end + 0.8, main_x, y_end + 0.45)
    box(main_x, y_end, f"Completed treatment\nn = {c['completed']}", face="#e9f5ea", edge="#2e7d32")
    fig.tight_layout()
    return fig


def dosing_schedule(adex: pd.DataFrame | None) -> dict:
    """The protocol's planned schedule as recorded in adex (EXPLDOS by study day).

    Returns
    -------
    dict
        ``start_times`` (planned administrations on day 0), ``start_mg``
        (EXPLDOS of the first administration), ``main_times`` (planned
        administrations per day from day 1: the most common count), ``main_mg``
        (most common EXPLDOS from day 1), ``main_from`` (first day, counted
        1-based as the paper does, whose planned dose is ``main_mg``) and
        ``last_day`` (last day with a planned administration, 1-based). Values
        are None when adex is absent or empty.
    """
    keys = ("start_times", "start_mg", "main_times", "main_mg", "main_from", "last_day")
    if adex is None or adex.empty:
        return dict.fromkeys(keys)
    day = np.floor(adex["ADY"].astype(float))
    per_day = adex.groupby([adex["USUBJID"], day]).size()
    day0 = per_day[per_day.index.get_level_values(1) == 0]
    later = per_day[per_day.index.get_level_values(1) >= 1]
    first = adex.sort_values("ADY").groupby("USUBJID").head(1)
    main = adex.loc[day >= 1, "EXPLDOS"]
    main_mg = float(main.mode().iloc[0]) if not main.empty else None
    main_from = float(day[adex["EXPLDOS"].eq(main_mg)].min()) + 1 if main_mg is not None else None
    return {
        "start_times": int(day0.mode().iloc[0]) if not day0.empty else None,
        "start_mg": float(first["EXPLDOS"].mode().iloc[0]),
        "main_times": int(later.mode().iloc[0]) if not later.empty else None,
        "main_mg": main_mg,
        "main_from": main_from,
        "last_day": float(day.max()) + 1,
    }


def interruption_days_by_reason(adex: pd.DataFrame | None, word: str) -> float | None:
    """Total days of interruptions whose reason (EXADJ) contains ``word`` (case-insensitive).

    None when no interruption matches.
    """
    ints = interruptions(adex)
    hit = ints[ints["reason"].str.contains(word, case=False, regex=False)]
    return float(hit["days"].sum()) if not hit.empty else None


def page_values(study: Study, horizon: float = 28,
                adherence_threshold: float = ADHERENCE_THRESHOLD) -> dict[str, object]:
    """Every number the exposure page quotes: patient flow, duration, schedule, dose intensity.

    Parameters
    ----------
    study : Study
        A loaded study folder.
    horizon : float
        Planned days of treatment.
    adherence_threshold : float
        Dose intensity (%) at or above which a patient is adherent.

    Returns
    -------
    dict
        ``exposure-*`` names → values; also ``schedule.<key>`` (:func:`dosing_schedule`),
        ``interrupt.<ae|tube>_days`` (:func:`interruption_days_by_reason`), ``eot.horizon``
        (median treatment duration of those who completed) and ``adherence.total`` (patients
        with a dose intensity), values for the ledger. Interruptions are attributed to a reason
        by the words "adverse" and "tube" in EXADJ. ``None`` for what the data cannot give.
    """
    ex = exposure_summary(study, threshold=adherence_threshold)
    out: dict[str, object] = {"exposure-horizon": horizon, "exposure-threshold": adherence_threshold}
    out.update(_flow_values(study))
    duration = summarise_continuous(ex["duration"])
    out.update({f"exposure-dur-{stat}": duration[stat] for stat in ("median", "min", "max", "mean")})
    schedule = dosing_schedule(study.adex)
    out.update({f"schedule.{key}": value for key, value in schedule.items()})
    out.update({"exposure-start-mg": schedule["start_mg"], "exposure-main-mg": schedule["main_mg"],
                "exposure-main-from": schedule["main_from"]})
    planned = (schedule["start_times"], schedule["start_mg"], schedule["main_times"], schedule["main_mg"])
    # the full schedule: day 0 at the starting dose, days 1 .. horizon-1 at the main dose
    out["exposure-full-dose"] = (None if None in planned
                                 else planned[0] * planned[1] + planned[2] * planned[3] * (horizon - 1))
    out["interrupt.ae_days"] = interruption_days_by_reason(study.adex, "adverse")
    out["interrupt.tube_days"] = interruption_days_by_reason(study.adex, "tube")
    dose = _dose_values(ex, adherence_threshold)
    out.update(dose if study.adex is not None else dict.fromkeys(dose))
    out.update(_alternative_values(study, ex, adherence_threshold))
    return out


def _verdict(needed: bool | None) -> str | None:
    if needed is None:
        return None
    return "a dose above the plan is needed" if needed else "no dose above the plan is needed"


def _alternative_values(study: Study, ex: pd.DataFrame, threshold: float) -> dict[str, object]:
    """Doses above the plan, the dose intensity excluding interrupted days, and what the lowest
    dose intensity below ``threshold`` requires under either definition."""
    names = ("dose-step", "above-n", "above-subjects", "above-mg", "above-days", "above-subject", "excl-median", "excl-min",
             "excl-max", "low-subject", "low-target", "low-excl", "low-max-std", "low-max-excl", "low-verdict-std",
             "low-verdict-excl", "low-closest-excl")
    out: dict[str, object] = {f"exposure-{n}": None for n in names}
    if study.adex is None:
        return out
    out["exposure-dose-step"] = DOSE_STEP
    adex = study.adex[study.adex["USUBJID"].isin(itt(study)["USUBJID"])]
    above = above_protocol(adex)
    out["exposure-above-n"] = len(above)
    out["exposure-above-subjects"] = int(above["USUBJID"].nunique())
    if len(above):
        out["exposure-above-mg"] = ", ".join(format_number(x, 1) for x in sorted(above["EXDOSE"].unique()))
        out["exposure-above-days"] = ", ".join(format_number(x, 1) for x in above["ADY"])
        out["exposure-above-subject"] = ", ".join(str(u) for u in above["USUBJID"].unique())
    alt = dose_intensity_excluding_interruptions(study)
    excl = summarise_continuous(alt["dose_intensity_excl"])
    out.update({f"exposure-excl-{stat}": excl[stat] for stat in ("median", "min", "max")} if excl["n"] else {})
    below = ex[ex["dose_intensity"] < threshold].sort_values("dose_intensity")
    if below.empty:
        return out
    subject = str(below["USUBJID"].iloc[0])
    target = round(float(below["dose_intensity"].iloc[0]), 1)
    rows = adex[adex["USUBJID"] == subject]
    std = on_protocol_attainable(rows, target, step=DOSE_STEP, lowest=DOSE_STEP)
    alt_reach = on_protocol_attainable(rows, target, exclude_interruptions=True, step=DOSE_STEP, lowest=DOSE_STEP)
    out.update({
        "exposure-low-subject": subject, "exposure-low-target": target,
        "exposure-low-excl": float(alt.set_index("USUBJID").loc[subject, "dose_intensity_excl"]),
        "exposure-low-max-std": std["max"], "exposure-low-max-excl": alt_reach["max"],
        "exposure-low-verdict-std": _verdict(std["needed"]), "exposure-low-verdict-excl": _verdict(alt_reach["needed"]),
        "exposure-low-closest-excl": alt_reach["closest"],
    })
    return out


def _flow_values(study: Study) -> dict[str, object]:
    """The patient flow's numbers (:func:`flow_counts`) and the completers' median duration."""
    flow = flow_counts(study)
    out = {f"exposure-{key.replace('_', '-')}": flow[key]
           for key in ("screened", "not_eligible", "treated", "ended_early", "completed")}
    has_eot = "EOTREAS" in study.adsl
    for reason, key in (("DISCHARGED FROM ICU", "discharged"), ("TRANSFERRED", "transferred"),
                        ("DEATH", "death"), ("ADVERSE EVENT", "ae")):
        out[f"exposure-eot-{key}"] = flow["eot"].get(reason, 0) if has_eot else None
    pop = itt(study)
    done = pop.loc[pop["EOTREAS"].eq("COMPLETED"), "TRTDURD"] if has_eot and "TRTDURD" in pop else pd.Series()
    out["eot.horizon"] = float(done.median()) if not done.empty else None
    return out


def _dose_values(ex: pd.DataFrame, threshold: float) -> dict[str, object]:
    """Interruptions, dose intensity, adherence and cumulative dose from :func:`exposure_summary`."""
    di, cum = summarise_continuous(ex["dose_intensity"]), summarise_continuous(ex["cum_dose"])
    below = ex.loc[ex["dose_intensity"] < threshold, "dose_intensity"]
    n_adherent = int(ex["adherent"].fillna(False).sum())
    out = {f"exposure-di-{stat}": di[stat] for stat in ("median", "min", "max")}
    out.update({f"exposure-cum-{stat}": cum[stat] for stat in ("median", "min", "max")})
    out.update({
        "exposure-n-int": int((ex["n_interruptions"].fillna(0) > 0).sum()),
        "exposure-n-adherent": n_adherent,
        "exposure-pct-adherent": 100 * n_adherent / len(ex) if len(ex) else None,
        "exposure-n-below": len(below),
        "exposure-below-value": float(below.min()) if len(below) else None,
        "adherence.total": len(ex),
    })
    return out


def exposure_by_arm(study: Study, arm: str = "TRT01P", threshold: float = ADHERENCE_THRESHOLD) -> pd.DataFrame | None:
    """:func:`exposure_summary` summarised per arm and in total; ``None`` for a single-arm study.

    Rows: treatment duration, cumulative dose and dose intensity as "median (min–max)", and
    the patients adherent (dose intensity ≥ ``threshold``) and with an interruption as
    "n (%)"; "—" where the study folder has no such data.
    """
    def column(s: Study) -> pd.Series:
        ex = exposure_summary(s, threshold)
        cells = {
            "Treatment duration (days)": _median_range(ex["duration"]),
            "Cumulative dose (mg)": _median_range(ex["cum_dose"]),
            "Dose intensity (%)": _median_range(ex["dose_intensity"]),
            f"Adherent (dose intensity ≥ {threshold:g} %)": _count_pct(ex["adherent"]),
            "With a treatment interruption": _count_pct(ex["n_interruptions"].gt(0)),
        }
        return pd.Series(cells, dtype=object)

    return arms.by_arm(study, arm, column, fill="—")


def _median_range(values: pd.Series) -> str:
    """ "median (min–max)" of the values present, "—" when none is."""
    s = summarise_continuous(values)
    if not s["n"]:
        return "—"
    return f"{format_number(s['median'], 1)} ({format_number(s['min'], 1)}–{format_number(s['max'], 1)})"


def _count_pct(flags: pd.Series) -> str:
    """ "n (%)" of the true flags among those known, "—" when none is known."""
    known = flags.dropna()
    if known.empty:
        return "—"
    n = int(known.astype(bool).sum())
    return f"{n} ({100 * n / len(known):.0f} %)"
