"""One table style for every table shown to a reader.

:func:`show` renders a DataFrame as the book's tables look everywhere: no index, integers as
integers, other numbers to a few significant digits, "—" for a missing value with a note that
says so, a caption and notes under the table. The page's CSS (``book/_static/custom.css``,
class ``ruxbook-table``) pads the cells, right-aligns numbers and lets a wide table scroll.
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass

import pandas as pd

__all__ = ["DASH", "DASH_NOTE", "Table", "format_number", "show"]

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
    whole = {}
    for col in df.columns:
        values = [v for v in df[col].tolist() if not _missing(v)]
        whole[col] = bool(values) and all(
            isinstance(v, (int, float)) and not isinstance(v, bool) and float(v) == int(v) for v in values
        )
    head = "".join(f"<th>{esc(str(col))}</th>" for col in df.columns)
    rows, dashed = [], False
    for record in df.itertuples(index=False, name=None):
        cells = []
        for col, value in zip(df.columns, record, strict=True):
            text, number = _cell(value, whole[col], digits)
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
