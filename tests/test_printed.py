"""Printed numbers: the one rule for "does this value print as the paper's number?"."""

from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal
from fractions import Fraction

import pytest

from ruxlib.printed import Printed, round_half_away, round_half_even


def test_parse_reads_words_inequalities_and_percent():
    assert Printed.parse("Sixteen").value == 16 and Printed.parse("Sixteen").op == "="
    assert Printed.parse("another").value == 1
    assert (Printed.parse("< 0.01").op, Printed.parse("< 0.01").value) == ("<", Fraction(1, 100))
    assert Printed.parse("more than one").op == ">"
    assert Printed.parse("~15").op == "="
    assert Printed.parse("72.5 %").decimals == 1
    with pytest.raises(ValueError):
        Printed.parse("n/a")


def test_rounding_ties_differ_between_rules():
    # 0.125 is exactly representable: a true tie
    assert round_half_even(0.125, 2) == 0.12
    assert round_half_away(0.125, 2) == 0.13
    # 92.85 as a float is 92.8499999...; rounding uses the printed decimal form
    assert round_half_away(92.85, 1) == 92.9


def test_endpoints_worked_by_hand():
    # 59.5: 59.45 -> 59.5 half-away (59.4 half-even); 59.55 -> 59.6 under both
    assert Printed.parse("59.5").closed() == (True, False)
    assert Printed.parse("59.5").closed(both=True) == (False, False)
    # 59.4: 59.35 -> 59.4 under both; 59.45 -> 59.4 half-even only
    assert Printed.parse("59.4").closed() == (True, True)
    assert Printed.parse("59.4").closed(both=True) == (True, False)
    assert Printed.parse("72.5").int_bounds(100) == (7245, 7254)
    assert Printed.parse("59.4").int_bounds(100) == (5935, 5945)
    assert Printed.parse("59.4").int_bounds(100, both=True) == (5935, 5944)


def _prints(v: Fraction, text: str, rules) -> list[bool]:
    d = Decimal(v.numerator) / Decimal(v.denominator)
    q = Decimal(1).scaleb(-(len(text.split(".")[1]) if "." in text else 0))
    return [d.quantize(q, rounding=r) == Decimal(text) for r in rules]


@pytest.mark.parametrize("text", ["0", "3", "36", "59.5", "59.4", "0.07", "147.5", "28.0", "3.9"])
@pytest.mark.parametrize("scale", [1, 10, 20, 100, 160, 7])
@pytest.mark.parametrize("both", [False, True])
def test_int_bounds_agree_with_brute_force(text, scale, both):
    """Every integer k with k/scale printing as TEXT lies in the bounds, and only those."""
    lo, hi = Printed.parse(text).int_bounds(scale, both=both)
    join = all if both else any
    centre = int(Fraction(Decimal(text)) * scale)
    for k in range(centre - 3 * scale - 3, centre + 3 * scale + 4):
        expected = join(_prints(Fraction(k, scale), text, (ROUND_HALF_EVEN, ROUND_HALF_UP)))
        assert (lo <= k <= hi) == expected, (text, scale, both, k)


def test_matches_and_rule():
    p = Printed.parse("36", 0)
    assert p.rule(36.5) == "half-even" and p.rule(35.5) == "both" and p.rule(36.2) == "both"
    assert Printed.parse("37").rule(36.5) == "half-away"
    assert p.rule(37) == "" and not p.matches(float("nan")) and not p.matches(None)
    assert Printed.parse("< 0.01").rule(0.005) == "inequality"
    assert Printed.parse("0.070", 3).matches(0.0704) and not Printed.parse("0.070", 3).matches(0.0706)
