"""Eligibility criteria as code: which patients of a study folder would have entered a trial.

Every inclusion and exclusion criterion of the registry records in
``data/registry`` (see :mod:`ruxlib.registry`) is one function here, whose
docstring is the criterion's text exactly as recorded (a test holds code and
record together). A rule is applied to a :class:`ruxlib.io.Study` and returns,
for each subject, one of three answers:

``"met"``
    the data show that the criterion's statement is true for the subject
    (for an *exclusion* criterion that means the subject is excluded);
``"not met"``
    the data show that it is false;
``"cannot be decided"``
    the data needed are absent or missing. Unknown data never pass silently.

Each rule also says which data decide it (``decided_by``) and, per subject,
what it saw (``evidence``).

Algorithm
---------
1. For each criterion of the trial, run its rule on the study folder.
2. A subject is *not eligible* if any inclusion criterion is ``"not met"`` or
   any exclusion criterion is ``"met"``; *eligible* if every inclusion
   criterion is ``"met"`` and every exclusion criterion ``"not met"``;
   otherwise *cannot be decided*.

Data used
---------
From the data contract: ``adsl`` AGE, SEX, VENTPRED; ``advs`` baseline
PFRATIO (and PEEP, cm H2O, if present); ``adlb`` baseline LDH (U/L), FERRITIN
(µg/L = ng/mL; ANRHI, the upper reference limit, if present), PLAT and NEUT
(10⁹/L unless AVALU says otherwise); ``adicu`` ICU and IMV episodes covering
study day 0. Facts the contract has no place for are read from optional Y/N
flag columns of ``adsl`` (see :data:`FLAGS`); when a column is absent the
criterion cannot be decided and the rule names the column that would decide it.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from . import registry
from .io import Study, baseline
from .schema import ELIGIBILITY_FLAGS

__all__ = [
    "LISTING_MAX",
    "verdict_patterns",
    "MET",
    "NOT_MET",
    "UNDECIDED",
    "THRESHOLDS",
    "ELIGIBLE",
    "NOT_ELIGIBLE",
    "FLAGS",
    "Rule",
    "RULES",
    "rules_for",
    "assess",
    "criteria_matrix",
    "eligibility",
    "criterion_summary",
    "trial_summary",
    "trials_with_rules",
    "page_values",
]

MET = "met"
NOT_MET = "not met"
UNDECIDED = "cannot be decided"
ELIGIBLE = "eligible"
NOT_ELIGIBLE = "not eligible"

FLAGS = ELIGIBILITY_FLAGS
"""Optional ``adsl`` columns (``Y``/``N``) for facts no other column records.

They are optional columns of the contract (``ruxlib.schema``, validated as Y/N and
listed in the data appendix); a trial export that has them lets the matching
criteria be decided. Names follow the ADaM habit of ``…FL`` for flags.
"""

THRESHOLDS = {
    "NCT04334044": {"age_min": 18, "platelets_below": 20.0, "neutrophils_below": 0.5},
    "NCT04359290": {"pf_max": 200, "peep_min": 5, "ldh_above": 283, "niv_resp_rate_above": 30, "niv_pf_below": 200},
    "NCT04377620": {"age_min": 12, "pf_max": 300},
}
"""Numeric thresholds of the criteria as the rules use them (counts in 10⁹/L, LDH in U/L,
PaO2/FiO2 in mmHg, PEEP in cm H2O, age in years). The pages check them against the ledger."""

FERRITIN_ABOVE_ANY_ULN = 1000.0
"""µg/L. Without ``ANRHI`` a ferritin above this is taken as above the normal value.

