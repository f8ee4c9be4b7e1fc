"""Which kind each number on a page is: pinned, bounded or assumed over consistent datasets.

``ruxlib ensemble`` (:mod:`ruxlib.ensemble`) writes ``data/published/ensemble.json``: every
computed number of every page over K datasets that reproduce every printed number, classed

``pinned``
    the same in every consistent dataset;
``bounded``
    it varies (the sampled range over the ensemble);
``assumed``
    it rests on named assumptions of ``data/published/assumptions.yml``.

:func:`annotate` is what :func:`ruxlib.publish.publish` does with that file on the paper's
reconstruction. A glued number in the prose that is bounded gets
"(consistent datasets: lo–hi)" after it, formatted like the number; one that is assumed gets
"(assumes A-…)", each id a link to the page's box. Pinned numbers stay bare, and so does a
bounded number whose range prints as one value at the precision shown. Under the page title, a
box "What this page can and cannot tell you" lists the assumptions the page's numbers rest on
and counts its numbers by class.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import yaml

from .paths import DATA

__all__ = ["ASSUMPTIONS_FILE", "BOX_TITLE", "ENSEMBLE_FILE", "annotate", "box", "by_name", "load",
           "load_assumptions", "mark", "marker"]

ENSEMBLE_FILE = DATA / "published" / "ensemble.json"
ASSUMPTIONS_FILE = DATA / "published" / "assumptions.yml"
BOX_TITLE = "What this page can and cannot tell you"
CLASSES = ("pinned", "bounded", "assumed")
_GLUE_TEXT = re.compile(r"\{glue(?::text)?\}`([^`:]+)(?::([^`]*))?`")
_HEADING = re.compile(r"^(?:\([^)]*\)=\n)?#{1,6}\s", re.MULTILINE)


def load(path: str | Path = ENSEMBLE_FILE) -> dict | None:
    """The ensemble document (:func:`ruxlib.ensemble.run`), or ``None`` when the file is absent."""
    path = Path(path)
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None


def load_assumptions(path: str | Path = ASSUMPTIONS_FILE) -> dict[str, str]:
    """Assumption id → its text, from ``assumptions.yml``."""
    doc = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    return {a["id"]: " ".join(str(a["assumption"]).split()) for a in doc["assumptions"]}


def by_name(doc: dict) -> dict[str, dict]:
    """The document's page numbers by glued name (names are unique: they start with the page label)."""
    return {r["name"]: r for r in doc["numbers"] if r["page"] != "ledger"}


def _fmt(value, spec: str) -> str:
    try:
        return format(value, spec or "g")
    except (TypeError, ValueError):
        return str(value)


def marker(row: dict, spec: str = "", target: str | None = None) -> str:
    """The text after a glued number of class ``row["class"]`` (empty for a pinned one).

    Parameters
    ----------
    row : dict
        The number's row of the ensemble document.
    spec : str
        The format spec the prose uses for the number (``".0f"``); the range is printed alike.
    target : str, optional
        Label of the page's box; assumption ids then link to it.

    Examples
    --------
    >>> marker({"class": "bounded", "min": 1.0, "max": 5.0}, ".0f")
    ' (consistent datasets: 1–5)'
    >>> marker({"class": "assumed", "assumptions": ["A-VENT", "A-D28"]})
    ' (assumes A-VENT, A-D28)'
    >>> marker({"class": "bounded", "min": 0.031, "max": 0.034}, ".2f")
    ''
    """
    if row["class"] == "assumed":
        ids = [f"{{ref}}`{a} <{target}>`" if target else a for a in row["assumptions"]]
        return f" (assumes {', '.join(ids)})"
    if row["class"] != "bounded":
        return ""
    if row.get("min") is None:
        return " (varies over consistent datasets)"
    lo, hi = _fmt(row["min"], spec), _fmt(row["max"], spec)
    return "" if lo == hi else f" (consistent datasets: {lo}–{hi})"


def mark(source: str, rows: dict[str, dict], target: str | None = None) -> str:
    """``source`` with :func:`marker` after every ``{glue:text}`` number that has a row."""
    def one(m: re.Match) -> str:
        row = rows.get(m.group(1))
        return m.group(0) + (marker(row, m.group(2) or "", target) if row else "")

    return _GLUE_TEXT.sub(one, source)


def box(names, rows: dict[str, dict], texts: dict[str, str], target: str) -> str | None:
    """The "What this page can and cannot tell you" box for a page gluing ``names``.

    Returns ``None`` when every number of the page that the ensemble knows is pinned.
    """
    mine = [rows[n] for n in names if n in rows]
    counts = Counter(r["class"] for r in mine)
    if counts["bounded"] + counts["assumed"] == 0:
        return None
    ids = list(dict.fromkeys(a for r in mine for a in r["assumptions"]))
    counted = ", ".join(f"{counts[c]} {c}" for c in CLASSES)
    lines = [
        f"({target})=",
        f"```{{admonition}} {BOX_TITLE}",
        ":class: important",
        "The data behind this page are one of many datasets that reproduce every number the paper "
        f"prints. Of the {len(mine)} numbers this page computes, {counted}: a pinned number is the "
        "same in every consistent dataset, a bounded one varies (its range over the consistent "
        "datasets follows it in the text), an assumed one rests on an assumption of the "
        "reconstruction (named after it in the text).",
    ]
    if ids:
        lines += ["", "This page rests on these assumptions:", ""]
        lines += [f"- **{a}**: {texts.get(a, '(not in assumptions.yml)')}" for a in ids]
    lines.append("```")
    return "\n".join(lines)


def annotate(cells: list, names, rows: dict[str, dict], texts: dict[str, str], target: str) -> list:
    """Markdown ``cells`` marked (:func:`mark`), with the :func:`box` after the page title.

    ``names`` are the page's glued names; ``target`` labels the box (unique in the book).
    """
    import nbformat

    out = []
    the_box = box(names, rows, texts, target)
    link = target if the_box else None
    for cell in cells:
        if cell.cell_type != "markdown":
            out.append(cell)
            continue
        source = mark(cell.source, rows, link)
        if the_box and _HEADING.search(source):
            title_end = source.find("\n", _HEADING.search(source).end())
            if title_end < 0:
                title_end = len(source)
            source = f"{source[:title_end]}\n\n{the_box}\n{source[title_end:]}"
            the_box = None
        out.append(nbformat.v4.new_markdown_cell(source, metadata=cell.metadata))
    return out
