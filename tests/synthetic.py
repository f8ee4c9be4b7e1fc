"""A synthetic trial unlike the shipped one, to show the book is not tied to its data.

Different size, identifiers, visit days, AE terms and follow-up; no study.yml; an LNR
from adlb LYMPH/NEUT instead of adsl. Values are random but the structure follows the
data contract exactly.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd


def make_trial(folder: Path, n: int = 40, seed: int = 7) -> Path:
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    ids = [f"XT-{100 + i}" for i in range(n)]
    dead = rng.random(n) < 0.3
    death_day = np.where(dead, rng.integers(2, 60, n), np.nan)
    adsl = pd.DataFrame({
        "USUBJID": ids,
        "AGE": rng.integers(25, 85, n),
        "SEX": rng.choice(["F", "M"], n),
        "WEIGHTBL": rng.normal(82, 15, n).round(1),
        "HEIGHTBL": rng.normal(172, 9, n).round(0),
        "TRTDURD": np.where(dead, np.minimum(death_day, 14), 14),
        "EOTREAS": np.where(dead, "DEATH", rng.choice(["COMPLETED", "ADVERSE EVENT"], n, p=[0.8, 0.2])),
        "VENTPRED": rng.integers(0, 6, n) + rng.choice([0, 0.5], n),
        "D28STAT": np.where(dead & (death_day <= 28), "DEAD", rng.choice(["ACUTE CARE", "ICU VENTILATED", "DISCHARGED"], n)),
    })
    adsl.to_csv(folder / "adsl.csv", index=False)
    follow = rng.integers(20, 120, n)
    pd.DataFrame({
        "USUBJID": ids, "PARAMCD": "OS", "PARAM": "Overall survival",
        "AVAL": np.where(dead, death_day, follow), "CNSR": np.where(dead, 0, 1),
    }).to_csv(folder / "adtte.csv", index=False)
    rows = []
    for u in ids:
        for visit in (0, 5, 10):
            for code, mu in (("CRP", 4.5), ("IL6", 3.5), ("FERRITIN", 7), ("DDIMER", 0.5)):
                if visit and rng.random() < 0.15:
                    continue
                rows.append((u, code, visit, round(float(np.exp(rng.normal(mu - 0.05 * visit, 0.6))), 2)))
        rows.append((u, "LYMPH", 0, round(float(rng.uniform(0.3, 2.0)), 2)))
        rows.append((u, "NEUT", 0, round(float(rng.uniform(3, 15)), 2)))
    pd.DataFrame(rows, columns=["USUBJID", "PARAMCD", "AVISITN", "AVAL"]).to_csv(folder / "adlb.csv", index=False)
    terms = ["Hypokalaemia", "Thrombocytopenia", "Acute kidney injury", "Delirium", "Sepsis"]
    ae = [(u, t, int(rng.integers(1, 5))) for u in ids for t in terms if rng.random() < 0.2]
    pd.DataFrame(ae, columns=["USUBJID", "AEDECOD", "ATOXGR"]).to_csv(folder / "adae.csv", index=False)
    vs = [(u, code, round(float(rng.normal(mu, sd)), 1), "Y", 0)
          for u in ids for code, mu, sd in (("HR", 90, 15), ("PFRATIO", 150, 50), ("TEMP", 37.5, 0.8))]
    pd.DataFrame(vs, columns=["USUBJID", "PARAMCD", "AVAL", "ABLFL", "AVISITN"]).to_csv(folder / "advs.csv", index=False)
    mh = [(u, c) for u in ids for c in ("Diabetes", "Hypertension", "Obesity") if rng.random() < 0.3]
    pd.DataFrame(mh, columns=["USUBJID", "MHCAT"]).to_csv(folder / "admh.csv", index=False)
    ex = [(u, d / 2, 10.0 if rng.random() > 0.05 else 0.0, 10.0)
          for u, days in zip(ids, adsl["TRTDURD"], strict=True) for d in range(int(days) * 2)]
    pd.DataFrame(ex, columns=["USUBJID", "ADY", "EXDOSE", "EXPLDOS"]).to_csv(folder / "adex.csv", index=False)
    icu = []
    for u, dd in zip(ids, death_day, strict=True):
        end = float(dd) if not np.isnan(dd) else float(rng.integers(5, 40))
        icu.append((u, "ICU", -float(rng.integers(0, 4)), end))
        icu.append((u, "IMV", -float(rng.integers(0, 3)), max(0.0, end - float(rng.integers(0, 5)))))
    pd.DataFrame(icu, columns=["USUBJID", "PARAMCD", "ASTDY", "AENDY"]).to_csv(folder / "adicu.csv", index=False)
    return folder
