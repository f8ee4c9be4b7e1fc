"""The eight outcome measures registered for NCT04334044, computable on a study folder.

The ClinicalTrials.gov record of NCT04334044 (a single-arm ruxolitinib trial in
Mexico, see ``data/registry/NCT04334044.yaml``) lists eight outcome measures.
Each is one function here taking a :class:`ruxlib.io.Study` and returning an
:class:`OutcomeResult`. The registry's wording is short; each docstring states
the operational definition used, and where the study folder cannot support
the registered definition the result says so (``available=False`` and
``missing`` naming the file or column) instead of guessing.

All times are study days from the first dose (day 0); the population is the
intention-to-treat set (``adsl.ITTFL == "Y"``). Proportions carry exact
(Clopper-Pearson) 95% intervals from :func:`ruxlib.stats.clopper_pearson`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from . import registry, stats, survival
from .derive import itt_population
from .icu import itt_subjects as _itt
from .io import Study

__all__ = [
    "OutcomeResult",
    "recovery_of_pneumonia",
    "crp_response",
    "ferritin_response",
    "ddimer_response",
    "marker_response",
    "icu_admission_rate",
    "mechanical_ventilation_rate",
    "overall_survival",
    "toxicity_rate",
    "all_outcomes",
    "outcome_table",
    "page_values",
    "RELATED",
    "transferred_by",
]

RELATED = ("Y", "YES", "RELATED", "POSSIBLE", "POSSIBLY RELATED", "PROBABLE", "PROBABLY RELATED",
           "DEFINITE", "DEFINITELY RELATED", "CERTAIN")
"""Values of ``adae.AEREL`` counted as 'associated with ruxolitinib' (case-insensitive)."""


@dataclass
class OutcomeResult:
    """One outcome measure computed on a study folder (or why it cannot be).

    Attributes
    ----------
    id : str
        The outcome's id in the registry record.
    title, time_frame : str
        As registered.
    definition : str
        The operational definition used here.
    available : bool
        False when the study folder lacks the data.
    missing : str
        Which file / column / record is missing (empty when available).
    n : int or None
        Subjects evaluable.
    events : int or None
        Subjects counted (for rates).
    value : float or None
        Headline value (a proportion 0-1, a median change, or S(t)).
    ci : ruxlib.stats.ConfidenceInterval or None
        95% interval of ``value`` where one is defined.
    result : str
        The result in words, e.g. ``"16/16 (100.0%; 95% CI 79.4-100.0)"``.
    proxy : bool
        True when the data only support an approximation of the registered definition.
    detail : DataFrame or None
        Per-subject values behind the result.
    """

    id: str
    title: str
    time_frame: str
    definition: str
    available: bool
    missing: str = ""
    n: int | None = None
    events: int | None = None
    value: float | None = None
    ci: stats.ConfidenceInterval | None = None
    result: str = ""
    proxy: bool = False
    detail: pd.DataFrame | None = field(default=None, repr=False)


def _na(id_, title, frame, definition, missing, proxy=False) -> OutcomeResult:
    return OutcomeResult(id_, title, frame, definition, available=False, missing=missing,
                         result=f"not available in this study folder ({missing})", proxy=proxy)


def _rate_text(k: int, n: int) -> tuple[str, stats.ConfidenceInterval | None]:
    if n == 0:
        return "no evaluable subjects", None
    ci = stats.clopper_pearson(k, n)
    return f"{k}/{n} ({100 * k / n:.1f}%; 95% CI {100 * ci.lower:.1f}-{100 * ci.upper:.1f})", ci


def _death_day(study: Study) -> pd.Series:
    """Day of death per ITT subject (adsl ``DTHDY``; NaN if no death recorded in adtte OS)."""
    return study.adsl.set_index("USUBJID")["DTHDY"].reindex(_itt(study))


def _last_known(study: Study) -> pd.Series:
    """Last day of OS follow-up per ITT subject (adsl ``LSTALVDY``)."""
    return study.adsl.set_index("USUBJID")["LSTALVDY"].reindex(_itt(study))


def _in_episode(adicu: pd.DataFrame, subjects: pd.Index, paramcd: str, day: float) -> pd.Series:
    ep = adicu[adicu["PARAMCD"].eq(paramcd)]
    on = ep[(ep["ASTDY"] <= day) & (ep["AENDY"] > day)]
    return pd.Series(subjects.isin(on["USUBJID"]), index=subjects)


# ---------------------------------------------------------------- 1. recovery of pneumonia

def recovery_of_pneumonia(study: Study, day: float = 14) -> OutcomeResult:
    """Recovery of pneumonia at ``day`` (registered: "cease of respiratory symptoms", 14 days).

    The study folder records no respiratory symptoms, so a proxy is computed
    from the ICU course: a subject has *recovered* at ``day`` if alive then
    (adtte OS) and neither in the ICU nor on invasive ventilation or ECMO at
    that day (no adicu episode with ``ASTDY <= day < AENDY``). A subject
    transferred to another hospital (``EOTREAS == "TRANSFERRED"``) whose
    follow-up in adicu ends before ``day``, or whose OS follow-up ends before
    ``day`` alive, is *unknown* and left out of the denominator.

    Parameters
    ----------
    study : Study
        Needs ``adicu`` and ``adtte`` (OS).
    day : float, default 14

    Returns
    -------
    OutcomeResult
        ``value`` = recovered / evaluable, with a Clopper-Pearson interval.
    """
    title, frame = "Recovery of Pneumonia", "14 days"
    definition = (f"proxy: alive at day {day:g} and not in ICU, on invasive ventilation or ECMO at day {day:g} "
                  "(respiratory symptoms are not recorded); transferred subjects unknown")
    if study.adicu is None:
        return _na("recovery_pneumonia", title, frame, definition, "no adicu.csv (ICU/IMV/ECMO episodes)", proxy=True)
    if study.adtte is None or not study.adtte["PARAMCD"].eq("OS").any():
        return _na("recovery_pneumonia", title, frame, definition, "no OS records in adtte.csv", proxy=True)
    idx = _itt(study)
    death, last = _death_day(study), _last_known(study)
    support = pd.concat([_in_episode(study.adicu, idx, p, day) for p in ("ICU", "IMV", "ECMO")], axis=1).any(axis=1)
    transferred = transferred_by(study, day)
    status = []
    for u in idx:
        if u in transferred:
            status.append("unknown (transferred)")
        elif not np.isnan(death[u]) and death[u] <= day:
            status.append("dead")
        elif np.isnan(last[u]) or last[u] < day:
            status.append("unknown (follow-up ends before day)")
        elif support[u]:
            status.append("not recovered")
        else:
            status.append("recovered")
    detail = pd.DataFrame({"status": status}, index=idx)
    evaluable = detail["status"].isin(["dead", "not recovered", "recovered"])
    k, n = int(detail["status"].eq("recovered").sum()), int(evaluable.sum())
    text, ci = _rate_text(k, n)
    unknown = len(idx) - n
    if unknown:
        text += f"; {unknown} unknown"
    return OutcomeResult("recovery_pneumonia", title, frame, definition, True, n=n, events=k,
                         value=(k / n if n else None), ci=ci, result=text, proxy=True, detail=detail)


def transferred_by(study: Study, day: float) -> pd.Index:
    """ITT patients censored by the transfer rule on or before ``day``.

    The patients with :func:`ruxlib.icu.exit_events` (ICU) code 0 (transferred while
    still in the ICU) at a time ``<= day``: the one transfer rule shared by the ICU
    and the registered-outcomes pages. Empty without adicu.csv or adsl ``EOTREAS``/``DTHDY``.

    Examples
    --------
    A patient transferred from the ICU on day 6 is in ``transferred_by(study, 14)``
    and not in ``transferred_by(study, 5)``.
    """
    from .icu import exit_events

    if study.adicu is None or not {"DTHDY", "EOTREAS"} <= set(study.adsl.columns):
        return pd.Index([], name="USUBJID")
    ev = exit_events(study, "ICU")
    return ev.index[(ev["event"] == 0) & (ev["time"] <= day)]


# ---------------------------------------------------------------- 2-4. marker responses

def marker_response(study: Study, paramcd: str, day: float = 14, outcome_id: str = "", title: str = "") -> OutcomeResult:
    """Change of a laboratory marker from baseline to the visit at ``day``.

    Per subject, change = AVAL at ``AVISITN == day`` minus AVAL at baseline
    (``ABLFL == "Y"``, else ``AVISITN == 0``), in the study folder's unit.
    A subject is evaluable when both values exist. The result gives the
    number of subjects whose value decreased and increased, and the median
    change (``value``); the interval is the Clopper-Pearson interval of the
    share that decreased.

    Parameters
    ----------
    study : Study
        Needs ``adlb`` with ``PARAMCD == paramcd`` records at baseline and ``day``.
    paramcd : str
        e.g. ``"CRP"``, ``"FERRITIN"``, ``"DDIMER"``.
    day : float, default 14
        Nominal visit (``AVISITN``).

    Returns
    -------
    OutcomeResult
    """
    outcome_id = outcome_id or f"{paramcd.lower()}_response"
    title = title or f"Response of {paramcd}"
    frame = f"{day:g} days"
    definition = f"{paramcd} at visit day {day:g} minus baseline (AVISITN 0), per subject; decreased / increased; median change"
    if study.adlb is None:
        return _na(outcome_id, title, frame, definition, "no adlb.csv")
    lb = study.adlb[study.adlb["PARAMCD"].eq(paramcd)]
    if lb.empty:
        return _na(outcome_id, title, frame, definition, f"adlb.csv has no PARAMCD {paramcd}")
    later = lb[lb["AVISITN"].eq(day)]
    if later.empty:
        visits = ", ".join(f"{v:g}" for v in sorted(lb["AVISITN"].unique()))
        return _na(outcome_id, title, frame, definition, f"adlb.csv has no {paramcd} at AVISITN {day:g} (visits: {visits})")
    base = lb[lb["ABLFL"].eq("Y")].set_index("USUBJID")["AVAL"].astype(float)
    at = later.set_index("USUBJID")["AVAL"].astype(float)
    idx = _itt(study)
    detail = pd.DataFrame({"baseline": base.reindex(idx), f"day{day:g}": at.reindex(idx)})
    detail["change"] = detail[f"day{day:g}"] - detail["baseline"]
    ev = detail.dropna(subset=["change"])
    n = len(ev)
    dec, inc = int((ev["change"] < 0).sum()), int((ev["change"] > 0).sum())
    unit = ""
    if "AVALU" in lb and lb["AVALU"].notna().any():
        unit = " " + str(lb["AVALU"].dropna().iloc[0])
    if n == 0:
        return OutcomeResult(outcome_id, title, frame, definition, True, n=0, result="no subject with both values", detail=detail)
    med = float(ev["change"].median())
    ci = stats.clopper_pearson(dec, n)
    text = (f"{dec}/{n} decreased, {inc}/{n} increased; median change {med:+.1f}{unit} "
            f"(median {ev['baseline'].median():.1f} → {ev[f'day{day:g}'].median():.1f}{unit})")
    return OutcomeResult(outcome_id, title, frame, definition, True, n=n, events=dec, value=med, ci=ci,
                         result=text, detail=detail)


def crp_response(study: Study, day: float = 14) -> OutcomeResult:
    """Response of C-reactive protein at ``day``: :func:`marker_response` with ``PARAMCD == "CRP"``.

    Registered: "Increment or decrease in mg/ml of C-reactive protein", 14 days.
    (mg/ml is as printed in the record; CRP is reported in mg/L.)
    """
    return marker_response(study, "CRP", day, "crp_response", "Response of C-reactive protein")


def ferritin_response(study: Study, day: float = 14) -> OutcomeResult:
    """Response of ferritin at ``day``: :func:`marker_response` with ``PARAMCD == "FERRITIN"``.

    Registered: "Increment or decrease in ng/ml of ferritin", 14 days.
    """
    return marker_response(study, "FERRITIN", day, "ferritin_response", "Response of Ferritin")


def ddimer_response(study: Study, day: float = 14) -> OutcomeResult:
    """Response of D-dimer at ``day``: :func:`marker_response` with ``PARAMCD == "DDIMER"``.

    Registered: "Increment or decrease in mg/ml of D-dimer", 14 days.
    """
    return marker_response(study, "DDIMER", day, "ddimer_response", "Response of D-dimer")


# ---------------------------------------------------------------- 5-6. ICU and ventilation rates

def _episode_rate(study: Study, paramcd: str, day: float, outcome_id: str, title: str, what: str) -> OutcomeResult:
    frame = f"{day:g} days"
    definition = (f"share of ITT subjects with an adicu {paramcd} episode overlapping days [0, {day:g}] "
                  f"(ASTDY ≤ {day:g} and AENDY ≥ 0); new {what} = episode starting in (0, {day:g}] "
                  "among subjects not in one at day 0")
    if study.adicu is None:
        return _na(outcome_id, title, frame, definition, "no adicu.csv (ICU/IMV/ECMO episodes)")
    idx = _itt(study)
    ep = study.adicu[study.adicu["PARAMCD"].eq(paramcd)]
    window = ep[(ep["ASTDY"] <= day) & (ep["AENDY"] >= 0)]
    at0 = ep[(ep["ASTDY"] <= 0) & (ep["AENDY"] >= 0)]
    new = ep[(ep["ASTDY"] > 0) & (ep["ASTDY"] <= day)]
    detail = pd.DataFrame({
        "in_window": idx.isin(window["USUBJID"]),
        "at_day0": idx.isin(at0["USUBJID"]),
        "new_after_day0": idx.isin(new["USUBJID"]) & ~idx.isin(at0["USUBJID"]),
    }, index=idx)
    k, n = int(detail["in_window"].sum()), len(idx)
    text, ci = _rate_text(k, n)
    not0 = int((~detail["at_day0"]).sum())
    if not0:
        knew = int(detail["new_after_day0"].sum())
        text += f"; new after day 0: {knew}/{not0}"
    else:
        text += f"; new after day 0: not applicable (all {n} subjects were in one at day 0)"
    return OutcomeResult(outcome_id, title, frame, definition, True, n=n, events=k, value=k / n, ci=ci,
                         result=text, detail=detail)


def icu_admission_rate(study: Study, day: float = 14) -> OutcomeResult:
    """Rate of ICU admission within ``day`` days (registered: "Requirement of Intensive Care Unit", 14 days).

    Share of ITT subjects with an ICU episode (adicu ``PARAMCD == "ICU"``)
    overlapping study days [0, ``day``], with a Clopper-Pearson interval; also
    the number newly admitted after day 0 among those not in the ICU at day 0
    (the registered trial's patients were not in the ICU at entry).
    """
    return _episode_rate(study, "ICU", day, "icu_admission_rate", "Rate of ICU admission", "admissions")


def mechanical_ventilation_rate(study: Study, day: float = 14) -> OutcomeResult:
    """Rate of invasive mechanical ventilation within ``day`` days (registered, 14 days).

    Share of ITT subjects with an adicu ``IMV`` episode overlapping study days
    [0, ``day``], with a Clopper-Pearson interval; also new ventilation after
    day 0 among those not ventilated at day 0.
    """
    return _episode_rate(study, "IMV", day, "mechanical_ventilation_rate", "Rate of mechanical ventilation",
                         "ventilation")


# ---------------------------------------------------------------- 7. overall survival

def overall_survival(study: Study, horizon: float = 30) -> OutcomeResult:
    """Overall survival at one month (registered: "Time since the diagnosis to the last follow up").

    Kaplan-Meier estimate S(``horizon``) of adtte ``OS`` in the ITT set, with
    its log-log 95% interval (:func:`ruxlib.survival.km_table`), and the count
    alive at ``horizon`` (alive = not (CNSR == 0 and AVAL ≤ horizon)). One
    month is taken as 30 days. The registered time origin is the diagnosis;
    the study folder's is the first dose (the date of diagnosis is not in the
    data contract), so times here are shorter by the diagnosis-to-treatment
    interval.
    """
    title, frame = "Overall Survival", "1 month"
    definition = (f"Kaplan-Meier S({horizon:g} days) from the first dose (not from diagnosis), "
                  "log-log 95% CI; alive = not (CNSR 0 and AVAL ≤ horizon)")
    if study.adtte is None or not study.adtte["PARAMCD"].eq("OS").any():
        return _na("overall_survival", title, frame, definition, "no OS records in adtte.csv")
    km = survival.km_table(survival.itt_adtte(study), "OS")
    s = survival.survival_at(km, horizon)
    st = survival.status_at(itt_population(study.adsl), horizon)
    text = (f"S({horizon:g}) = {100 * s['surv']:.1f}% (95% CI {100 * s['lower']:.1f}-{100 * s['upper']:.1f}); "
            f"alive {st.alive}/{st.n}")
    if st.censored_before:
        text += f" ({st.censored_before} censored before day {horizon:g})"
    ci = stats.ConfidenceInterval(float(s["lower"]), float(s["upper"]), 0.95)
    return OutcomeResult("overall_survival", title, frame, definition, True, n=st.n, events=st.alive,
                         value=float(s["surv"]), ci=ci, result=text, detail=km)


# ---------------------------------------------------------------- 8. toxicity rate

def toxicity_rate(study: Study, horizon: float = 30) -> OutcomeResult:
    """Toxicity rate at one month (registered: "Rate of adverse events associated with ruxolitinib").

    Share of ITT subjects with at least one adverse event judged related to
    ruxolitinib (``adae.AEREL`` in :data:`RELATED`, the CDISC causality
    variable) with onset ``ASTDY ≤ horizon`` (events without ``ASTDY`` are
    counted and reported), with a Clopper-Pearson interval. All-cause adverse
    events are not toxicity: without ``AEREL`` the measure is not available.
    """
    title, frame = "Toxicity Rate", "1 month"
    definition = (f"share of ITT subjects with ≥ 1 adverse event related to ruxolitinib (adae.AEREL) "
                  f"starting by day {horizon:g}")
    if study.adae is None:
        return _na("toxicity_rate", title, frame, definition, "no adae.csv")
    if "AEREL" not in study.adae:
        return _na("toxicity_rate", title, frame, definition,
                   "adae.csv has no AEREL column (causality: related to ruxolitinib or not)")
    idx = _itt(study)
    ae = study.adae
    rel = ae["AEREL"].fillna("").astype(str).str.strip().str.upper().isin(RELATED)
    onset = ae["ASTDY"].astype(float) if "ASTDY" in ae else pd.Series(np.nan, index=ae.index)
    keep = rel & (onset.isna() | (onset <= horizon))
    counted = ae[keep & ae["USUBJID"].isin(set(idx))]
    detail = pd.DataFrame({"related_ae": idx.isin(counted["USUBJID"])}, index=idx)
    k, n = int(detail["related_ae"].sum()), len(idx)
    text, ci = _rate_text(k, n)
    no_day = int((keep & onset.isna()).sum())
    if no_day:
        text += f"; {no_day} related event(s) without onset day counted"
    return OutcomeResult("toxicity_rate", title, frame, definition, True, n=n, events=k, value=k / n, ci=ci,
                         result=text, detail=detail)


# ---------------------------------------------------------------- all eight

def all_outcomes(study: Study, day: float = 14, month: float = 30) -> list[OutcomeResult]:
    """The eight registered outcome measures of NCT04334044, in registry order."""
    return [
        recovery_of_pneumonia(study, day),
        crp_response(study, day),
        ferritin_response(study, day),
        ddimer_response(study, day),
        icu_admission_rate(study, day),
        mechanical_ventilation_rate(study, day),
        overall_survival(study, month),
        toxicity_rate(study, month),
    ]


def outcome_table(results: list[OutcomeResult]) -> pd.DataFrame:
    """One row per outcome: title, time frame, definition used, result, n, proxy flag."""
    rows = [{
        "measure": r.title,
        "time frame": r.time_frame,
        "definition used here": r.definition,
        "result": r.result,
        "n": r.n if r.available else None,
        "proxy": "yes" if r.proxy else "",
    } for r in results]
    out = pd.DataFrame(rows)
    out.index = [r.id for r in results]
    return out


_MEDIAN_CHANGES = ("crp_response", "ferritin_response", "ddimer_response")
"""Outcomes whose headline value is a median change, not a proportion."""


def page_values(study: Study, day: float = 14, month: float = 30, registry_dir=None) -> dict[str, object]:
    """Every number the registered-outcomes page (``registry-outcomes``) quotes.

    Parameters
    ----------
    study : Study
    day, month : float
        Day of the day-N measures, and days in a month (:func:`all_outcomes`).
    registry_dir : path, optional
        Folder of the registry records (default ``data/registry``).

    Returns
    -------
    dict
        ``registry-outcomes-*`` names → values: ``day``, ``month``, the registered measures
        and how many are available or missing; per measure ``<id>-value`` (a proportion in %,
        or for a marker response the median change), ``<id>-events`` and ``<id>-n``, ``None``
        when the measure is not available in the study folder.
    """
    results = all_outcomes(study, day=day, month=month)
    available = sum(r.available for r in results)
    out: dict[str, object] = {
        "registry-outcomes-day": day, "registry-outcomes-month": month,
        "registry-outcomes-n-measures": len(registry.load_record("NCT04334044", registry_dir)["outcomes"]),
        "registry-outcomes-n-available": available, "registry-outcomes-n-missing": len(results) - available,
    }
    for r in results:
        key = f"registry-outcomes-{r.id.replace('_', '-')}"
        scale = 1 if r.id in _MEDIAN_CHANGES else 100
        out[f"{key}-value"] = None if r.value is None else scale * r.value
        out[f"{key}-events"] = r.events
        out[f"{key}-n"] = r.n
        if r.id == "overall_survival":
            out[f"{key}-lower"] = None if r.ci is None else 100 * r.ci.lower
            out[f"{key}-upper"] = None if r.ci is None else 100 * r.ci.upper
    out["registry-outcomes-transferred"] = len(transferred_by(study, day)) if study.adicu is not None else None
    return out
