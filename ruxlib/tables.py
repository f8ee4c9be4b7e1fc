"""One table style for every table shown to a reader.

:func:`show` renders a DataFrame as the book's tables look everywhere: no index, integers as
integers, other numbers to a few significant digits, "—" for a missing value with a note that
says so, a caption and notes under the table. :func:`use_in_notebooks` (called when a page imports
:mod:`ruxlib.book`) makes every DataFrame a page displays render through :func:`frame_html`, so that
no raw DataFrame reaches a reader. The page's CSS (``book/_static/custom.css``,
class ``ruxbook-table``) pads the cells, right-aligns numbers and lets a wide table scroll.
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass

import pandas as pd

__all__ = ["DASH", "DASH_NOTE", "MAX_COLS", "MAX_ROWS", "Table", "format_number", "frame_html", "show", "use_in_notebooks"]

#: Shown for a missing value.
DASH = "—"
#: The note under a table that shows :data:`DASH`.
DASH_NOTE = "— : not available or not applicable."


def _missing(value) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def format_number(value: float, digits: int = 3) -> str:
    """A number as a reader should see it: whole numbers without decimals, others to
    ``digits`` significant digits (trailing zeros dropped), never in scientific notation.

    Parameters
    ----------
    value : float
    digits : int, default 3
        Significant digits of a number that is not whole (at least one decimal is kept).

    Returns
    -------
    str

    Examples
    --------
    >>> [format_number(x) for x in (16.0, 19.5, 0.0312, 123.456, -2.0)]
    ['16', '19.5', '0.0312', '123.5', '-2']
    """
    value = float(value)
    if value == int(value) and abs(value) < 1e15:
        return str(int(value))
    magnitude = math.floor(math.log10(abs(value)))
    decimals = max(digits - 1 - magnitude, 1)
    return f"{value:.{decimals}f}".rstrip("0").rstrip(".")


def _cell(value, whole: bool, digits: int) -> tuple[str, bool]:
    """(text, is a number) of one cell."""
    if _missing(value):
        return DASH, False
    if isinstance(value, bool):
        return str(value), False
    if isinstance(value, int) or (whole and isinstance(value, float)):
        return str(int(value)), True
    if isinstance(value, float):
        return format_number(value, digits), True
    try:  # numpy scalars
        import numpy as np

        if isinstance(value, np.integer):
            return str(int(value)), True
        if isinstance(value, np.floating):
            return _cell(float(value), whole, digits)
    except ImportError:  # pragma: no cover
        pass
    return str(value), False


@dataclass
class Table:
    """A rendered table: ``html`` is what a notebook displays (``_repr_html_``)."""

    html: str

    def _repr_html_(self) -> str:
        return self.html

    def __repr__(self) -> str:
        return "table"


def show(df: pd.DataFrame, caption: str | None = None, notes: str | list[str] | None = None,
         digits: int = 3) -> Table:
    """Render ``df`` in the book's table style (display the result, or leave it last in a cell).

    Parameters
    ----------
    df : pandas.DataFrame
        The table; its column names are shown as they are (rename internal names first) and
        its index is not shown (``reset_index()`` first to keep it).
    caption : str, optional
        Shown above the table.
    notes : str or list of str, optional
        Shown under the table, one line each.
    digits : int, default 3
        Significant digits of numbers that are not whole (:func:`format_number`).

    Returns
    -------
    Table
        Its ``html``: a ``<table class="ruxbook-table">`` in a scrolling wrapper. A float column
        whose values are all whole numbers is shown as integers; a missing value (``NaN``,
        ``None``, ``<NA>``, ``NaT``) as "—", with the note :data:`DASH_NOTE`.

    Examples
    --------
    >>> t = show(pd.DataFrame({"arm": ["A", "B"], "n": [16.0, 3.0], "mean": [19.5, None]}))
    >>> "<td class=\\"ruxbook-num\\">16</td>" in t.html, "—" in t.html, "not available" in t.html
    (True, True, True)
    """
    esc = html.escape
    whole = []  # by position: column names may repeat
    for i in range(df.shape[1]):
        values = [v for v in df.iloc[:, i].tolist() if not _missing(v)]
        whole.append(bool(values) and all(
            isinstance(v, (int, float)) and not isinstance(v, bool) and float(v) == int(v) for v in values
        ))
    head = "".join(f"<th>{esc(str(col))}</th>" for col in df.columns)
    rows, dashed = [], False
    for record in df.itertuples(index=False, name=None):
        cells = []
        for i, value in enumerate(record):
            text, number = _cell(value, whole[i], digits)
            dashed |= text == DASH
            cells.append(f'<td class="ruxbook-num">{esc(text)}</td>' if number or text == DASH
                         else f"<td>{esc(text)}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    cap = f"<caption>{esc(caption)}</caption>" if caption else ""
    lines = [notes] if isinstance(notes, str) else list(notes or [])
    if dashed:
        lines.append(DASH_NOTE)
    foot = "".join(f"{esc(line)}<br/>" for line in lines)
    note_html = f'<p class="ruxbook-table-notes">{foot}</p>' if foot else ""
    table = (f'<div class="ruxbook-table-wrap"><table class="ruxbook-table">{cap}'
             f"<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table></div>{note_html}")
    return Table(table)


#: Most rows :func:`frame_html` shows; a longer frame shows its first and last rows with a note.
MAX_ROWS = 60

#: Most columns :func:`frame_html` shows; a wider frame (one column per patient) shows its first
#: and last columns with a note.
MAX_COLS = 30


def frame_html(df: pd.DataFrame, digits: int = 4) -> str:
    """``df`` as a page displays it: :func:`show`, with its index shown only where it carries data.

    Algorithm
    ---------
    1. Column labels of several levels are joined with spaces.
    2. An index that is unnamed and holds integers (row numbers, after a filter or not) is
       dropped; any other index (names, days, parameters) becomes the first column(s), unnamed
       levels headed "".
    3. Above :data:`MAX_ROWS` rows, the first and last 10 are shown, with a note giving the
       number of rows (never a 100,000-row HTML table); likewise above :data:`MAX_COLS`
       columns (a table with a column per patient), the first and last 10 columns.
    4. Numbers to ``digits`` significant digits (:func:`format_number`), whole numbers as integers.

    Examples
    --------
    >>> html = frame_html(pd.DataFrame({"n": [16.0, 3.0]}, index=["alive", "dead"]))
    >>> "<td>alive</td>" in html, '<td class="ruxbook-num">16</td>' in html
    (True, True)
    """
    shown, notes = df.copy(deep=False), []
    if shown.shape[1] > MAX_COLS:
        notes.append(f"{shown.shape[1]:,} columns; the first and last 10 are shown.")
        shown = shown.iloc[:, list(range(10)) + list(range(shown.shape[1] - 10, shown.shape[1]))]
    if isinstance(shown.columns, pd.MultiIndex):
        shown.columns = [" ".join(str(level) for level in col if str(level) not in ("", "nan")) for col in shown.columns]
    index = shown.index
    rownumbers = all(name is None for name in index.names) and index.nlevels == 1 and pd.api.types.is_integer_dtype(index)
    if rownumbers:
        shown = shown.reset_index(drop=True)
    else:
        names = [name if name is not None else "" for name in index.names]
        shown = shown.set_axis(pd.MultiIndex.from_frame(index.to_frame().set_axis(names, axis=1))
                               if index.nlevels > 1 else index.rename(names[0]), axis=0)
        shown = shown.reset_index(allow_duplicates=True)
    if len(shown) > MAX_ROWS:
        notes.append(f"{len(shown):,} rows; the first and last 10 are shown.")
        shown = pd.concat([shown.head(10), shown.tail(10)])
    return show(shown, notes=" ".join(notes) or None, digits=digits).html


def use_in_notebooks() -> bool:
    """Render every DataFrame displayed in this IPython kernel with :func:`frame_html`.

    Returns ``False`` outside IPython (nothing is changed).
    """
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover
        return False
    shell = get_ipython()
    if shell is None:
        return False
    shell.display_formatter.formatters["text/html"].for_type(pd.DataFrame, frame_html)
    return True
