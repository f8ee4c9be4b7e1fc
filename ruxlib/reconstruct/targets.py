"""The reconstruction's targets, read from the claims ledger, and its precision assumptions.

Every number the paper prints comes from ``data/published/claims.csv``
(:func:`ruxlib.claims.load_claims`) through :func:`paper`; this module keeps only what
the paper does not print: the recording precision and plausible range of a value,
and which ledger rows a model reads.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from functools import cache

from ..claims import default_path, load_claims
from ..printed import Printed


@cache
def _ledger() -> dict[str, Printed]:
    claims = load_claims()
    return {r.id: Printed.parse(r.reported, int(r.decimals)) for r in claims.itertuples()}


def paper(cid: str) -> Printed:
    """The printed number of ledger row ``cid``.

    Raises
    ------
    KeyError
        When the ledger has no row ``cid``.
    """
    try:
        return _ledger()[cid]
    except KeyError:
        raise KeyError(f"the reconstruction needs claim {cid}, which {default_path()} does not have") from None


def count(cid: str) -> int:
    """A printed count (``"Three"``, ``"13"``) as an int."""
    value = paper(cid).value
    if value.denominator != 1:
        raise ValueError(f"claim {cid} is not a count: {paper(cid).text}")
    return int(value)


def within(printed: Printed, x: Fraction) -> bool:
    """Whether the exact ``x`` prints as ``printed`` (interval with its closed endpoints)."""
    (lo, hi), (lo_in, hi_in) = printed.interval(), printed.closed()
    return (lo < x or (lo_in and lo == x)) and (x < hi or (hi_in and x == hi))


N = count("txt.itt.n")
HORIZON = count("abs.os28.day")
FOLLOWUP = count("ctx.design.secondary_day")
DEATHS = N - count("txt.os28.alive")  # deaths by day 28


@dataclass(frozen=True)
class Var:
    """A Table 1 continuous variable: the precision and plausible range of its values.

    Attributes
    ----------
    key : str
        Ledger name: the claims are ``t1.<key>.<stat>``.
    scale : int
        Values are integers / scale (assumption A-PREC).
    lo, hi : int
        Plausible bounds of a single value (unscaled units).
    median_claim : str
        The ledger row of the median when it is printed more precisely elsewhere.
    """

    key: str
    scale: int
    lo: int
    hi: int
    paramcd: str | None = None
    unit: str = ""
    median_claim: str = ""

    def stat(self, name: str) -> Printed:
        """The printed ``mean``, ``sd``, ``median``, ``min`` or ``max``."""
        if name == "median" and self.median_claim:
            return paper(self.median_claim)
        return paper(f"t1.{self.key}.{name}")


TABLE1: dict[str, Var] = {
    v.key: v
    for v in (
        Var("age", 1, 18, 100),
        Var("weight", 1, 40, 160),
        Var("height", 1, 145, 205),
        Var("bmi", 10, 15, 60, median_claim="txt.bmi.median"),  # 28 in Table 1, 28.0 in the Results text
        Var("hr", 1, 30, 200, "HR", "beats/min"),
        Var("resp", 1, 5, 60, "RESP", "breaths/min"),
        Var("pfratio", 1, 20, 700, "PFRATIO", "mmHg"),
        Var("sysbp", 1, 60, 220, "SYSBP", "mmHg"),
        Var("diabp", 1, 20, 140, "DIABP", "mmHg"),
        Var("temp", 10, 33, 42, "TEMP", "C"),
    )
}

RISK_FACTORS = {  # Table 1 category -> (ledger name t1.rf.<name>, terms to draw from; A-MH)
    "Chronic liver disease": ("liver", ["Liver cirrhosis", "Chronic hepatitis"]),
    "Chronic lung disease": ("lung", ["COPD", "Asthma"]),
    "Chronic nervous system disorder": ("nervous", ["Parkinson's disease", "Epilepsy", "Dementia"]),
    "DNR status": ("dnr", ["Do-not-resuscitate order"]),
    "Diabetes": ("diabetes", ["Type 2 diabetes mellitus"]),
    "Disorder of cardiovascular system": (
        "cardiovascular",
        ["Hypertension", "Coronary artery disease", "Atrial fibrillation", "Heart failure", "Hyperlipidaemia"],
    ),
    "Malignant neoplastic disease": ("malignancy", ["Chronic lymphocytic leukaemia", "Prostate cancer"]),
    "Respiratory therapy (before trial)": ("resp_therapy", ["Non-invasive ventilation before intubation"]),
    "Rheumatological/Immunological disease": (
        "rheum_immuno",
        ["Rheumatoid arthritis", "Psoriasis", "Hypothyroidism (autoimmune)", "Sarcoidosis"],
    ),
    "Smoking status (smoker/former smoker)": ("smoking", ["Current or former smoker"]),
    "Thromboembolic event": ("thromboembolic", ["Pulmonary embolism", "Deep vein thrombosis", "Stroke"]),
}

TABLE2 = {  # preferred term -> ledger name t2.<name> (grade 3 events)
    "Dialysis": "dialysis",
    "Aspartate aminotransferase increased": "ast_increased",
    "Activated partial thromboplastin time prolonged": "aptt_prolonged",
    "Alanine aminotransferase increased": "alt_increased",
    "Anaemia": "anaemia",
    "Blood bilirubin increased": "bilirubin_increased",
    "Face oedema": "face_oedema",
    "Facial nerve disorder": "facial_nerve_disorder",
    "Haematoma evacuation": "haematoma_evacuation",
    "Haemothorax": "haemothorax",
    "Hepatic enzyme increased": "hepatic_enzyme_increased",
    "Leg amputation": "leg_amputation",
    "Leukocytosis": "leukocytosis",
    "Plasma protein metabolism disorder": "plasma_protein_disorder",
    "Pneumonia": "pneumonia",
    "Pulmonary haemorrhage": "pulmonary_haemorrhage",
    "Sepsis": "sepsis",
    "Serum ferritin increased": "ferritin_increased",
    "Thrombin time prolonged": "thrombin_time_prolonged",
    "Troponin I increased": "troponin_i_increased",
}


def risk_factor_counts(category: str) -> tuple[int, int]:
    """Patients and risk factors of a Table 1 category."""
    name = RISK_FACTORS[category][0]
    return count(f"t1.rf.{name}.pts"), count(f"t1.rf.{name}.n")


def ae_patients() -> dict[str, int]:
    """Table 2: patients per preferred term, in the table's order."""
    return {term: count(f"t2.{name}.n") for term, name in TABLE2.items()}


def eot_counts() -> dict[str, int]:
    """Reasons for the end of treatment; the rest completed the 28 days."""
    stopped = {
        "DISCHARGED FROM ICU": count("txt.eot.discharged"),
        "TRANSFERRED": count("txt.eot.transferred"),
        "DEATH": count("txt.eot.death"),
        "ADVERSE EVENT": count("txt.eot.ae"),
    }
    return {"COMPLETED": N - sum(stopped.values())} | stopped


EOT = list(eot_counts())
D28 = ["DEAD", "ICU VENTILATED", "ICU", "ACUTE CARE", "DISCHARGED"]
