"""The book's one table style (ruxlib.tables)."""

import re

import numpy as np
import pandas as pd

from ruxlib.tables import DASH_NOTE, MAX_ROWS, format_number, frame_html, show


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


def headings(html):
    return re.findall(r"<th>([^<]*)</th>", html)


def test_a_displayed_frame_keeps_an_informative_index_and_drops_row_numbers():
    by_arm = pd.DataFrame({"n": [16.0, 3.0], "S(t)": [0.6875, np.nan]}, index=pd.Index(["A", "B"], name="arm"))
    html = frame_html(by_arm)
    assert headings(html) == ["arm", "n", "S(t)"]
    assert cells(html) == ["A", "16", "0.6875", "B", "3", "—"] and html.endswith(DASH_NOTE + "<br/></p>")
    filtered = pd.DataFrame({"x": [1, 2, 3]}).iloc[[0, 2]]  # row numbers 0 and 2: not data
    assert headings(frame_html(filtered)) == ["x"] and cells(frame_html(filtered)) == ["1", "3"]
    transposed = pd.DataFrame({"day 7": [2.5], "day 14": [1.0]}).T  # index: the rows' names
    assert headings(frame_html(transposed)) == ["", "0"] and cells(frame_html(transposed)) == ["day 7", "2.5", "day 14", "1"]


def test_column_levels_are_joined_and_a_long_frame_is_cut_with_a_note():
    wide = pd.DataFrame([[1, 25.0]], columns=pd.MultiIndex.from_tuples([("A", "n"), ("A", "%")]))
    assert headings(frame_html(wide)) == ["A n", "A %"]
    twice = pd.DataFrame([[1, 2.5]], columns=["x", "x"])  # a repeated column name
    assert headings(frame_html(twice)) == ["x", "x"] and cells(frame_html(twice)) == ["1", "2.5"]
    long = pd.DataFrame({"id": range(100_000)})
    html = frame_html(long)
    assert len(cells(html)) == 20 and cells(html)[:2] == ["0", "1"] and cells(html)[-1] == "99999"
    assert "100,000 rows; the first and last 10 are shown." in html and MAX_ROWS < 100_000
    per_patient = pd.DataFrame([range(5000)], columns=[f"P{i}" for i in range(5000)], index=["days"])
    html = frame_html(per_patient)  # the index column, then the first and last 10 patients
    assert headings(html) == ["", *[f"P{i}" for i in range(10)], *[f"P{i}" for i in range(4990, 5000)]]
    assert "5,000 columns; the first and last 10 are shown." in html


def test_great_tables_view_of_a_long_listing_is_cut_with_a_note():
    from ruxlib.baseline import table_gt

    listing = pd.DataFrame({"USUBJID": [f"P{i:05d}" for i in range(10_000)], "days": ["1.5"] * 10_000})
    html = table_gt(listing).as_raw_html()
    assert "P00000" in html and "P09999" in html and "P00010" not in html
    assert "10,000 rows; the first and last 10 are shown." in html
