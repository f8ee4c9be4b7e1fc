"""The book's page parameters, declared once: name, type, default, allowed values, meaning.

``ruxlib build -p NAME VALUE`` and ``ruxlib params`` read this table; a page's
``parameters`` cell holds the same defaults. An unknown name, a value of the wrong type or
out of range is refused before any page runs.
"""

from __future__ import annotations

import difflib
import math
import re
from dataclasses import dataclass

__all__ = ["PARAMS", "Param", "ParamError", "parse", "table"]


class ParamError(ValueError):
    """A ``-p NAME VALUE`` the book cannot take; the message is one line."""


@dataclass(frozen=True)
class Param:
    """One page parameter."""

    name: str
    kind: type  # int, float or str
    default: object
    meaning: str
    min: float | None = None
    max: float | None = None
    choices: tuple[str, ...] | None = None
    min_open: bool = False
    max_open: bool = False

    def allowed(self) -> str:
        """The allowed values, in words."""
        if self.choices:
            return "one of " + ", ".join(self.choices)
        if self.kind is str:
            return "text"
        bounds = []
        if self.min is not None:
            bounds.append(f"{'>' if self.min_open else '≥'} {self.min:g}")
        if self.max is not None:
            bounds.append(f"{'<' if self.max_open else '≤'} {self.max:g}")
        word = "a whole number" if self.kind is int else "a number"
        return " ".join([word, " and ".join(bounds)]).strip()

    def parse(self, text: str):
        """The typed value of ``text``, or :class:`ParamError`."""
        raw = str(text).strip()
        if self.kind is int:
            if not re.fullmatch(r"[+-]?\d+", raw):
                raise ParamError(f"-p {self.name} {text}: must be {self.allowed()}")
            value = int(raw)
        elif self.kind is float:
            try:
                value = float(raw)
            except ValueError:
                raise ParamError(f"-p {self.name} {text}: must be {self.allowed()}") from None
            if not math.isfinite(value):
                raise ParamError(f"-p {self.name} {text}: must be a finite number")
        else:
            value = raw
        if self.choices and value not in self.choices:
            raise ParamError(f"-p {self.name} {text}: must be {self.allowed()}")
        low = self.min is not None and (value <= self.min if self.min_open else value < self.min)
        high = self.max is not None and (value >= self.max if self.max_open else value > self.max)
        if low or high:
            raise ParamError(f"-p {self.name} {text}: must be {self.allowed()}")
        return value


PARAMS: dict[str, Param] = {
    p.name: p
    for p in (
        Param("horizon", int, 28, "Day of the primary endpoint: every 'day H' analysis and title", min=1, max=3650),
        Param("alpha", float, 0.05, "Two-sided significance level; confidence intervals are 1 − alpha",
              min=0, max=0.5, min_open=True),
        Param("conf_type", str, "log-log", "Pointwise confidence interval of the Kaplan–Meier curve",
              choices=("log-log", "log", "plain")),
        Param("min_grade", int, 3, "Lowest CTCAE grade counted in the adverse-event table", min=1, max=5),
        Param("adherence_threshold", float, 80.0, "Dose intensity (%) at or above which a patient is adherent",
              min=0, max=100),
        Param("day", int, 14, "Day of the registry's day-N outcome measures", min=1, max=3650),
        Param("month", int, 30, "Days in a month, for outcome measures stated in months", min=28, max=31),
        Param("arm", str, "TRT01P", "adsl column of the planned arm; with 2 or more arms the pages show them",
              choices=("TRT01P", "ARM")),
        Param("endpoint", str, "OS", "adtte PARAMCD of the survival page's endpoint"),
    )
}
"""Every parameter a user may set. ``data_dir`` is set by ``--data``, never by ``-p``."""

RESERVED = {"data_dir": "--data"}


def parse(given: dict[str, str] | None) -> dict[str, object]:
    """Typed values of the ``-p NAME VALUE`` pairs; raises :class:`ParamError` on the first bad one.

    Examples
    --------
    >>> parse({"horizon": "14"})
    {'horizon': 14}
    >>> parse({"horizn": "14"})
    Traceback (most recent call last):
    ...
    ruxlib.params.ParamError: -p horizn: no such parameter; did you mean horizon? (ruxlib params lists them)
    """
    out = {}
    for name, text in (given or {}).items():
        if name in RESERVED:
            raise ParamError(f"-p {name}: set by {RESERVED[name]}, not by -p")
        if name not in PARAMS:
            near = difflib.get_close_matches(name, list(PARAMS), n=1)
            hint = f"; did you mean {near[0]}?" if near else ""
            raise ParamError(f"-p {name}: no such parameter{hint} (ruxlib params lists them)")
        out[name] = PARAMS[name].parse(text)
    return out


def table() -> str:
    """The parameters as plain text (``ruxlib params``, ``ruxlib build --help``)."""
    rows = [("name", "default", "allowed", "meaning")]
    rows += [(p.name, str(p.default), p.allowed(), p.meaning) for p in PARAMS.values()]
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    return "\n".join(
        "  ".join(cell.ljust(w) for cell, w in zip(r[:3], widths, strict=True)) + "  " + r[3] for r in rows
    )
