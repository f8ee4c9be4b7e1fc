"""The ADaM layout: from solved values to the study folder's CSV files and study.yml.

Values the paper does not constrain (biomarker levels, AE onset days, which patient has
which risk factor) are drawn from the seed under the constraints the paper states
(assumptions A-MH, A-AE, A-LB, A-OS, A-LNR).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from ..baseline import VITAL_LABELS
from .cpsat import stable_seed
from .targets import (
    FOLLOWUP,
    HORIZON,
    RISK_FACTORS,
    TABLE1,
    N,
    ae_patients,
    count,
    paper,
    risk_factor_counts,
)


@dataclass
class Solution:
    """Solved values of every block, per patient (index 0..15 of the course model)."""

    course: dict
    doses: list  # per patient: list of (ADY, EXDOSE, EXPLDOS, EXADJ)
    anthro: pd.DataFrame
    t1: dict  # key -> sorted scaled values
    os: list  # (AVAL, CNSR)
    lnr: list  # LNRBL (nan when missing / excluded too)
    relaxed: list
    found: list
    timings: dict = field(default_factory=dict)



def ventpred(d28: list[str], bad: list[int], good: list[int], seed: int) -> list[int]:
    """Hand the solved VENTPRED samples (half days) to the patients of each group (seeded);
    patients in neither group get seeded values in the same range (unconstrained)."""
    rng = np.random.default_rng([seed, stable_seed("ventpred")])
    bad = [int(x) for x in rng.permutation(bad)]
    good = [int(x) for x in rng.permutation(good)]
    out = []
    for s in d28:
        if s in ("DEAD", "ICU VENTILATED"):
            out.append(bad.pop())
        elif s == "ACUTE CARE":
            out.append(good.pop())
        else:
            out.append(int(rng.integers(0, 11)))
    return out


LATE_GAP = (3, 10)  # days between consecutive events after day 28 (A-OS), upper end excluded


def fits_followup(pattern: dict) -> bool:
    """Whether every later event of a log-rank ``pattern`` fits into the follow-up at the widest gaps."""
    events = sum(cl + ch + 1 for cl, ch, _ in pattern["late"])
    return HORIZON + events * (LATE_GAP[1] - 1) < FOLLOWUP


def os_times(V: dict, seed: int) -> list[tuple[float, int]]:
    """OS per patient: early deaths at TRTDURD; after day 28 the pattern's events in order
    (censorings then a death, per block) on increasing days; everyone else censored at the
    end of the 90-day follow-up (A-OS)."""
    rng = np.random.default_rng([seed, stable_seed("os")])
    os_ = [(float(V["T"][i]), 0) if V["dead"][i] else (float(FOLLOWUP), 1) for i in range(N)]
    day = HORIZON
    for blk in V["late"]:
        for kind, _, i in blk:
            day += int(rng.integers(*LATE_GAP))
            os_[i] = (float(day), 0 if kind == "D" else 1)
    if day >= FOLLOWUP:
        raise RuntimeError("late events do not fit into the follow-up")
    return os_


def lnr_values(V: dict, seed: int) -> list[float]:
    """Baseline LNR (3 decimals, unpublished values) honouring the groups: the three
    day-28 deaths lowest (strictly), the low group below the median, the high group at or
    above it, median of the 14 evaluable in [0.065, 0.075]; ties at the median when the
    pattern's low group has fewer than 7 patients. Leukaemia patient: high LNR, excluded.
    """
    rng = np.random.default_rng([seed, stable_seed("lnr")])
    L = V["pattern"]["L"]
    dead = [i for i in range(N) if V["dead"][i]]
    low_alive = [i for i in range(N) if V["member"][i] and not V["high"][i] and not V["dead"][i]]
    high = [i for i in range(N) if V["high"][i]]
    med = int(paper("txt.lnr.median").value * 1000)  # thousandths: the threshold "at least 0.07" is the median
    gap = 0 if L < 7 else int(rng.integers(1, 4))
    x7, x8 = med - gap, med + gap  # the 7th and 8th of the 14 sorted values
    out = [float("nan")] * N
    pool = np.arange(x7 - 35, x7) if L == 7 else np.arange(med - 35, med)
    lows = sorted(int(x) for x in rng.choice(pool, len(low_alive) + len(dead) - (L == 7), replace=False))
    if L == 7:
        lows = lows + [x7]
    # the deaths take the three lowest values, strictly below every survivor
    for i, x in zip(dead + [int(j) for j in rng.permutation(low_alive)], lows, strict=True):
        out[i] = x / 1000
    n_at = 1 if L == 7 else 8 - L  # values equal to x8 (ties at the median when L < 7)
    above = sorted(int(x) for x in rng.choice(np.arange(x8 + 1, x8 + 400), len(high) - n_at, replace=False))
    for i, x in zip([int(j) for j in rng.permutation(high)], [x8] * n_at + above, strict=True):
        out[i] = x / 1000
    leuk = V["leuk"].index(True)
    out[leuk] = round(float(rng.uniform(1.5, 4.0)), 3)
    return out


def _fmt(x) -> str:
    if isinstance(x, float) and math.isnan(x):
        return ""
    if isinstance(x, float) and x == int(x):
        return str(int(x))
    return str(x)


def frames(sol: Solution, seed: int) -> dict[str, pd.DataFrame]:
    """Turn a solution into the study-folder data frames (sorted, deterministic)."""
    V = sol.course
    rng = np.random.default_rng([seed, stable_seed("frames")])
    ids = [f"RUX-{i + 1:02d}" for i in range(N)]
    # Table 1 values are independent of the course: pair them by seeded permutations
    anthro = sol.anthro.iloc[rng.permutation(N)].reset_index(drop=True)
    t1 = {k: [v[j] for j in rng.permutation(N)] for k, v in sol.t1.items()}
    adsl = pd.DataFrame(
        {
            "USUBJID": ids,
            "AGE": t1["age"],
            "SEX": anthro["SEX"],
            "ITTFL": "Y",
            "WEIGHTBL": anthro["WEIGHTBL"],
            "HEIGHTBL": anthro["HEIGHTBL"],
            "BMIBL": anthro["BMIBL"],
            "TRTDURD": V["T"],
            "EOTREAS": V["eot"],
            "VENTPRED": [w / 2 for w in V["w"]],
            "D28STAT": V["d28"],
            "LNRBL": sol.lnr,
            "LNREXCL": ["LEUKEMIA" if x else "" for x in V["leuk"]],
        }
    )
    adtte = pd.DataFrame(
        {
            "USUBJID": ids,
            "PARAMCD": "OS",
            "PARAM": "Overall survival (days from first dose)",
            "AVAL": [a for a, _ in sol.os],
            "CNSR": [c for _, c in sol.os],
        }
    )
    adex = pd.DataFrame(
        [(ids[i], ady, dose, plan, adj) for i in range(N) for ady, dose, plan, adj in sol.doses[i]],
        columns=["USUBJID", "ADY", "EXDOSE", "EXPLDOS", "EXADJ"],
    )
    adicu = _icu_frame(sol, ids, rng)
    advs = pd.DataFrame(
        [
            (ids[i], TABLE1[k].paramcd, VITAL_LABELS[TABLE1[k].paramcd], t1[k][i] / TABLE1[k].scale, TABLE1[k].unit, 0, "Y")
            for i in range(N)
            for k in ("hr", "resp", "pfratio", "sysbp", "diabp", "temp")
        ],
        columns=["USUBJID", "PARAMCD", "PARAM", "AVAL", "AVALU", "AVISITN", "ABLFL"],
    )
    admh = _mh_frame(sol, ids, adsl, rng)
    adae = _ae_frame(sol, ids, rng)
    adlb = _lb_frame(sol, ids, seed)
    return {
        "adsl": adsl,
        "adtte": adtte,
        "adex": adex,
        "adicu": adicu,
        "advs": advs,
        "admh": admh,
        "adae": adae,
        "adlb": adlb,
    }


def _icu_frame(sol: Solution, ids: list[str], rng: np.random.Generator) -> pd.DataFrame:
    V = sol.course
    rows = []
    for i in range(N):
        vent0 = -V["w"][i] / 2
        icu0 = vent0 - int(rng.integers(0, 3))
        aval, cnsr = sol.os[i]
        alive_end = aval if cnsr == 0 else None
        u, v = V["u"][i], V["v"][i]
        if V["dead"][i]:
            icu1 = imv1 = aval
        else:
            extra = int(rng.integers(3, 15))
            if u < HORIZON:  # left the ICU (or was transferred) within the window
                icu1 = u
            elif alive_end is not None:  # died in the ICU after day 28
                icu1 = alive_end
            else:  # still in the ICU at day 28: leaves later, not after the last contact
                icu1 = min(HORIZON + extra, aval)
            imv1 = v if v < HORIZON else icu1
        rows.append((ids[i], "ICU", icu0, float(icu1)))
        rows.append((ids[i], "IMV", vent0, float(imv1)))
        if V["ecmo28"][i]:
            rows.append((ids[i], "ECMO", vent0, float(imv1)))
        elif V["ecmo10"][i]:
            s0 = float(int(rng.integers(0, max(1, min(v, HORIZON) - 10) + 1)))
            rows.append((ids[i], "ECMO", s0, s0 + 10))
    return pd.DataFrame(rows, columns=["USUBJID", "PARAMCD", "ASTDY", "AENDY"])


def _mh_frame(sol: Solution, ids: list[str], adsl: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Risk factors: Table 1 counts exactly; the leukaemia patient has the malignancy (A-MH)."""
    V = sol.course
    leuk = V["leuk"].index(True)
    oldest = int(np.argmax(adsl["AGE"].to_numpy()))
    rows = []
    for cat, (_, terms) in RISK_FACTORS.items():
        npt, nrf = risk_factor_counts(cat)
        fixed = []
        if cat.startswith("Malignant"):
            fixed = [leuk]
        if cat == "DNR status":
            fixed = [oldest]
        others = [i for i in rng.permutation(N) if i not in fixed]
        pts = fixed + [int(i) for i in others[: npt - len(fixed)]]
        # factors per patient: at least one each, the rest spread round-robin
        per = [1] * npt
        for j in range(nrf - npt):
            per[j % npt] += 1
        for p, k in zip(pts, per, strict=True):
            chosen = terms[:k] if cat != "Malignant neoplastic disease" else [terms[0] if p == leuk else terms[1]]
            if k > len(terms):
                raise ValueError(f"{cat}: more factors than terms")
            if cat not in ("Malignant neoplastic disease",):
                start = int(rng.integers(0, len(terms)))
                chosen = [terms[(start + t) % len(terms)] for t in range(k)]
            for term in chosen:
                rows.append((ids[p], cat, term))
    df = pd.DataFrame(rows, columns=["USUBJID", "MHCAT", "MHTERM"])
    return df.sort_values(["USUBJID", "MHCAT", "MHTERM"], kind="stable").reset_index(drop=True)


