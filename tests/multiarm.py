"""A synthetic three-arm trial delivered as real ADaM data arrive: SAS transport files.

Unlike the shipped study folder: 330 subjects in three planned arms (``TRT01P``), the
time-to-event endpoint ``TTDE`` (time to deterioration) and no ``OS``, adverse-event severity
``AESEV`` instead of a CTCAE grade, integers stored as floats (``AGE`` 63.0, ``CNSR`` 1.0), extra
columns the contract does not name, and every file written with ``pyreadstat.write_xport``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

ARMS = {"Placebo": 0.045, "Drug 10 mg": 0.03, "Drug 20 mg": 0.02}
"""Arm → daily hazard of the endpoint (exponential times, so the arms truly differ)."""


def _write(frame: pd.DataFrame, folder: Path, name: str) -> None:
    import pyreadstat

    pyreadstat.write_xport(frame, str(folder / f"{name}.xpt"), table_name=name.upper())


def make_multiarm_trial(folder: Path, n: int = 330, seed: int = 11) -> Path:
    """Write the trial into ``folder`` (created) and return it."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    ids = [f"MA-{1000 + i}" for i in range(n)]
    arm = np.array(list(ARMS))[np.arange(n) % len(ARMS)]
    hazard = np.array([ARMS[a] for a in arm])
    event_day = np.ceil(rng.exponential(1 / hazard))
    follow = rng.integers(20, 90, n).astype(float)
    event = event_day <= follow
    duration = rng.integers(3, 15, n).astype(float)
    adsl = pd.DataFrame({
        "STUDYID": "MA-301", "USUBJID": ids, "TRT01P": arm, "ARM": arm,
        "AGE": rng.integers(30, 85, n).astype(float), "SEX": rng.choice(["F", "M"], n),
        "WEIGHTBL": rng.normal(80, 14, n).round(1), "HEIGHTBL": rng.normal(171, 9, n).round(0),
        "TRTDURD": duration, "EOTREAS": rng.choice(["COMPLETED", "ADVERSE EVENT"], n, p=[0.85, 0.15]),
        "ITTFL": "Y", "SAFFL": "Y",
    })
    _write(adsl, folder, "adsl")
    _write(pd.DataFrame({
        "USUBJID": ids, "PARAMCD": "TTDE", "PARAM": "Time to clinical deterioration",
        "AVAL": np.where(event, event_day, follow), "CNSR": np.where(event, 0.0, 1.0), "ADT": 22000.0,
    }), folder, "adtte")
    lab = [(u, code, float(visit), round(float(np.exp(rng.normal(mu - 0.04 * visit, 0.6))), 2))
           for u in ids for visit in (0, 7, 14) for code, mu in (("CRP", 4.0), ("IL6", 3.0), ("FERRITIN", 6.5))
           if visit == 0 or rng.random() > 0.1]
    lab += [(u, code, 0.0, round(float(rng.uniform(lo, hi)), 2)) for u in ids for code, lo, hi in
            (("LYMPH", 0.3, 2.0), ("NEUT", 3.0, 12.0))]
    _write(pd.DataFrame(lab, columns=["USUBJID", "PARAMCD", "AVISITN", "AVAL"]), folder, "adlb")
    terms = ["Headache", "Nausea", "Anaemia", "Pneumonia", "Hypertension"]
    ae = [(u, t, rng.choice(["MILD", "MODERATE", "SEVERE"], p=[0.5, 0.3, 0.2]), float(rng.integers(1, 20)))
          for u in ids for t in terms if rng.random() < 0.15]
    _write(pd.DataFrame(ae, columns=["USUBJID", "AEDECOD", "AESEV", "ASTDY"]), folder, "adae")
    vs = [(u, code, round(float(rng.normal(mu, sd)), 1), "Y", 0.0)
          for u in ids for code, mu, sd in (("HR", 85, 12), ("SYSBP", 125, 15))]
    _write(pd.DataFrame(vs, columns=["USUBJID", "PARAMCD", "AVAL", "ABLFL", "AVISITN"]), folder, "advs")
    mh = [(u, c) for u in ids for c in ("Diabetes", "Hypertension") if rng.random() < 0.3]
    _write(pd.DataFrame(mh, columns=["USUBJID", "MHCAT"]), folder, "admh")
    ex = [(u, float(d), 10.0 if rng.random() > 0.05 else 0.0, 10.0)
          for u, days in zip(ids, duration, strict=True) for d in range(int(days))]
    _write(pd.DataFrame(ex, columns=["USUBJID", "ADY", "EXDOSE", "EXPLDOS"]), folder, "adex")
    return folder
