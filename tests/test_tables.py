"""The book's one table style (ruxlib.tables)."""

import re

import numpy as np
import pandas as pd

from ruxlib.tables import DASH_NOTE, format_number, show


def cells(html):
    return re.findall(r"<td[^>]*>([^<]*)</td>", html)


def test_integers_stay_integers_and_missing_values_are_dashes_with_a_note():
    df = pd.DataFrame({"arm": ["A", "B"], "n": [16.0, 3.0], "dose": [19.5, np.nan],
                       "k": pd.array([2, None], dtype="Int64")}, index=[7, 8])
    html = show(df, caption="Exposure", notes="Days on treatment.").html
    assert cells(html) == ["A", "16", "19.5", "2", "B", "3", "—", "—"]
    assert "<th>arm</th><th>n</th><th>dose</th><th>k</th>" in html
    assert ">7<" not in html and ">8<" not in html  # no index
    assert "<caption>Exposure</caption>" in html
    assert "Days on treatment.<br/>" + DASH_NOTE in html
    for word in ("nan", "NaN", "None", "&lt;NA&gt;", "16.0"):
        assert word not in html


def test_no_dash_note_without_missing_values_and_markup_is_escaped():
    html = show(pd.DataFrame({"x": ["<b>1</b>"], "y": [0.031234]})).html
    assert cells(html) == ["&lt;b&gt;1&lt;/b&gt;", "0.0312"]
    assert DASH_NOTE not in html and "<caption>" not in html


def test_numbers_are_shown_to_significant_digits_without_exponents():
    assert [format_number(x) for x in (28.0, 0.5, 123.456, 0.000123, 1234.5)] == \
        ["28", "0.5", "123.5", "0.000123", "1234.5"]