def _ae_frame(sol: Solution, ids: list[str], rng: np.random.Generator) -> pd.DataFrame:
    """Table 2 (grade 3): each term in exactly N patients; AE-stopped and AE-interrupted
    patients have at least one; onset during treatment (A-AE)."""
    V = sol.course
    # the events behind the stops and the 8-day interruption: onset on the last dose day,
    # or on the day of the first missed dose
    onset = {}
    for i in range(N):
        if V["eot"][i] == "ADVERSE EVENT":
            onset[i] = float(V["T"][i] - 1)
        elif V["int8"][i]:
            onset[i] = float(math.floor(next(a for a, d, _, _ in sol.doses[i] if d == 0)))
    left = ae_patients()
    assigned: dict[str, list[int]] = {term: [] for term in left}
    terms = list(left)
    for i in onset:
        term = terms[int(rng.integers(0, len(terms)))]
        while len(assigned[term]) >= left[term] or i in assigned[term]:
            term = terms[(terms.index(term) + 1) % len(terms)]
        assigned[term].append(i)
    rows = []
    for term, k in left.items():
        chosen = list(assigned[term])
        pool = [int(i) for i in rng.permutation(N)]
        chosen += [i for i in pool if i not in chosen][: k - len(chosen)]
        for i in chosen:
            day = onset[i] if i in assigned[term] else float(int(rng.integers(0, max(1, V["T"][i] - 1) + 1)))
            rows.append((ids[i], term, 3, "", day))
    df = pd.DataFrame(rows, columns=["USUBJID", "AEDECOD", "ATOXGR", "AESER", "ASTDY"])
    return df.sort_values(["USUBJID", "ASTDY", "AEDECOD"], kind="stable").reset_index(drop=True)