Adult reference upper limits of serum ferritin are at most a few hundred µg/L
(they differ by laboratory and sex); values at or below this bound need the
laboratory's own limit (``adlb.ANRHI``) and otherwise cannot be decided.
"""

_COUNT_UNITS = {
    "10^9/L": 1.0, "10*9/L": 1.0, "X10^9/L": 1.0, "G/L": 1.0, "GPT/L": 1.0, "/NL": 1.0,
    "10^3/UL": 1.0, "10^3/µL": 1.0, "10^3/MM3": 1.0,
    "/MM3": 1e-3, "CELLS/MM3": 1e-3, "/UL": 1e-3, "/µL": 1e-3, "CELLS/UL": 1e-3, "CELLS/µL": 1e-3,
}


@dataclass(frozen=True)
class Rule:
    """One criterion as code."""

    nct_id: str
    criterion_id: str
    kind: str  # "inclusion" or "exclusion"
    decided_by: str
    func: Callable[[Study], pd.DataFrame]

    @property
    def text(self) -> str:
        """The criterion's text: the function's docstring."""
        return inspect.getdoc(self.func) or ""

    def __call__(self, study: Study) -> pd.DataFrame:
        return self.func(study)


RULES: dict[tuple[str, str], Rule] = {}
"""Every rule, keyed by (NCT id, criterion id)."""


def _rule(nct_id: str, criterion_id: str, decided_by: str):
    kind = "inclusion" if criterion_id.startswith("INC") else "exclusion"

    def register(func):
        RULES[(nct_id, criterion_id)] = Rule(nct_id, criterion_id, kind, decided_by, func)
        return func

    return register


def rules_for(nct_id: str) -> list[Rule]:
    """The rules of one trial, inclusion criteria first, in id order."""
    found = [r for (n, _), r in RULES.items() if n == nct_id]
    if not found:
        raise KeyError(f"no eligibility rules for {nct_id}; known: {sorted({n for n, _ in RULES})}")
    return sorted(found, key=lambda r: (r.kind != "inclusion", int(r.criterion_id[3:])))


# ---------------------------------------------------------------- building blocks

def _subjects(study: Study) -> pd.Index:
    return pd.Index(study.adsl["USUBJID"], name="USUBJID")


def _frame(study: Study, status, evidence) -> pd.DataFrame:
    idx = _subjects(study)
    out = pd.DataFrame({"status": status, "evidence": evidence}, index=idx)
    return out


def _undecided(study: Study, why: str) -> pd.DataFrame:
    return _frame(study, UNDECIDED, why)


def _flag(study: Study, column: str) -> pd.Series | None:
    """Y/N flag column of adsl as a Series of True/False/None, or None if absent."""
    if column not in study.adsl:
        return None
    codes = {"Y": True, "N": False}
    values = [codes.get(str(v).strip().upper()) if pd.notna(v) else None for v in study.adsl[column]]
    return pd.Series(values, index=_subjects(study), dtype=object)


def _from_flag(study: Study, column: str, meaning_if_yes: bool = True) -> pd.DataFrame:
    """Decide a criterion from an adsl flag: Y → met, N → not met, empty/absent → cannot be decided."""
    flag = _flag(study, column)
    if flag is None:
        return _undecided(study, f"no adsl.{column} column ({FLAGS[column]})")
    status = flag.map(lambda v: UNDECIDED if v is None else (MET if v == meaning_if_yes else NOT_MET))
    evidence = flag.map(lambda v: f"adsl.{column} empty" if v is None else f"adsl.{column} = {'Y' if v else 'N'}")
    return _frame(study, status, evidence)


def _baseline(study: Study, dataset: str, paramcd: str) -> tuple[pd.Series, pd.Series, str | None]:
    """Baseline AVAL, AVALU and (if present) ANRHI per subject; third item is why absent."""
    frame = getattr(study, dataset)
    idx = _subjects(study)
    empty = pd.Series(np.nan, index=idx, dtype=float)
    if frame is None:
        return empty, pd.Series("", index=idx), f"no {dataset}.csv"
    rows = frame[frame["PARAMCD"].eq(paramcd)]
    if rows.empty:
        return empty, pd.Series("", index=idx), f"{dataset}.csv has no PARAMCD {paramcd}"
    base = baseline(rows).set_index("USUBJID")
    aval = base["AVAL"].astype(float).reindex(idx)
    unit = (base["AVALU"] if "AVALU" in base else pd.Series("", index=base.index)).reindex(idx).fillna("")
    return aval, unit.astype(str), None


def _anrhi(study: Study, paramcd: str) -> pd.Series | None:
    lb = study.adlb
    if lb is None or "ANRHI" not in lb:
        return None
    base = baseline(lb[lb["PARAMCD"].eq(paramcd)]).set_index("USUBJID")
    return pd.to_numeric(base["ANRHI"], errors="coerce").reindex(_subjects(study))


def _count_in_giga_per_l(value: float, unit: str) -> float | None:
    unit = unit.strip().upper().replace(" ", "")
    if unit == "":
        return value
    factor = _COUNT_UNITS.get(unit)
    return None if factor is None else value * factor


def _threshold(study: Study, dataset: str, paramcd: str, test: Callable[[float], bool], describe: str,
               convert: Callable[[float, str], float | None] | None = None) -> pd.DataFrame:
    """Decide ``test(baseline value)`` per subject; missing values cannot be decided."""
    aval, unit, absent = _baseline(study, dataset, paramcd)
    if absent:
        return _undecided(study, absent)
    status, evidence = [], []
    for v, u in zip(aval, unit, strict=True):
        if np.isnan(v):
            status.append(UNDECIDED)
            evidence.append(f"no baseline {paramcd} in {dataset}.csv")
            continue
        x = convert(v, u) if convert else v
        if x is None:
            status.append(UNDECIDED)
            evidence.append(f"{paramcd} {v:g} in unknown unit '{u}'")
            continue
        status.append(MET if test(x) else NOT_MET)
        shown = f"{v:g} {u}".strip()
        evidence.append(f"{paramcd} {shown} ({describe})")
    return _frame(study, status, evidence)


def _episode_at_day0(study: Study, paramcd: str) -> tuple[pd.Series, str | None]:
    """True/False per subject: an adicu episode of ``paramcd`` covers study day 0."""
    idx = _subjects(study)
    if study.adicu is None:
        return pd.Series(None, index=idx, dtype=object), "no adicu.csv"
    ep = study.adicu[study.adicu["PARAMCD"].eq(paramcd)]
    covering = ep[(ep["ASTDY"] <= 0) & (ep["AENDY"] >= 0)]
    return pd.Series(idx.isin(covering["USUBJID"]), index=idx, dtype=object), None


def _on_imv_at_day0(study: Study) -> tuple[pd.Series, pd.Series]:
    """(True/False/None, evidence) for invasive ventilation at the first dose.

    adicu decides (an IMV episode covering day 0); without adicu, a recorded
    adsl.VENTPRED (days ventilated before the first dose) shows ventilation.
    """
    idx = _subjects(study)
    on, absent = _episode_at_day0(study, "IMV")
    ventpred = study.adsl.set_index("USUBJID")["VENTPRED"].reindex(idx) if "VENTPRED" in study.adsl else pd.Series(np.nan, index=idx)
    if absent is None:
        ev = [
            ("IMV episode covers day 0" if o else "no IMV episode covering day 0 in adicu.csv")
            + ("" if np.isnan(vp) else f"; VENTPRED {vp:g} d")
            for o, vp in zip(on, ventpred, strict=True)
        ]
        return on, pd.Series(ev, index=idx)
    vals = pd.Series([True if not np.isnan(vp) else None for vp in ventpred], index=idx, dtype=object)
    ev = pd.Series(
        [f"no adicu.csv; VENTPRED {vp:g} d recorded" if not np.isnan(vp) else "no adicu.csv and no VENTPRED" for vp in ventpred],
        index=idx,
    )
    return vals, ev


def _hospitalized(study: Study) -> tuple[pd.Series, pd.Series]:
    """True/None per subject (False only from adsl.HOSPFL = N): in ICU or on IMV at day 0, or HOSPFL."""
    idx = _subjects(study)
    icu, _ = _episode_at_day0(study, "ICU")
    imv, _ = _on_imv_at_day0(study)
    flag = _flag(study, "HOSPFL")
    vals, ev = [], []
    for i in range(len(idx)):
        f = None if flag is None else flag.iloc[i]
        if f is not None:
            vals.append(f)
            ev.append(f"adsl.HOSPFL = {'Y' if f else 'N'}")
        elif icu.iloc[i] is True or imv.iloc[i] is True:
            vals.append(True)
            ev.append("in ICU or on IMV at day 0")
        else:
            vals.append(None)
            ev.append("not in ICU/IMV at day 0 per adicu and no adsl.HOSPFL")
    return pd.Series(vals, index=idx, dtype=object), pd.Series(ev, index=idx)


def _from_bool(study: Study, values: pd.Series, evidence: pd.Series, undecided_note: str = "") -> pd.DataFrame:
    status = values.map(lambda v: UNDECIDED if v is None else (MET if v else NOT_MET))
    ev = [e if v is not None or not undecided_note else f"{e} ({undecided_note})" for v, e in zip(values, evidence, strict=True)]
    return _frame(study, status, ev)


def _all_of(study: Study, *parts: pd.DataFrame) -> pd.DataFrame:
    """Three-valued AND: not met if any part is not met, met if all are met."""
    statuses = np.column_stack([p["status"].to_numpy(dtype=object) for p in parts])
    status = np.where((statuses == NOT_MET).any(axis=1), NOT_MET,
                      np.where((statuses == MET).all(axis=1), MET, UNDECIDED))
    evidence = parts[0]["evidence"].astype(str).to_numpy(dtype=object)
    for p in parts[1:]:
        evidence = evidence + "; " + p["evidence"].astype(str).to_numpy(dtype=object)
    return _frame(study, list(status), list(evidence))


def _age_at_least(study: Study, years: float) -> pd.DataFrame:
    age = study.adsl["AGE"].astype(float)
    status = [UNDECIDED if np.isnan(a) else (MET if a >= years else NOT_MET) for a in age]
    return _frame(study, status, [f"AGE {a:g}" for a in age])


# ---------------------------------------------------------------- NCT04334044 (registry record)

@_rule("NCT04334044", "INC1", "adsl.COVCONFL")
def nct04334044_inc1_covid_confirmed(study: Study) -> pd.DataFrame:
    """Patients with diagnosed COVID-19 with confirmatory test"""
    return _from_flag(study, "COVCONFL")


@_rule("NCT04334044", "INC2", "adsl.DYSPNFL")
def nct04334044_inc2_dyspnoea(study: Study) -> pd.DataFrame:
    """Increase in work of breathing or presence of dyspnea"""
    return _from_flag(study, "DYSPNFL")


@_rule("NCT04334044", "INC3", "adsl.CTPNEUFL")
def nct04334044_inc3_imaging(study: Study) -> pd.DataFrame:
    """Presence of lung changes associated with COVID pneumonia by chest imaging"""
    return _from_flag(study, "CTPNEUFL")


@_rule("NCT04334044", "INC4", "adsl.CONSFL")
def nct04334044_inc4_consent(study: Study) -> pd.DataFrame:
    """Informed consent"""
    return _from_flag(study, "CONSFL")


@_rule("NCT04334044", "INC5", "adsl.AGE ≥ 18")
def nct04334044_inc5_adult(study: Study) -> pd.DataFrame:
    """18 Years and older (Adult, Older Adult)"""
    return _age_at_least(study, THRESHOLDS["NCT04334044"]["age_min"])


@_rule("NCT04334044", "EXC1", "adsl.SEX = M decides 'not met'; otherwise adsl.PREGFL")
def nct04334044_exc1_pregnancy(study: Study) -> pd.DataFrame:
    """Pregnancy or breastfeeding"""
    flagged = _from_flag(study, "PREGFL")
    male = study.adsl["SEX"].eq("M").to_numpy()
    flagged.loc[male & (flagged["status"] == UNDECIDED).to_numpy(), ["status", "evidence"]] = [NOT_MET, "SEX M"]
    return flagged


@_rule("NCT04334044", "EXC2", "adlb.csv PLAT at baseline < 20 × 10⁹/L (= 20,000/mm³)")
def nct04334044_exc2_thrombocytopenia(study: Study) -> pd.DataFrame:
    """Thrombocytopenia below 20,000 cells/mm3"""
    limit = THRESHOLDS["NCT04334044"]["platelets_below"]
    return _threshold(study, "adlb", "PLAT", lambda x: x < limit, f"< {limit:g} × 10⁹/L?", _count_in_giga_per_l)


@_rule("NCT04334044", "EXC3", "adlb.csv NEUT at baseline < 0.5 × 10⁹/L (= 500/mm³)")
def nct04334044_exc3_neutropenia(study: Study) -> pd.DataFrame:
    """Neutropenia below 500 cels/mm3"""
    limit = THRESHOLDS["NCT04334044"]["neutrophils_below"]
    return _threshold(study, "adlb", "NEUT", lambda x: x < limit, f"< {limit:g} × 10⁹/L?", _count_in_giga_per_l)


@_rule("NCT04334044", "EXC4", "adsl.INFECTFL")
def nct04334044_exc4_infection(study: Study) -> pd.DataFrame:
    """Known and active infection of HIV, Hepatitis C, Hepatitis B, Herpes Zoster or Mycobacterium Tuberculosis"""
    return _from_flag(study, "INFECTFL")


# ---------------------------------------------------------------- NCT04359290 (the paper's Methods)

@_rule("NCT04359290", "INC1", "adsl.COVCONFL")
def nct04359290_inc1_covid_pcr(study: Study) -> pd.DataFrame:
    """nucleic-acid-based test proven COVID-19 disease"""
    return _from_flag(study, "COVCONFL")


@_rule("NCT04359290", "INC2", "adicu.csv IMV episode covering day 0 (else adsl.VENTPRED recorded)")
def nct04359290_inc2_recent_intubation(study: Study) -> pd.DataFrame:
    """associated severe lung injury as defined by recent intubation"""
    on, ev = _on_imv_at_day0(study)
    return _from_bool(study, on, ev)


@_rule("NCT04359290", "INC3", "adicu.csv IMV episode covering day 0 (else adsl.VENTPRED recorded)")
def nct04359290_inc3_invasive_ventilation(study: Study) -> pd.DataFrame:
    """requirement of invasive ventilation"""
    on, ev = _on_imv_at_day0(study)
    return _from_bool(study, on, ev)


@_rule("NCT04359290", "INC4", "adsl.NIVFFL (values before intubation; baseline advs RESP/PFRATIO are on the ventilator and do not decide it)")
def nct04359290_inc4_niv_failure(study: Study) -> pd.DataFrame:
    """NIV failure; respiratory rate > 30 and PaO2/FiO2 < 200 mmHg"""
    return _from_flag(study, "NIVFFL")


@_rule("NCT04359290", "INC5", "advs.csv PFRATIO at baseline ≤ 200 and advs.csv PEEP at baseline ≥ 5")
def nct04359290_inc5_pf_ratio_peep(study: Study) -> pd.DataFrame:
    """moderate to severe pulmonary oxygen exchange disturbance as defined by (PaO2/FiO2) ≤ 200mmHg at a PEEP ≥ 5mm H2O"""
    t = THRESHOLDS["NCT04359290"]
    pf = _threshold(study, "advs", "PFRATIO", lambda x: x <= t["pf_max"], f"≤ {t['pf_max']:g}?")
    peep = _threshold(study, "advs", "PEEP", lambda x: x >= t["peep_min"], f"≥ {t['peep_min']:g} cm H2O?")
    return _all_of(study, pf, peep)


@_rule("NCT04359290", "INC6", "adlb.csv LDH at baseline > 283 U/L")
def nct04359290_inc6_ldh(study: Study) -> pd.DataFrame:
    """serum LDH > 283 U/l"""
    def in_u_per_l(v: float, u: str) -> float | None:
        return v if u.strip().upper() in ("", "U/L", "IU/L") else None
    limit = THRESHOLDS["NCT04359290"]["ldh_above"]
    return _threshold(study, "adlb", "LDH", lambda x: x > limit, f"> {limit:g} U/L?", in_u_per_l)


@_rule("NCT04359290", "INC7", f"adlb.csv FERRITIN at baseline > ANRHI (upper reference limit); without ANRHI only values > {FERRITIN_ABOVE_ANY_ULN:g} µg/L decide")
def nct04359290_inc7_ferritin(study: Study) -> pd.DataFrame:
    """ferritin above normal value"""
    aval, unit, absent = _baseline(study, "adlb", "FERRITIN")
    if absent:
        return _undecided(study, absent)
    uln = _anrhi(study, "FERRITIN")
    status, evidence = [], []
    for i, (v, u) in enumerate(zip(aval, unit, strict=True)):
        ok_unit = u.strip().lower() in ("", "ng/ml", "ug/l", "µg/l", "μg/l")
        limit = None if uln is None else uln.iloc[i]
        if np.isnan(v):
            status.append(UNDECIDED)
            evidence.append("no baseline FERRITIN in adlb.csv")
        elif limit is not None and not np.isnan(limit):
            status.append(MET if v > limit else NOT_MET)
            evidence.append(f"FERRITIN {v:g} vs ANRHI {limit:g}")
        elif not ok_unit:
            status.append(UNDECIDED)
            evidence.append(f"FERRITIN {v:g} in unknown unit '{u}' and no ANRHI")
        elif v > FERRITIN_ABOVE_ANY_ULN:
            status.append(MET)
            evidence.append(f"FERRITIN {v:g} µg/L > {FERRITIN_ABOVE_ANY_ULN:g}, above any adult reference limit")
        else:
            status.append(UNDECIDED)
            evidence.append(f"FERRITIN {v:g} µg/L; the laboratory's upper limit (adlb.ANRHI) is needed")
    return _frame(study, status, evidence)


@_rule("NCT04359290", "INC8", "adsl.CTPNEUFL")
def nct04359290_inc8_ct(study: Study) -> pd.DataFrame:
    """a CT-scan demonstrating COVID-19 typical pulmonary infiltrates"""
    return _from_flag(study, "CTPNEUFL")


@_rule("NCT04359290", "INC9", "adsl.CONSFL")
def nct04359290_inc9_consent(study: Study) -> pd.DataFrame:
    """Patients or their representatives/legal person in charge had to give informed consent."""
    return _from_flag(study, "CONSFL")


# ---------------------------------------------------------------- NCT04377620 RUXCOVID-DEVENT (summary)

@_rule("NCT04377620", "INC1", "adsl.AGE ≥ 12")
def nct04377620_inc1_age(study: Study) -> pd.DataFrame:
    """≥ 12 years"""
    return _age_at_least(study, THRESHOLDS["NCT04377620"]["age_min"])


@_rule("NCT04377620", "INC2", "hospitalized: adicu.csv ICU or IMV at day 0 (or adsl.HOSPFL); SARS-CoV-2: adsl.COVCONFL")
def nct04377620_inc2_hospitalized_covid(study: Study) -> pd.DataFrame:
    """hospitalized with SARS-CoV-2"""
    hosp, ev = _hospitalized(study)
    return _all_of(study, _from_bool(study, hosp, ev), _from_flag(study, "COVCONFL"))


@_rule("NCT04377620", "INC3", "adicu.csv IMV at day 0 and advs.csv PFRATIO at baseline ≤ 300 (baseline taken as the value at randomization)")
def nct04377620_inc3_ventilated_pf300(study: Study) -> pd.DataFrame:
    """mechanically ventilated with PaO2/FiO2 ≤ 300 mm Hg within 6 hours of randomization"""
    on, ev = _on_imv_at_day0(study)
    limit = THRESHOLDS["NCT04377620"]["pf_max"]
    pf = _threshold(study, "advs", "PFRATIO", lambda x: x <= limit, f"≤ {limit:g}?")
    return _all_of(study, _from_bool(study, on, ev), pf)


# ---------------------------------------------------------------- NCT04362137 RUXCOVID (summary)

@_rule("NCT04362137", "INC1", "adicu.csv ICU or IMV at day 0 (or adsl.HOSPFL)")
def nct04362137_inc1_hospitalized(study: Study) -> pd.DataFrame:
    """hospitalized"""
    hosp, ev = _hospitalized(study)
    return _from_bool(study, hosp, ev)


@_rule("NCT04362137", "EXC1", "adicu.csv IMV episode covering day 0 (else adsl.VENTPRED recorded)")
def nct04362137_exc1_ventilated(study: Study) -> pd.DataFrame:
    """ventilated"""
    on, ev = _on_imv_at_day0(study)
    return _from_bool(study, on, ev)


@_rule("NCT04362137", "EXC2", "adicu.csv ICU episode covering day 0")
def nct04362137_exc2_icu(study: Study) -> pd.DataFrame:
    """in ICU"""
    on, absent = _episode_at_day0(study, "ICU")
    if absent:
        return _undecided(study, absent)
    return _from_bool(study, on, on.map(lambda v: "ICU episode covers day 0" if v else "no ICU episode covering day 0"))


# ---------------------------------------------------------------- applying the rules

def assess(study: Study, nct_id: str) -> pd.DataFrame:
    """Apply every criterion of a trial to every subject.

    Parameters
    ----------
    study : Study
    nct_id : str
        A trial with rules here (``NCT04334044``, ``NCT04359290``,
        ``NCT04377620``, ``NCT04362137``).

    Returns
    -------
    DataFrame
        Long format, one row per subject × criterion: ``USUBJID, criterion,
        kind, text, status, evidence, decided_by``. ``status`` is ``"met"``,
        ``"not met"`` or ``"cannot be decided"`` and refers to the criterion's
        statement (for an exclusion criterion, ``"met"`` excludes). A copy of the result is
        kept for the same study object and trial while the study's tables are the same objects
        (a page asks for it a dozen times; 2 s each at 100,000 subjects).
    """
    frames = tuple(id(getattr(study, name)) for name in ("adsl", "advs", "adlb", "adicu"))
    memo = study.__dict__.setdefault("_eligibility_assess", {})
    if memo.get("frames") != frames:  # a table was replaced: forget every trial's result
        memo.clear()
        memo["frames"] = frames
    if nct_id not in memo:
        memo[nct_id] = _assess(study, nct_id)
    return memo[nct_id].copy()


def _assess(study: Study, nct_id: str) -> pd.DataFrame:
    """:func:`assess` without the memo."""
    parts = []
    for r in rules_for(nct_id):
        res = r(study).reset_index()
        res.insert(1, "criterion", r.criterion_id)
        res.insert(2, "kind", r.kind)
        res.insert(3, "text", r.text)
        res["decided_by"] = r.decided_by
        parts.append(res)
    return pd.concat(parts, ignore_index=True)


def criteria_matrix(study: Study, nct_id: str) -> pd.DataFrame:
    """Subjects × criteria table of statuses (wide form of :func:`assess`)."""
    long = assess(study, nct_id)
    order = [r.criterion_id for r in rules_for(nct_id)]
    wide = long.pivot(index="USUBJID", columns="criterion", values="status")
    return wide.reindex(index=_subjects(study), columns=order)


def eligibility(study: Study, nct_id: str) -> pd.DataFrame:
    """Per subject: would they have entered the trial?

    Returns
    -------
    DataFrame
        Indexed by USUBJID: ``verdict`` (``"eligible"``, ``"not eligible"``,
        ``"cannot be decided"``), ``excluded_by`` (criteria that rule the
        subject out: inclusion not met, exclusion met) and ``undecided``
        (criteria the data cannot decide), both comma-separated ids.
    """
    long = assess(study, nct_id)
    blocks = ((long["kind"] == "inclusion") & (long["status"] == NOT_MET)) | (
        (long["kind"] == "exclusion") & (long["status"] == MET)
    )
    subjects = pd.Index(pd.unique(long["USUBJID"]), name="USUBJID")

    def joined(mask: pd.Series) -> pd.Series:
        ids = long.loc[mask, ["USUBJID", "criterion"]].groupby("USUBJID", sort=False)["criterion"].agg(", ".join)
        return ids.reindex(subjects, fill_value="")

    excl, und = joined(blocks), joined(long["status"] == UNDECIDED)
    verdict = np.where(excl != "", NOT_ELIGIBLE, np.where(und != "", UNDECIDED, ELIGIBLE))
    out = pd.DataFrame({"verdict": verdict, "excluded_by": excl, "undecided": und}, index=subjects)
    return out.reindex(_subjects(study)).rename_axis("USUBJID")


def criterion_summary(study: Study, nct_id: str) -> pd.DataFrame:
    """Per criterion: counts of met / not met / cannot be decided, and what decides it."""
    long = assess(study, nct_id)
    counts = long.pivot_table(index="criterion", columns="status", values="USUBJID", aggfunc="count", fill_value=0)
    counts = counts.reindex(columns=[MET, NOT_MET, UNDECIDED], fill_value=0)
    first = long.drop_duplicates("criterion").set_index("criterion")[["kind", "text", "decided_by"]]
    out = first.join(counts)
    order = [r.criterion_id for r in rules_for(nct_id)]
    return out.reindex(order)


def trial_summary(study: Study, nct_ids: list[str] | tuple[str, ...]) -> pd.DataFrame:
    """Per trial: number of subjects eligible, not eligible, cannot be decided."""
    rows = {}
    for nct in nct_ids:
        v = eligibility(study, nct)["verdict"].value_counts()
        rows[nct] = {k: int(v.get(k, 0)) for k in (ELIGIBLE, NOT_ELIGIBLE, UNDECIDED)}
    out = pd.DataFrame.from_dict(rows, orient="index")
    out.index.name = "trial"
    return out


def trials_with_rules(registry_dir=None) -> list[str]:
    """The NCT ids of the registry records (:func:`ruxlib.registry.load_all`) that have rules here."""
    ruled = {nct for nct, _ in RULES}
    return [nct for nct in registry.load_all(registry_dir) if nct in ruled]


def _over(study: Study, paramcd: str, threshold: float) -> tuple[int | None, int | None]:
    """Baseline ``paramcd`` values in advs above ``threshold``, and how many there are."""
    if study.advs is None:
        return None, None
    aval = baseline(study.advs).loc[lambda f: f["PARAMCD"].eq(paramcd), "AVAL"].dropna()
    return int((aval > threshold).sum()), len(aval)


def page_values(study: Study, registry_dir=None) -> dict[str, object]:
    """Every number the eligibility page quotes.

    Parameters
    ----------
    study : Study
    registry_dir : path, optional
        Folder of the registry records (default ``data/registry``).

    Returns
    -------
    dict
        ``eligibility-*`` names → values: the number of subjects, trials and rules; per trial
        (``eligibility-<nct>-eligible``, ``-not``, ``-undecided``) the subjects of each verdict;
        the baseline respiratory rates and PaO2/FiO2 ratios above the paper's NIV thresholds
        (``None`` without advs.csv).
    """
    trials = trials_with_rules(registry_dir)
    out: dict[str, object] = {"eligibility-n": study.n, "eligibility-n-trials": len(trials),
                              "eligibility-n-rules": sum(len(rules_for(n)) for n in trials)}
    summary = trial_summary(study, trials)
    for nct in trials:
        for col, name in ((ELIGIBLE, "eligible"), (NOT_ELIGIBLE, "not"), (UNDECIDED, "undecided")):
            out[f"eligibility-{nct.lower()}-{name}"] = int(summary.loc[nct, col])
    t = THRESHOLDS["NCT04359290"]
    out["eligibility-resp-over"], out["eligibility-resp-n"] = _over(study, "RESP", t["niv_resp_rate_above"])
    out["eligibility-pf-over"], out["eligibility-pf-n"] = _over(study, "PFRATIO", t["pf_max"])
    return out


LISTING_MAX = 60
"""Above this many subjects the patient-by-patient matrix is shown as :func:`verdict_patterns`."""


def verdict_patterns(matrix: pd.DataFrame, verdict: pd.Series) -> pd.DataFrame:
    """The distinct rows of a criteria matrix with how many subjects share each, most frequent first.

    The summary view of :func:`criteria_matrix` for large trials: one row per combination of
    criterion results (and verdict), with ``subjects``.

    Examples
    --------
    >>> m = pd.DataFrame({"INC1": ["met", "met", "not met"]}, index=["a", "b", "c"])
    >>> verdict_patterns(m, pd.Series(["eligible", "eligible", "not eligible"], index=m.index)).to_dict("records")
    [{'INC1': 'met', 'verdict': 'eligible', 'subjects': 2}, {'INC1': 'not met', 'verdict': 'not eligible', 'subjects': 1}]
    """
    table = matrix.assign(verdict=verdict.reindex(matrix.index))
    cols = list(table.columns)
    counts = table.fillna("—").groupby(cols, sort=False).size().rename("subjects").reset_index()
    return counts.sort_values("subjects", ascending=False, kind="stable").reset_index(drop=True)
