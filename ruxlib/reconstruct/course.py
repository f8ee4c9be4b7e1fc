"""The patient-course model: treatment, ICU course, day-28 status, LNR groups, log-rank slots.

Algorithm
---------
One CP-SAT block (block B) per patient course: reasons for stopping, treatment days,
ICU, IMV and ECMO days, day-28 status, LNR groups and the log-rank event slots of a
chosen pattern, with the cumulative-dose bounds the dosing model will need (so that
a course found here admits doses). Each claim group has one assumption literal.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np
from ortools.sat.python import cp_model

from .cpsat import Block, add_range_claims, stable_seed
from .dosing import (
    ROWS,
    add_adherent,
    add_low_intensity,
    adherent,
    at_low_intensity,
    dose_plan,
    max_dose,
)
from .targets import D28, DEATHS, EOT, HORIZON, N, count, eot_counts, paper


@dataclass
class Course:
    """Variables of the patient-course model, one entry per patient (index 0..N-1)."""

    block: Block
    end_reason: dict  # (patient, reason) -> bool: why treatment ended (EOT)
    day28: dict  # (patient, status) -> bool: status at day 28 (D28)
    rows: list  # planned BID administrations, first to last dose
    days: list  # treatment days (TRTDURD)
    ae_interruption: list  # the interruption for an adverse event
    tube_interruption: list  # the interruption for want of a gastric tube
    low_intensity: list  # the one patient below the adherence threshold
    icu_days: list  # ICU days in the window [0, HORIZON]
    imv_days: list  # ventilation days in the window
    ecmo_short: list
    ecmo_full: list
    lnr_member: list  # in the LNR analysis set
    lnr_high: list  # LNR at or above the median
    leukaemia: list  # excluded from the LNR analysis
    lnr_missing: list
    dead: list  # died by day HORIZON
    slots: dict = field(default_factory=dict)  # log-rank event slots (see _add_pattern)


PLAN_MAX = dose_plan(ROWS)
MISSED_AE = int(2 * paper("txt.interrupt.ae_days").value)  # missed administrations
MISSED_TUBE = int(2 * paper("txt.interrupt.tube_days").value)


def build_course(seed: int, pattern: dict | None = None, icu_covers_treatment: bool = False,
                 sample: int | None = None) -> Course:
    """CP-SAT model of treatment, dosing bounds, ICU course, day-28 status and LNR groups.

    ``pattern`` (see :func:`~.logrank_patterns.enumerate_logrank_patterns`) links a
    log-rank event order to the patients; ``icu_covers_treatment`` adds the hypothesis
    refuted in :func:`~.proofs.prove_findings`; ``sample`` seeds a random objective
    (:func:`~.cpsat.random_objective`) instead of the plausibility one.
    """
    b = Block("course", sample=sample)
    m = b.m
    R = range(N)
    rng = np.random.default_rng([seed, stable_seed("course")])
    eot = {(i, r): m.NewBoolVar(f"eot{i}_{r}") for i in R for r in EOT}
    d28 = {(i, s): m.NewBoolVar(f"d28_{i}_{s}") for i in R for s in D28}
    for i in R:
        m.AddExactlyOne(eot[i, r] for r in EOT)
        m.AddExactlyOne(d28[i, s] for s in D28)
    for r, k in eot_counts().items():
        b.enforce("txt.eot", m.Add(sum(eot[i, r] for i in R) == k))
    dead = [eot[i, "DEATH"] for i in R]
    for i in R:
        m.Add(d28[i, "DEAD"] == dead[i])
    b.enforce("txt.os28.alive", m.Add(sum(dead) == DEATHS))

    # ---- treatment: planned rows (BID from day 0), days = ceil(rows / 2)
    rows = [m.NewIntVar(2, ROWS, f"n{i}") for i in R]
    days = [m.NewIntVar(1, HORIZON, f"T{i}") for i in R]
    ae_stop = [m.NewBoolVar(f"int8_{i}") for i in R]
    tube_stop = [m.NewBoolVar(f"int25_{i}") for i in R]
    for i in R:
        m.Add(2 * days[i] - 1 <= rows[i])
        m.Add(rows[i] <= 2 * days[i])
        m.Add(rows[i] == ROWS).OnlyEnforceIf(eot[i, "COMPLETED"])
        m.Add(rows[i] <= ROWS - 2).OnlyEnforceIf(eot[i, "COMPLETED"].Not())  # stopped a day early or more
        m.Add(ae_stop[i] + tube_stop[i] <= 1)
        m.Add(rows[i] >= 3 + MISSED_AE * ae_stop[i] + MISSED_TUBE * tube_stop[i])  # the missed run is followed by a dose
    b.enforce("txt.interrupt.n", m.Add(sum(ae_stop) == 1))
    b.enforce("txt.interrupt.n", m.Add(sum(tube_stop) == 1))
    add_range_claims(b, "txt.trtdur", days, 1, 1, HORIZON)
    # necessary for the dosing block: the low-intensity patient has a plan admitting a dose
    # (5 mg steps) at the printed intensity
    ok = _low_intensity_plans()
    low = [m.NewBoolVar(f"low{i}") for i in R]
    m.AddExactlyOne(low)
    for i in R:
        m.AddLinearExpressionInDomain(rows[i], cp_model.Domain.FromValues(ok)).OnlyEnforceIf(low[i])
        # the missed 15 mg doses of the adverse-event interruption leave too little of the plan:
        # that patient cannot be adherent, so is the low-intensity patient (and needs some 20 mg
        # doses; DERIVED, see inconsistencies.yml)
        m.AddImplication(ae_stop[i], low[i])
    ok_ae = [k for k in ok if any(at_low_intensity(d, k) for d in range(max_dose(k, MISSED_AE) + 1))]
    # cumulative dose (5 mg units) with the intensity bounds (<= 100 %, A-DOSE): the
    # dosing block adds the exact doses and the intensity median
    cumulative = [m.NewIntVar(0, PLAN_MAX, f"Dc{i}") for i in R]
    for i in R:
        plan = 3 * rows[i] - 2
        m.Add(cumulative[i] <= plan)
        add_adherent(m, cumulative[i], plan, low[i].Not())
        add_low_intensity(m, cumulative[i], plan, low[i])
    add_range_claims(b, "txt.cumdose", cumulative, Fraction(1, 5), 0, PLAN_MAX)
    ok_tube = [k for k in range(3 + MISSED_TUBE, ROWS + 1) if adherent(max_dose(k, MISSED_TUBE), k)]
    for i in R:
        m.AddLinearExpressionInDomain(rows[i], cp_model.Domain.FromValues(ok_ae)).OnlyEnforceIf(ae_stop[i])
        m.AddLinearExpressionInDomain(rows[i], cp_model.Domain.FromValues(ok_tube)).OnlyEnforceIf(tube_stop[i])

    # ---- ICU course: days in the window [0, HORIZON]
    icu = [m.NewIntVar(0, HORIZON, f"u{i}") for i in R]
    imv = [m.NewIntVar(0, HORIZON, f"v{i}") for i in R]
    ecmo_short = [m.NewBoolVar(f"e10_{i}") for i in R]
    ecmo_full = [m.NewBoolVar(f"e28_{i}") for i in R]
    b.enforce("txt.ecmo.n", m.Add(sum(ecmo_short) == count("txt.ecmo.n_short")))
    b.enforce("txt.ecmo.n", m.Add(sum(ecmo_full) == count("txt.ecmo.n_full")))
    for i in R:
        m.Add(imv[i] <= icu[i])
        m.Add(ecmo_short[i] + ecmo_full[i] <= 1)
        m.Add(imv[i] >= count("txt.ecmo.days_short")).OnlyEnforceIf(ecmo_short[i])
        m.Add(imv[i] == count("txt.ecmo.days_full")).OnlyEnforceIf(ecmo_full[i])
        m.AddImplication(ecmo_full[i], d28[i, "ICU VENTILATED"])
        # deaths: in ICU on the ventilator until death; treatment until death (day T)
        m.Add(icu[i] == days[i]).OnlyEnforceIf(dead[i])
        m.Add(imv[i] == days[i]).OnlyEnforceIf(dead[i])
        # left ICU: treatment ended on leaving
        m.Add(icu[i] == days[i]).OnlyEnforceIf(eot[i, "DISCHARGED FROM ICU"])
        m.Add(imv[i] <= icu[i] - 1).OnlyEnforceIf(eot[i, "DISCHARGED FROM ICU"])
        m.AddBoolOr([d28[i, "ACUTE CARE"], d28[i, "DISCHARGED"]]).OnlyEnforceIf(eot[i, "DISCHARGED FROM ICU"])
        m.Add(icu[i] == days[i]).OnlyEnforceIf(eot[i, "TRANSFERRED"])
        m.AddBoolOr([d28[i, "ICU VENTILATED"], d28[i, "ICU"], d28[i, "ACUTE CARE"]]).OnlyEnforceIf(
            eot[i, "TRANSFERRED"]
        )
        # completers may have left the ICU and finished treatment on the ward (A-WARD)
        m.AddBoolOr([d28[i, "ICU VENTILATED"], d28[i, "ICU"], d28[i, "ACUTE CARE"]]).OnlyEnforceIf(
            eot[i, "COMPLETED"]
        )
        here = eot[i, "TRANSFERRED"].Not()
        m.Add(imv[i] == HORIZON).OnlyEnforceIf([d28[i, "ICU VENTILATED"], here])
        m.Add(icu[i] == HORIZON).OnlyEnforceIf([d28[i, "ICU"], here])
        m.Add(imv[i] <= HORIZON - 1).OnlyEnforceIf([d28[i, "ICU"], here])
        for s in ("ACUTE CARE", "DISCHARGED"):
            m.Add(imv[i] <= icu[i] - 1).OnlyEnforceIf([d28[i, s], here])
    if icu_covers_treatment:  # the hypothesis refuted in prove_findings()
        for i in R:
            m.Add(icu[i] >= days[i])
    add_range_claims(b, "txt.icu", icu, 1, 0, HORIZON)
    add_range_claims(b, "txt.imv", imv, 1, 0, HORIZON)

    # ---- LNR analysis set and groups
    member = [m.NewBoolVar(f"lnr{i}") for i in R]
    leuk = [m.NewBoolVar(f"leuk{i}") for i in R]
    miss = [m.NewBoolVar(f"miss{i}") for i in R]
    high = [m.NewBoolVar(f"high{i}") for i in R]
    b.enforce("fig4.n_evaluable", m.Add(sum(leuk) == count("fig4.n_excluded")))
    b.enforce("fig4.n_evaluable", m.Add(sum(miss) == count("fig4.n_missing")))
    for i in R:
        m.Add(member[i] + leuk[i] + miss[i] == 1)
        m.AddImplication(high[i], member[i])
        m.AddImplication(dead[i], member[i])
        b.enforce("fig4.p", m.AddImplication(dead[i], high[i].Not()))
    noise = rng.integers(0, 4, (N, len(EOT)))
    for i in R:
        for k, r in enumerate(EOT):
            b.cost.append((int(noise[i, k]), eot[i, r]))
    slots = _add_pattern(b, pattern, days, dead, member, high, d28) if pattern else {}
    b.free = [*days, *icu, *imv, *eot.values(), *d28.values(), *member, *high]
    return Course(
        block=b, end_reason=eot, day28=d28, rows=rows, days=days, ae_interruption=ae_stop,
        tube_interruption=tube_stop, low_intensity=low, icu_days=icu, imv_days=imv,
        ecmo_short=ecmo_short, ecmo_full=ecmo_full, lnr_member=member, lnr_high=high,
        leukaemia=leuk, lnr_missing=miss, dead=dead, slots=slots,
    )


def _add_pattern(b: Block, pattern: dict, T, dead, member, high, d28) -> dict:
    """Link a log-rank event pattern (see :func:`~.logrank_patterns.enumerate_logrank_patterns`) to patients."""
    m = b.m
    R = range(N)
    lit = b.lit("txt.logrank.chisq")
    low = []
    for i in R:
        x = m.NewBoolVar("")
        m.AddBoolAnd([member[i], high[i].Not()]).OnlyEnforceIf(x)
        m.AddBoolOr([member[i].Not(), high[i]]).OnlyEnforceIf(x.Not())
        low.append(x)
    m.Add(sum(low) == pattern["L"]).OnlyEnforceIf(lit)
    # early deaths: slots in time order with the pattern's ties
    es = {(i, k): m.NewBoolVar(f"es{i}_{k}") for i in R for k in range(3)}
    tau = [m.NewIntVar(1, HORIZON, f"tau{k}") for k in range(3)]
    for k in range(3):
        m.AddExactlyOne(es[i, k] for i in R)
        for i in R:
            m.Add(T[i] == tau[k]).OnlyEnforceIf(es[i, k])
    for i in R:
        m.Add(sum(es[i, k] for k in range(3)) == dead[i])
    k = 0
    groups = pattern["early"]
    for gi, size in enumerate(groups):
        for j in range(1, size):
            m.Add(tau[k + j] == tau[k]).OnlyEnforceIf(lit)
        if gi + 1 < len(groups):
            m.Add(tau[k + size] > tau[k]).OnlyEnforceIf(lit)
        k += size
    # later events: censorings then a death, per block
    slots = {"early": es, "late": []}
    used = []
    for j, (cl, ch, grp) in enumerate(pattern["late"]):
        block = []
        for kind, g, size in (("C", "low", cl), ("C", "high", ch), ("D", grp, 1)):
            for q in range(size):
                x = [m.NewBoolVar(f"late{j}{kind}{g}{q}_{i}") for i in R]
                m.AddExactlyOne(x)
                for i in R:
                    m.AddImplication(x[i], member[i])
                    m.AddImplication(x[i], dead[i].Not())
                    m.AddImplication(x[i], high[i] if g == "high" else high[i].Not())
                    if kind == "D":  # still in the ICU at day 28 (A-LATE)
                        m.AddBoolOr([d28[i, "ICU VENTILATED"], d28[i, "ICU"]]).OnlyEnforceIf(x[i])
                used.append(x)
                block.append((kind, g, x))
        slots["late"].append(block)
    for i in R:
        m.Add(sum(x[i] for x in used) <= 1)
    return slots


@functools.cache
def _low_intensity_plans() -> list[int]:
    """Plan lengths (administrations) admitting a dose, in 5 mg steps, at the printed low intensity."""
    return [k for k in range(3, ROWS + 1) if any(at_low_intensity(d, k) for d in range(dose_plan(k) + 1))]
