"""Every page's computed numbers, one library entry point per page.

Each book page glues what one function returns, ``<module>.page_values(study, **params)``,
registered here under the page's label (its ``(label)=`` target, the ``page`` column of the
ledger). The same functions serve ``results.json``, ``ruxlib audit`` (through the ledger's
``value`` column), the ensemble and the property tests, without executing a notebook.

Conventions
-----------
- An entry point takes the study and the page parameters it uses (keywords of
  :data:`ruxlib.params.PARAMS`), and never raises on a folder that ``ruxlib check`` accepts:
  a value the data cannot give is ``None``.
- Values are plain Python numbers or strings (:func:`plain`).
- A name with a dot (``table1.age.mean``) is a value the page does not quote in its prose,
  kept for the ledger; :func:`ruxlib.book.glue_all` glues only the names without one.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable, Mapping

from . import (
    ae,
    baseline,
    biomarkers,
    context,
    eligibility,
    exposure,
    icu,
    lnr,
    outcomes,
    registry,
    survival,
    timing,
)
from .io import Study

__all__ = ["PAGES", "evaluate", "evaluate_all", "glued", "lookup", "plain"]

PAGES: dict[str, Callable[..., dict[str, object]]] = {
    "baseline": baseline.page_values,
    "exposure": exposure.page_values,
    "km-survival": survival.page_values,
    "icu-course": icu.page_values,
    "adverse-events": ae.page_values,
    "biomarkers": biomarkers.page_values,
    "time-to-start": timing.page_values,
    "lnr": lnr.page_values,
    "context": context.page_values,
    "eligibility": eligibility.page_values,
    "registry-outcomes": outcomes.page_values,
    "registry": registry.page_values,
}
"""Page label → entry point ``(study, **params) -> {name: value}``."""


def plain(value):
    """``value`` as a plain Python number or string; NaN and missing as ``None``.

    Examples
    --------
    >>> import numpy as np
    >>> plain(np.int64(3)), plain(np.float64("nan")), plain("x")
    (3, None, 'x')
    """
    if hasattr(value, "item") and getattr(value, "ndim", 0) == 0:
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def glued(values: Mapping[str, object]) -> dict[str, object]:
    """The values a page glues: the names without a dot, as :func:`plain` values."""
    return {name: plain(v) for name, v in values.items() if "." not in name}


def evaluate(label: str, study: Study, **params) -> dict[str, object]:
    """Every value of page ``label``, computed with the parameters its entry point accepts.

    Raises
    ------
    KeyError
        When no page has that label.
    """
    func = PAGES[label]
    accepted = inspect.signature(func).parameters
    return {name: plain(v) for name, v in func(study, **{k: v for k, v in params.items() if k in accepted}).items()}


def evaluate_all(study: Study, **params) -> dict[str, dict[str, object]]:
    """Page label → glued name → value, for every page of :data:`PAGES`.

    Parameters
    ----------
    study : Study
        A loaded study folder (:func:`ruxlib.io.load_study`).
    **params
        Page parameters (:data:`ruxlib.params.PARAMS`); each entry point takes those it uses.
    """
    return {label: glued(evaluate(label, study, **params)) for label in PAGES}


def lookup(ref: str, values: Mapping[str, Mapping[str, object]]):
    """The value that ``ref`` (``"page-label:name"``) names in ``values`` (as :func:`evaluate` gives).

    Returns ``None`` when the page did not compute that name.

    Raises
    ------
    ValueError
        When ``ref`` is not ``page-label:name`` with a registered page.
    """
    label, sep, name = ref.partition(":")
    if not sep or not name or label not in PAGES:
        raise ValueError(f"'{ref}' is not page-label:name with a page of ruxlib.pages.PAGES")
    return values.get(label, {}).get(name)
