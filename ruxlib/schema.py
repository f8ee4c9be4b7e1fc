"""The study-folder contract, written once as data.

This table is the single source for validation (:mod:`ruxlib.io` builds pandera
schemas from it) and for the data appendix of the book (which renders it).
File and column names follow CDISC ADaM conventions.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Column:
    """One column of a study-folder file."""

    name: str
    kind: str  # "str", "float", "int"
    description: str
    required: bool = False
    unit: str = ""
    allowed: tuple[str, ...] | None = None  # for str columns
    min: float | None = None
    max: float | None = None
    nullable: bool = True  # may cells be empty (only for optional columns)
    plausible: tuple[float, float] | None = None  # outside: a named warning, not an error


@dataclass(frozen=True)
class FileSpec:
    """One file of a study folder."""

    name: str
    one_row_per: str
    description: str
    columns: tuple[Column, ...]
    required: bool = False
    unique: tuple[str, ...] = ()  # key columns, no duplicate rows allowed
    allow_empty: bool = True  # may the file have a header and no rows
    rules: tuple[str, ...] = field(default_factory=tuple)  # extra rules, in words
    one_of: tuple[str, ...] = ()  # at least one of these columns is required (the first present is used)
    pages: str = ""  # what the file enables in the book, in words

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


USUBJID = Column("USUBJID", "str", "Unique subject identifier", required=True, nullable=False)
YN = ("Y", "N")

ELIGIBILITY_FLAGS = {
    "COVCONFL": "SARS-CoV-2 infection confirmed by a nucleic-acid (PCR) test",
    "HOSPFL": "hospitalized at entry",
    "DYSPNFL": "dyspnoea or increased work of breathing at entry",
    "CTPNEUFL": "chest imaging (CT) shows COVID-19 pneumonia / typical infiltrates",
    "NIVFFL": "intubated after failure of non-invasive ventilation with respiratory rate > 30 and PaO2/FiO2 < 200 mmHg",
    "CONSFL": "informed consent given (by the patient or a legal representative)",
    "PREGFL": "pregnant or breastfeeding at entry",
    "INFECTFL": "known active HIV, hepatitis B or C, herpes zoster or tuberculosis infection",
}
"""Optional Y/N ``adsl`` flags that decide eligibility criteria no other column can."""

FILES: tuple[FileSpec, ...] = (
    FileSpec(
        "adsl.csv",
        "subject",
        "Subject-level analysis dataset: demographics, baseline, treatment summary, status at day 28.",
        (
            USUBJID,
            Column("AGE", "float", "Age at first dose", required=True, unit="years", min=0, max=130, nullable=False),
            Column("SEX", "str", "Sex", required=True, allowed=("F", "M"), nullable=False),
            Column("ITTFL", "str", "Intention-to-treat population flag (default Y)", allowed=YN),
            Column("WEIGHTBL", "float", "Weight at baseline", unit="kg", min=1, max=500, plausible=(30, 300)),
            Column("HEIGHTBL", "float", "Height at baseline", unit="cm", min=50, max=272, plausible=(100, 250)),
            Column("BMIBL", "float", "Body-mass index at baseline (derived from weight and height when absent)", unit="kg/m²", min=5, max=150, plausible=(12, 80)),
            Column("TRTDURD", "float", "Duration of treatment: days from first to last dose, both counted", unit="days", min=0),
            Column("EOTREAS", "str", "Why treatment ended: COMPLETED, DEATH, ADVERSE EVENT, DISCHARGED FROM ICU, TRANSFERRED, …"),
            Column("VENTPRED", "float", "Days on invasive ventilation before the first dose", unit="days", min=0),
            Column("D28STAT", "str", "Status at day 28: DEAD, ICU VENTILATED, ICU, ACUTE CARE, DISCHARGED, …"),
            Column("LNRBL", "float", "Baseline lymphocyte/neutrophil ratio (derived from adlb.csv LYMPH/NEUT when absent)", unit="ratio", min=0),
            Column("LNREXCL", "str", "Why the subject is excluded from the LNR analysis (e.g. LEUKEMIA); empty if included"),
            Column("TRT01P", "str", "Planned treatment (arm); with two or more arms the pages show them (parameter arm)"),
            Column("ARM", "str", "Planned arm (SDTM); used instead of TRT01P with -p arm ARM"),
            *(Column(name, "str", f"Eligibility flag: {text}", allowed=YN) for name, text in ELIGIBILITY_FLAGS.items()),
        ),
        required=True,
        unique=("USUBJID",),
        allow_empty=False,
        pages="every page (population, Table 1, time to start)",
    ),
    FileSpec(
        "adtte.csv",
        "subject × parameter",
        "Time-to-event analysis dataset (OS: overall survival from the first dose).",
        (
            USUBJID,
            Column("PARAMCD", "str", "Parameter code, e.g. OS", required=True, nullable=False),
            Column("PARAM", "str", "Parameter label"),
            Column("AVAL", "float", "Time from first dose to event or censoring", required=True, unit="days", min=0, nullable=False),
            Column("CNSR", "int", "Censoring (ADaM): 0 = event, 1 = censored", required=True, allowed=("0", "1"), nullable=False),
        ),
        unique=("USUBJID", "PARAMCD"),
        pages="Fig. 1 survival, Fig. 4 log-rank, outcomes, context",
    ),
    FileSpec(
        "adlb.csv",
        "subject × parameter × visit",
        "Laboratory analysis dataset (CRP, IL6, FERRITIN, LYMPH, NEUT, …).",
        (
            USUBJID,
            Column("PARAMCD", "str", "Parameter code: CRP, IL6, FERRITIN, LYMPH, NEUT, DDIMER, …", required=True, nullable=False),
            Column("PARAM", "str", "Parameter label"),
            Column("AVISITN", "float", "Nominal study day of the visit (0 = baseline)", required=True, unit="study day", nullable=False),
            Column("AVAL", "float", "Analysis value", required=True, min=0, nullable=False),
            Column("AVALU", "str", "Unit of AVAL"),
            Column("ANRHI", "float", "Upper limit of the laboratory's reference range (same unit as AVAL)"),
            Column("ABLFL", "str", "Y on the baseline record (else AVISITN == 0 is baseline)", allowed=("Y",)),
            Column("ADY", "float", "Actual study day of the sample", unit="study day"),
        ),
        unique=("USUBJID", "PARAMCD", "AVISITN"),
        rules=("at most one baseline record (ABLFL = Y, or AVISITN = 0) per subject and PARAMCD",),
        pages="Fig. 3 biomarkers, Fig. 4 LNR, eligibility",
    ),
    FileSpec(
        "adae.csv",
        "adverse event",
        "Adverse events, coded to MedDRA preferred terms and graded by CTCAE.",
        (
            USUBJID,
            Column("AEDECOD", "str", "MedDRA preferred term", required=True, nullable=False),
            Column("AEBODSYS", "str", "MedDRA system organ class"),
            Column("ATOXGR", "int", "CTCAE grade", allowed=("1", "2", "3", "4", "5"), nullable=False),
            Column("AESEV", "str", "Severity, used when ATOXGR is absent (SEVERE counts as grade ≥ 3)",
                   allowed=("MILD", "MODERATE", "SEVERE"), nullable=False),
            Column("AESER", "str", "Serious adverse event", allowed=YN),
            Column("AEREL", "str", "Causality: relationship to the study drug (e.g. RELATED, POSSIBLE, NOT RELATED)"),
            Column("ASTDY", "float", "Study day of onset", unit="study day"),
        ),
        rules=("ATOXGR or AESEV is required; ATOXGR is used when both are present",),
        one_of=("ATOXGR", "AESEV"),
        pages="Table 2 adverse events",
    ),
    FileSpec(
        "advs.csv",
        "subject × parameter × visit",
        "Vital signs (BDS layout): HR, RESP, PFRATIO, SYSBP, DIABP, TEMP at baseline.",
        (
            USUBJID,
            Column("PARAMCD", "str", "Parameter code: HR, RESP, PFRATIO, SYSBP, DIABP, TEMP, …", required=True, nullable=False),
            Column("PARAM", "str", "Parameter label with unit"),
            Column("AVAL", "float", "Analysis value", required=True, min=0, nullable=False),
            Column("AVALU", "str", "Unit of AVAL"),
            Column("AVISITN", "float", "Nominal study day (0 = baseline)", unit="study day"),
            Column("ABLFL", "str", "Y on the baseline record", allowed=("Y",)),
        ),
        rules=("at most one baseline record (ABLFL = Y, or AVISITN = 0) per subject and PARAMCD",),
        pages="Table 1 vital signs, eligibility",
    ),
    FileSpec(
        "admh.csv",
        "risk factor (medical-history entry)",
        "Risk factors and medical history: one row per risk factor, grouped into the categories of Table 1.",
        (
            USUBJID,
            Column("MHCAT", "str", "Risk-factor category as tabulated (e.g. Diabetes)", required=True, nullable=False),
            Column("MHTERM", "str", "Reported term"),
        ),
        pages="Table 1 risk factors",
    ),
    FileSpec(
        "adex.csv",
        "planned administration",
        "Exposure: one row per planned administration, with the dose actually given (0 if missed).",
        (
            USUBJID,
            Column("ADY", "float", "Study day of the administration (0 = first dose; 0.5 = evening of day 0)", required=True, unit="study day", min=0, nullable=False),
            Column("EXDOSE", "float", "Dose given", required=True, unit="mg", min=0, nullable=False),
            Column("EXPLDOS", "float", "Dose planned by the protocol", required=True, unit="mg", min=0, nullable=False),
            Column("EXADJ", "str", "Reason the dose given differs from the plan"),
        ),
        unique=("USUBJID", "ADY"),
        pages="exposure and dosing",
    ),
    FileSpec(
        "adicu.csv",
        "episode",
        "ICU course: episodes of ICU stay (ICU), invasive mechanical ventilation (IMV) and ECMO.",
        (
            USUBJID,
            Column("PARAMCD", "str", "Episode type", required=True, allowed=("ICU", "IMV", "ECMO"), nullable=False),
            Column("ASTDY", "float", "Study day the episode started (negative = before the first dose)", required=True, unit="study day", nullable=False),
            Column("AENDY", "float", "Study day the episode ended", required=True, unit="study day", nullable=False),
        ),
        rules=("AENDY ≥ ASTDY", "episodes of one type and subject do not overlap"),
        pages="Fig. 2 ICU course, outcomes, eligibility",
    ),
)

SPECS: dict[str, FileSpec] = {f.name: f for f in FILES}

GENERAL_RULES = (
    "every file is a regular file (not a folder, FIFO, device or dangling link), named in lower case "
    "as listed (`NAME.csv`, or `NAME.xpt`: SAS transport, the FDA submission format)",
    "numbers are finite and at most 10^12 in size; -9, -99, -999 and -9999 are read as missing-value "
    "codes (an error) except in study-day columns",
    "PARAMCD values are upper case (ADaM)",
    "at least one subject has ITTFL = Y",
    "subjects without a record in adtte.csv for a parameter are named in a warning",
)
"""Rules that hold for every file, in words (the data appendix lists them)."""

META_KEYS: dict[str, tuple[type | tuple[type, ...], str]] = {
    "title": (str, "Title of the trial or data set; the book's title"),
    "drug": (str, "Study drug, as the pages name it (default: 'the study drug'; ruxolitinib on this paper's reconstruction)"),
    "population": (str, "Population studied, as the pages name it"),
    "source": (str, "Publication or registry record the data come from"),
    "description": (str, "One paragraph about the data set"),
    "reconstructed": (bool, "true when the rows are a reconstruction from published numbers, not a trial's records"),
    "screened": (int, "Number of patients screened (trial flow)"),
    "horizon_days": ((int, float), "Day of the primary endpoint (default horizon of the day-H analyses)"),
    "followup_days": ((int, float), "Planned follow-up in days"),
    "seed": (int, "Seed of a reconstruction"),
    "variant": (int, "Variant of a reconstruction"),
}
"""Keys of ``study.yml`` with their type and meaning. Unknown keys are ignored with a warning."""


def rule_text(col: Column) -> str:
    """The validation rules of one column, in words (as the appendix shows them)."""
    rules = []
    if col.kind in ("float", "int"):
        rules.append("whole number" if col.kind == "int" else "number")
    if col.allowed is not None:
        rules.append("one of " + ", ".join(col.allowed))
    if col.min is not None:
        rules.append(f"≥ {col.min:g}")
    if col.max is not None:
        rules.append(f"≤ {col.max:g}")
    if not col.nullable:
        rules.append("not empty")
    return "; ".join(rules)


def template(spec: FileSpec) -> str:
    """The header row of a file: required columns first, then the optional ones.

    >>> template(SPECS["adtte.csv"])
    'USUBJID,PARAMCD,AVAL,CNSR,PARAM'
    """
    cols = [c.name for c in spec.columns if c.required] + [c.name for c in spec.columns if not c.required]
    return ",".join(cols)


def contract_table(spec: FileSpec):
    """One row per column of ``spec``: name, type, required, rule, unit, description."""
    import pandas as pd

    kinds = {"str": "text", "float": "number", "int": "integer"}
    return pd.DataFrame(
        [
            {
                "column": c.name,
                "type": kinds[c.kind],
                "required": "yes" if c.required else (" or ".join(spec.one_of) if c.name in spec.one_of else ""),
                "rule": rule_text(c),
                "unit": c.unit,
                "description": c.description,
            }
            for c in spec.columns
        ]
    )


def ady_to_study_day(ady):
    """Convert ADaM ADY (day 1 = first dose, no day 0) to this contract's study day (first dose = 0).

    >>> ady_to_study_day(1), ady_to_study_day(29), ady_to_study_day(-1)
    (0.0, 28.0, -1.0)
    """
    import numpy as np

    ady = np.asarray(ady, dtype=float)
    out = np.where(ady >= 1, ady - 1, ady)
    if np.any(ady == 0):
        raise ValueError("ADY has no day 0; a 0 in ADY is a data error")
    return out.item() if out.ndim == 0 else out