BIOMARKER_VISITS = (0, 3, 7, 14, 21, 28)


def _lb_frame(sol: Solution, ids: list[str], seed: int) -> pd.DataFrame:
    """Biomarkers (unpublished values): seeded log-normal levels; a patient is sampled at a
    visit while on treatment (visit day < TRTDURD, day 28 for completers). Drawn again
    (next sub-seed) until CRP and IL-6 are significantly lower than baseline (two-sided
    WMW, normal approximation, p < 0.05) at one or more later visits and ferritin at none."""
    from scipy.stats import mannwhitneyu

    V = sol.course
    spec = {  # median at baseline, log-SD, log-change per day, unit
        "CRP": (150.0, 0.6, -0.09, "mg/L", "C-reactive protein"),
        "IL6": (120.0, 0.9, -0.08, "pg/mL", "Interleukin-6"),
        "FERRITIN": (1500.0, 0.6, 0.0, "ug/L", "Ferritin"),
    }
    present = [
        [vis == 0 or vis < V["T"][i] or (vis == HORIZON and V["T"][i] == HORIZON) for vis in BIOMARKER_VISITS]
        for i in range(N)
    ]
    for attempt in range(200):
        rng = np.random.default_rng([seed, stable_seed("lb"), attempt])
        rows, ok = [], True
        for code, (med, sd, slope, unit, label) in spec.items():
            base = rng.normal(math.log(med), sd, N)
            vals = {}
            for j, vis in enumerate(BIOMARKER_VISITS):
                x = base + slope * min(vis, 14) + rng.normal(0, 0.35, N) * (vis > 0)
                vals[vis] = [round(float(math.exp(x[i])), 1) for i in range(N) if present[i][j]]
                for i in range(N):
                    if present[i][j]:
                        rows.append((ids[i], code, label, float(vis), round(float(math.exp(x[i])), 1), unit))
            sig = [
                mannwhitneyu(vals[vis], vals[0], alternative="two-sided", method="asymptotic").pvalue < 0.05
                for vis in BIOMARKER_VISITS[1:]
                if len(vals[vis]) >= 2
            ]
            lower = [np.median(vals[vis]) < np.median(vals[0]) for vis in BIOMARKER_VISITS[1:] if len(vals[vis]) >= 2]
            if code == "FERRITIN":
                ok &= not any(sig)
            else:
                ok &= any(s and lo for s, lo in zip(sig, lower, strict=True))
        if ok:
            break
    else:
        raise RuntimeError("no biomarker draw met the significance pattern of Fig. 3")
    df = pd.DataFrame(rows, columns=["USUBJID", "PARAMCD", "PARAM", "AVISITN", "AVAL", "AVALU"])
    df["ABLFL"] = np.where(df["AVISITN"] == 0, "Y", "")
    df["ADY"] = df["AVISITN"]
    return df.sort_values(["USUBJID", "PARAMCD", "AVISITN"], kind="stable").reset_index(drop=True)


