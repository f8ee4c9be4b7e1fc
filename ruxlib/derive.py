"""Derived variables, one function each (in the style of the R package admiral).

Every function takes data frames and returns a new data frame with one added
(or completed) column; none changes its input. :func:`ruxlib.io.load_study`
calls the horizon-free ones once, in dependency order, so the analyses read
``ITTFL``, ``BMIBL``, ``ABLFL``, ``LNRBL``, ``LNRFL``, ``DTHDY`` and
``LSTALVDY`` and never derive them again. The status at a horizon depends on
the horizon an analysis asks for, so analyses call :func:`derive_var_d28out`
themselves; the rule still lives only here.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = [
    "compute_bmi",
    "derive_var_ablfl",
    "derive_var_bmibl",
    "derive_var_d28out",
    "derive_var_dthdy",
    "derive_var_ittfl",
    "derive_var_lnrbl",
    "derive_var_lnrfl",
    "derive_var_lstalvdy",
    "event_indicator",
    "itt_population",
    "lnr_exclusion",
]

ALIVE = "ALIVE"
DEAD = "DEAD"


def derive_var_ittfl(adsl: pd.DataFrame) -> pd.DataFrame:
    """Intention-to-treat flag ``ITTFL``.

    Rule: every subject of adsl is in the ITT population unless adsl says
    ``ITTFL = "N"``; an absent column or an empty cell means ``"Y"``.

    Parameters
    ----------
    adsl : pandas.DataFrame
        Subject-level data; ``ITTFL`` optional.

    Returns
    -------
    pandas.DataFrame
        A copy of ``adsl`` with ``ITTFL`` filled in ("Y" or "N").
    """
    flag = adsl["ITTFL"].fillna("Y") if "ITTFL" in adsl else "Y"
    return adsl.assign(ITTFL=flag)


def itt_population(adsl: pd.DataFrame) -> pd.DataFrame:
    """The adsl rows of the ITT population (``ITTFL == "Y"``, see :func:`derive_var_ittfl`)."""
    return adsl[adsl["ITTFL"].eq("Y")]


def compute_bmi(weight, height) -> np.ndarray:
    """Body-mass index from weight (kg) and height (cm).

    Rule: BMI = weight / (height / 100)², in kg/m²; missing in, missing out.

    Examples
    --------
    >>> float(compute_bmi(81, 180).round(2))
    25.0
    """
    weight = np.asarray(weight, dtype=float)
    height = np.asarray(height, dtype=float)
    return weight / (height / 100.0) ** 2


def derive_var_bmibl(adsl: pd.DataFrame) -> pd.DataFrame:
    """Baseline BMI ``BMIBL``, completed from ``WEIGHTBL`` and ``HEIGHTBL``.

    Rule: a recorded ``BMIBL`` is kept; where it is missing (or the column is
    absent) it is :func:`compute_bmi` of ``WEIGHTBL`` and ``HEIGHTBL``. Without
    both of those columns adsl is returned unchanged.

    Parameters
    ----------
    adsl : pandas.DataFrame

    Returns
    -------
    pandas.DataFrame
        A copy of ``adsl`` with ``BMIBL`` (kg/m²).
    """
    if not {"WEIGHTBL", "HEIGHTBL"} <= set(adsl.columns):
        return adsl.copy()
    bmi = pd.Series(compute_bmi(adsl["WEIGHTBL"], adsl["HEIGHTBL"]), index=adsl.index)
    return adsl.assign(BMIBL=adsl["BMIBL"].fillna(bmi) if "BMIBL" in adsl else bmi)


def derive_var_ablfl(bds: pd.DataFrame) -> pd.DataFrame:
    """Baseline record flag ``ABLFL`` of a BDS dataset (adlb, advs).

    Rule: when the dataset flags at least one record ``ABLFL = "Y"``, the
    flags are taken as they are; otherwise the records with ``AVISITN == 0``
    are the baseline. Other records get a missing flag.

    Parameters
    ----------
    bds : pandas.DataFrame
        One row per subject, parameter and visit: ``USUBJID``, ``PARAMCD``,
        ``ABLFL`` and/or ``AVISITN``.

    Returns
    -------
    pandas.DataFrame
        A copy of ``bds`` with ``ABLFL`` "Y" on baseline records, else missing.

    Raises
    ------
    ValueError
        When a subject has two baseline records for one parameter, naming
        every such subject and parameter.
    """
    if "ABLFL" in bds and bds["ABLFL"].eq("Y").any():
        base = bds["ABLFL"].eq("Y")
    else:
        base = bds["AVISITN"].eq(0) if "AVISITN" in bds else pd.Series(False, index=bds.index)
    twice = bds[base].groupby(["USUBJID", "PARAMCD"]).size()
    twice = twice[twice > 1]
    if len(twice):
        shown = ", ".join(f"{u} ({p}: {k} records)" for (u, p), k in twice.items())
        raise ValueError(f"more than one baseline record per subject and parameter: {shown}")
    return bds.assign(ABLFL=pd.Series(np.where(base, "Y", None), index=bds.index, dtype=object))


def derive_var_lnrbl(adsl: pd.DataFrame, adlb: pd.DataFrame | None) -> pd.DataFrame:
    """Baseline lymphocyte-to-neutrophil ratio ``LNRBL``, completed from adlb.

    Rule: a recorded ``LNRBL`` is kept; where it is missing, LNRBL = baseline
    LYMPH / baseline NEUT from adlb (baseline records as flagged by
    :func:`derive_var_ablfl`; a zero NEUT gives a missing ratio). Without
    adlb LYMPH and NEUT it stays missing.

    Parameters
    ----------
    adsl : pandas.DataFrame
    adlb : pandas.DataFrame or None
        Laboratory data with ``ABLFL`` derived.

    Returns
    -------
    pandas.DataFrame
        A copy of ``adsl`` with ``LNRBL`` (float; the column is always present).
    """
    ratio = pd.Series(dtype=float)
    if adlb is not None and {"LYMPH", "NEUT"} <= set(adlb["PARAMCD"]):
        base = adlb[adlb["ABLFL"].eq("Y")]
        wide = base.pivot_table(index="USUBJID", columns="PARAMCD", values="AVAL", aggfunc="first")
        ratio = (wide["LYMPH"] / wide["NEUT"]).replace([np.inf, -np.inf], np.nan)
    derived = adsl["USUBJID"].map(ratio).astype(float)
    return adsl.assign(LNRBL=adsl["LNRBL"].fillna(derived) if "LNRBL" in adsl else derived)


def derive_var_lnrfl(adsl: pd.DataFrame) -> pd.DataFrame:
    """LNR analysis-set flag ``LNRFL``.

    Rule: ``"Y"`` for an ITT subject (``ITTFL == "Y"``) with a baseline LNR
    (``LNRBL``) and no exclusion reason (``LNREXCL`` empty or absent), else
    ``"N"``.

    Parameters
    ----------
    adsl : pandas.DataFrame
        With ``ITTFL`` and ``LNRBL`` derived (:func:`derive_var_ittfl`,
        :func:`derive_var_lnrbl`); ``LNREXCL`` optional.

    Returns
    -------
    pandas.DataFrame
        A copy of ``adsl`` with ``LNRFL``.
    """
    flag = adsl["ITTFL"].eq("Y") & adsl["LNRBL"].notna() & lnr_exclusion(adsl).eq("")
    return adsl.assign(LNRFL=np.where(flag, "Y", "N"))


def lnr_exclusion(adsl: pd.DataFrame) -> pd.Series:
    """``LNREXCL`` as stripped text, ``""`` where empty or when the column is absent."""
    if "LNREXCL" not in adsl:
        return pd.Series("", index=adsl.index)
    excl = adsl["LNREXCL"]
    return excl.where(excl.notna(), "").astype(str).str.strip()


def event_indicator(cnsr) -> np.ndarray:
    """Turn ADaM ``CNSR`` (1 = censored, 0 = event) into an event indicator (1 = event).

    This is the only place in ruxlib where the flip happens
    (:mod:`ruxlib.survival` re-exports it).

    Parameters
    ----------
    cnsr : array-like
        ADaM censoring flags; every value must be 0 or 1 (ints, floats equal
        to 0/1, or booleans are accepted).

    Returns
    -------
    numpy.ndarray of int
        1 where the subject had the event, 0 where censored.

    Raises
    ------
    ValueError
        If any value is missing or not 0/1.

    Examples
    --------
    >>> event_indicator([0, 1, 1]).tolist()
    [1, 0, 0]
    """
    values = pd.Series(cnsr, dtype="object")
    bad = []
    for i, v in enumerate(values.tolist()):
        ok = False
        if v is not None and not (isinstance(v, float) and np.isnan(v)) and v is not pd.NA:
            try:
                ok = float(v) in (0.0, 1.0)
            except (TypeError, ValueError):
                ok = False
        if not ok:
            bad.append((i, v))
    if bad:
        shown = ", ".join(f"position {i}: {v!r}" for i, v in bad[:5])
        more = f" (and {len(bad) - 5} more)" if len(bad) > 5 else ""
        raise ValueError(f"CNSR must be 0 (event) or 1 (censored); got {shown}{more}")
    return 1 - values.astype(float).to_numpy().astype(int)


def _os_records(adtte: pd.DataFrame | None) -> pd.DataFrame:
    """The OS rows of adtte indexed by USUBJID, with ``event`` (1 = death); empty without adtte."""
    if adtte is None:
        return pd.DataFrame({"AVAL": pd.Series(dtype=float), "event": pd.Series(dtype=int)})
    os_ = adtte[adtte["PARAMCD"].eq("OS")]
    return pd.DataFrame({"AVAL": os_["AVAL"].astype(float).to_numpy(),
                         "event": event_indicator(os_["CNSR"])},
                        index=pd.Index(os_["USUBJID"].to_numpy(), name="USUBJID"))


def derive_var_dthdy(adsl: pd.DataFrame, adtte: pd.DataFrame | None) -> pd.DataFrame:
    """Study day of death ``DTHDY`` from the adtte overall-survival record.

    Rule: DTHDY = ``AVAL`` of the subject's ``PARAMCD == "OS"`` record when it
    is an event (``CNSR == 0``); missing when censored, without an OS record,
    or without adtte.

    Parameters
    ----------
    adsl : pandas.DataFrame
    adtte : pandas.DataFrame or None
        Time-to-event data (``USUBJID``, ``PARAMCD``, ``AVAL``, ``CNSR``).

    Returns
    -------
    pandas.DataFrame
        A copy of ``adsl`` with ``DTHDY`` (float, days from the first dose).
    """
    os_ = _os_records(adtte)
    death = os_["AVAL"].where(os_["event"].eq(1))
    return adsl.assign(DTHDY=adsl["USUBJID"].map(death).astype(float))


def derive_var_lstalvdy(adsl: pd.DataFrame, adtte: pd.DataFrame | None) -> pd.DataFrame:
    """Last day of overall-survival follow-up ``LSTALVDY``.

    Rule: LSTALVDY = ``AVAL`` of the subject's OS record, whether death or
    censoring (the last day the subject is known alive, or the day of death);
    missing without an OS record or without adtte. A missing LSTALVDY is how
    the analyses tell a subject without an OS record.

    Returns
    -------
    pandas.DataFrame
        A copy of ``adsl`` with ``LSTALVDY`` (float, days from the first dose).
    """
    os_ = _os_records(adtte)
    return adsl.assign(LSTALVDY=adsl["USUBJID"].map(os_["AVAL"]).astype(float))


def derive_var_d28out(adsl: pd.DataFrame, horizon: float = 28) -> pd.DataFrame:
    """Vital status at the horizon ``D28OUT`` (day 28 by default).

    Rule: ``"DEAD"`` when the subject died on or before the horizon
    (``DTHDY <= horizon``); ``"ALIVE"`` otherwise, also when censored before
    the horizon (alive when last seen); missing without an OS record
    (``LSTALVDY`` missing). This is the project's agreed definition: alive at
    day 28 = not (CNSR == 0 and AVAL <= 28).

    Parameters
    ----------
    adsl : pandas.DataFrame
        With ``DTHDY`` and ``LSTALVDY`` derived.
    horizon : float, default 28
        Day of the status (days from the first dose, first dose = day 0).

    Returns
    -------
    pandas.DataFrame
        A copy of ``adsl`` with ``D28OUT``.

    Examples
    --------
    >>> import pandas as pd
    >>> adsl = pd.DataFrame({"DTHDY": [20, 40, None, None], "LSTALVDY": [20, 40, 10, None]})
    >>> derive_var_d28out(adsl)["D28OUT"].tolist()
    ['DEAD', 'ALIVE', 'ALIVE', None]
    """
    status = np.where(adsl["DTHDY"].le(horizon), DEAD, ALIVE)
    status = np.where(adsl["LSTALVDY"].isna(), None, status)
    return adsl.assign(D28OUT=pd.Series(status, index=adsl.index, dtype=object))
