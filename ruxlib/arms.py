"""Planned arms of a trial: which subjects are in which arm, and a page's table side by side per arm.

The arm of a subject is the adsl column named by the page parameter ``arm`` (``TRT01P`` by
default, or ``ARM``). A study is multi-arm when that column exists and its ITT subjects have at
least two distinct values; otherwise every function here says "single arm" (``None`` or an
empty mapping) and the pages look as they do for a single-arm trial.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import pandas as pd

from .derive import itt_population
from .io import SPEC_BY_DATASET, Study

__all__ = ["ARM_COLUMNS", "TOTAL", "arm_of", "by_arm", "split"]

ARM_COLUMNS = ("TRT01P", "ARM")
"""The adsl columns the parameter ``arm`` may name (ADaM planned treatment, SDTM arm)."""

TOTAL = "Total"
"""Label of the all-arms column of a by-arm table."""


def arm_of(study: Study, arm: str = "TRT01P") -> pd.Series | None:
    """The planned arm of each ITT subject, or ``None`` for a single-arm study.

    Parameters
    ----------
    study : Study
        A loaded study folder.
    arm : str, default "TRT01P"
        The adsl column holding the planned arm (:data:`ARM_COLUMNS`).

    Returns
    -------
    pandas.Series or None
        Arm label (text) indexed by ``USUBJID``, for the ITT subjects with an arm; ``None``
        when adsl has no column ``arm`` or fewer than two arms among the ITT subjects.
    """
    pop = itt_population(study.adsl)
    if arm not in pop:
        return None
    labels = pop.set_index("USUBJID")[arm].dropna().astype(str)
    labels = labels[labels.str.strip() != ""]
    return labels if labels.nunique() >= 2 else None


def split(study: Study, arm: str = "TRT01P") -> dict[str, Study]:
    """Each arm's share of ``study``: every dataset restricted to the arm's subjects.

    Returns
    -------
    dict
        Arm label → :class:`~ruxlib.io.Study` with only that arm's subjects (labels sorted);
        empty for a single-arm study (:func:`arm_of`).
    """
    labels = arm_of(study, arm)
    if labels is None:
        return {}
    return {label: _restrict(study, set(labels.index[labels.eq(label)])) for label in sorted(labels.unique())}


def _restrict(study: Study, subjects: set) -> Study:
    """``study`` with every dataset cut to the rows of ``subjects``."""
    frames = {name: getattr(study, name) for name in SPEC_BY_DATASET}
    kept = {name: None if f is None else f[f["USUBJID"].isin(subjects)] for name, f in frames.items()}
    return dataclasses.replace(study, **kept)


def by_arm(study: Study, arm: str, column: Callable[[Study], pd.Series], fill: str = "0") -> pd.DataFrame | None:
    """A table with one column per arm and a total: ``column`` of each arm's study, side by side.

    Parameters
    ----------
    study : Study
        A loaded study folder.
    arm : str
        The adsl column of the planned arm (:func:`arm_of`).
    column : callable
        Study → one column of text cells (a Series indexed by the row labels). It is applied to
        each arm's study (:func:`split`) and to the whole study.
    fill : str, default "0"
        The cell of a row that an arm does not have (e.g. an adverse event nobody in the arm had).

    Returns
    -------
    pandas.DataFrame or None
        Columns "ARM (N = n)" per arm, then "Total (N = n)", rows in the order of the total
        column; ``None`` for a single-arm study.
    """
    arms = split(study, arm)
    if not arms:
        return None
    parts = {**arms, TOTAL: study}
    cols = {f"{label} (N = {len(itt_population(s.adsl))})": column(s) for label, s in parts.items()}
    total = list(cols.values())[-1]
    table = pd.concat(cols, axis=1).reindex(total.index)
    return table.fillna(fill)
