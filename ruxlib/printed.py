"""Printed numbers: which values print as ``"59.5"``, under which rounding rule.

A paper prints a value rounded to some decimals with a rule it rarely names: SAS and hand
rounding go half away from zero, R and numpy half to even. A value *prints as* a number when
either rule gives it. This module is the one place that answers that question; the ledger
(:mod:`ruxlib.claims`), the paper's self-check (:mod:`ruxlib.consistency`) and the
reconstruction's CP-SAT bounds all use :class:`Printed`.

Algorithm
---------
For a printed ``x`` with ``d`` decimals, ``h = 10**-d / 2``. Every value in the open interval
``(x - h, x + h)`` rounds to ``x`` under both rules. An endpoint is a tie: it prints as ``x``
when a rule rounds it towards ``x``; :meth:`Printed.interval` gives the endpoints as exact
fractions and :meth:`Printed.closed` which of them belong to the set, by actually rounding
them. All arithmetic is exact (:class:`fractions.Fraction`, :class:`decimal.Decimal`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal, InvalidOperation, localcontext
from fractions import Fraction

__all__ = ["Printed", "round_half_away", "round_half_even"]

RULES = {"half-even": ROUND_HALF_EVEN, "half-away": ROUND_HALF_UP}

_WORDS = {
    "zero": 0, "one": 1, "another": 1, "two": 2, "three": 3, "four": 4, "five": 5,
    "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11,
    "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
    "seventeen": 17, "eighteen": 18,
}
_OPS = (("<=", "<="), ("≤", "<="), (">=", ">="), ("≥", ">="), ("<", "<"), (">", ">"),
        ("more than", ">"), ("less than", "<"), ("at least", ">="), ("~", "="))


def _exact(x) -> Fraction | None:
    """A number as an exact fraction: floats by their shortest repr (what a program prints)."""
    if isinstance(x, Fraction | int):
        return Fraction(x)
    try:
        f = float(x)
    except (TypeError, ValueError):
        return None
    if math.isnan(f) or math.isinf(f):
        return None
    return Fraction(Decimal(repr(f)))


def _quantize(x: Fraction, decimals: int, rule: str) -> Fraction:
    with localcontext() as ctx:
        ctx.prec = 80
        d = Decimal(x.numerator) / Decimal(x.denominator)
        return Fraction(d.quantize(Decimal(1).scaleb(-decimals), rounding=RULES[rule]))


def round_half_even(x: float, decimals: int) -> float:
    """Round like R and numpy (ties to even), on the printed decimal representation of ``x``."""
    return float(_quantize(_exact(x), decimals, "half-even"))


def round_half_away(x: float, decimals: int) -> float:
    """Round like SAS and by hand (ties away from zero), on the decimal representation of ``x``."""
    return float(_quantize(_exact(x), decimals, "half-away"))


@dataclass(frozen=True)
class Printed:
    """A number as the paper prints it.

    Attributes
    ----------
    text : str
        The printed text (``"59.5"``, ``"Sixteen"``, ``"< 0.01"``, ``"72.5 %"``).
    op : str
        ``"="`` for a value, else the inequality (``"<"``, ``"<="``, ``">"``, ``">="``).
    value : Fraction
        The printed number, exactly.
    decimals : int
        Printed decimals (from the text, unless given).

    Examples
    --------
    >>> p = Printed.parse("59.5")
    >>> p.interval(), p.closed()
    ((Fraction(1189, 20), Fraction(1191, 20)), (True, False))
    >>> p.matches(59.45), p.matches(59.55), p.rule(59.45)
    (True, False, 'half-away')
    >>> Printed.parse("Sixteen").value, Printed.parse("< 0.01").op
    (Fraction(16, 1), '<')
    """

    text: str
    op: str
    value: Fraction
    decimals: int

    @classmethod
    def parse(cls, text, decimals: int | None = None) -> Printed:
        """Read a printed number; ``decimals`` defaults to the digits after the point."""
        s = str(text).strip()
        op = "="
        for prefix, name in _OPS:
            if s.lower().startswith(prefix):
                op, s = name, s[len(prefix):].strip()
                break
        s = s.rstrip("%").strip()
        if s.lower() in _WORDS:
            value, digits = Fraction(_WORDS[s.lower()]), 0
        else:
            try:
                value = Fraction(Decimal(s))
            except (InvalidOperation, ValueError):
                raise ValueError(f"printed '{text}' is not a number") from None
            digits = len(s.split(".")[1]) if "." in s else 0
        return cls(str(text), op, value, digits if decimals is None else int(decimals))

    @property
    def half(self) -> Fraction:
        """Half a unit of the last printed decimal."""
        return Fraction(1, 2 * 10**self.decimals)

    def interval(self) -> tuple[Fraction, Fraction]:
        """``(x - h, x + h)``: the endpoints of the values that print as ``x``."""
        return self.value - self.half, self.value + self.half

    def _prints(self, x: Fraction, rules=tuple(RULES)) -> list[bool]:
        return [_quantize(x, self.decimals, r) == self.value for r in rules]

    def closed(self, both: bool = False) -> tuple[bool, bool]:
        """Whether the lower and upper endpoints print as ``x`` (under either rule, or ``both``)."""
        join = all if both else any
        lo, hi = self.interval()
        return join(self._prints(lo)), join(self._prints(hi))

    def rules(self, x) -> tuple[str, ...]:
        """The rounding rules under which ``x`` prints as this number (an equality claim)."""
        q = _exact(x)
        if q is None:
            return ()
        try:
            return tuple(r for r in RULES if _quantize(q, self.decimals, r) == self.value)
        except InvalidOperation:
            return ()

    def matches(self, x) -> bool:
        """Whether ``x`` reproduces the printed number (an inequality on the unrounded value)."""
        q = _exact(x)
        if q is None:
            return False
        if self.op == "<":
            return q < self.value
        if self.op == "<=":
            return q <= self.value
        if self.op == ">":
            return q > self.value
        if self.op == ">=":
            return q >= self.value
        return bool(self.rules(q))

    def rule(self, x) -> str:
        """``"both"``, ``"half-even"``, ``"half-away"``, ``"inequality"``, or ``""`` (no match)."""
        if not self.matches(x):
            return ""
        if self.op != "=":
            return "inequality"
        rules = self.rules(x)
        return "both" if len(rules) == 2 else rules[0]

    def int_bounds(self, scale=1, both: bool = False) -> tuple[int, int]:
        """Integer bounds of ``v * scale`` over the values ``v`` that print as this number.

        ``scale`` is a positive int or Fraction (e.g. ``n * 10`` for a sum of ``n`` values kept
        in tenths). With ``both`` only values that print so under both rules.

        Examples
        --------
        >>> Printed.parse("72.5").int_bounds(100)   # 72.55 prints as 72.6 under both rules
        (7245, 7254)
        >>> Printed.parse("72.5").int_bounds(100, both=True)
        (7246, 7254)
        """
        lo, hi = self.interval()
        lo_in, hi_in = self.closed(both)
        bottom, top = lo * scale, hi * scale
        lower = math.ceil(bottom) + (1 if bottom.denominator == 1 and not lo_in else 0)
        upper = math.floor(top) - (1 if top.denominator == 1 and not hi_in else 0)
        return lower, upper