def write_folder(out: Path, fr: dict[str, pd.DataFrame], meta: dict) -> None:
    """Write the CSVs (LF line ends, fixed number formatting) and study.yml."""
    out.mkdir(parents=True, exist_ok=True)
    for name, df in fr.items():
        text = df.map(_fmt).to_csv(index=False, lineterminator="\n")
        (out / f"{name}.csv").write_text(text, encoding="utf-8")
    (out / "study.yml").write_text(yaml.safe_dump(meta, sort_keys=False, allow_unicode=True), encoding="utf-8")


def study_meta(seed: int, variant: int) -> dict:
    """The study.yml of a reconstructed folder."""
    return {
        "title": "Ruxolitinib in COVID-19 ARDS (Neubauer et al. 2021): reconstructed pseudo patient-level data",
        "reconstructed": True,
        "screened": count("txt.screening.screened"),
        "description": (
            "RECONSTRUCTED pseudo patient-level data, not the trial's records: 16 synthetic patients "
            "built by an exact constraint model (OR-Tools CP-SAT) so that every number printed in "
            "Neubauer et al., Leukemia 35:2917-2923 (2021) is reproduced at its printed precision. "
            "Regenerate with `ruxlib reconstruct --seed "
            f"{seed}`. See data/README.md and data/published/assumptions.yml."
        ),
        "source": "Neubauer A et al. Leukemia 35:2917-2923 (2021)",
        "seed": seed,
        "variant": variant,
        "horizon_days": HORIZON,
        "followup_days": FOLLOWUP,
    }
