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
"(consistent datasets: lo–hi)" after it (the range over the ensemble and the shipped data), formatted like the number; one that is assumed gets
"(assumes A-…)", each id a link to the page's box. Pinned numbers stay bare, and so does a
bounded number whose range prints as one value at the precision shown. Under the page title, a
box "What this page can and cannot tell you" lists the assumptions the page's numbers rest on
and counts its numbers by class.

The chapter "What the paper pins down" (``book/pins.md``) uses :func:`conclusions`,
:func:`bounds` and :func:`conclusions_plot`: each conclusion of the paper is a rule on one
number (:data:`CONCLUSIONS`), and holds in every consistent dataset, in most (the median meets
it), in some or in none.
"""

from __future__ import annotations

import functools
import json
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import yaml

from .paths import DATA

__all__ = ["ASSUMPTIONS_FILE", "BOX_TITLE", "bounds_text", "CONCLUSIONS", "ENSEMBLE_FILE", "Conclusion", "annotate", "bounds", "box",
           "by_name", "class_counts", "frequencies", "span", "conclusions", "conclusions_plot", "load", "load_assumptions", "mark", "marker"]

ENSEMBLE_FILE = DATA / "published" / "ensemble.json"
ASSUMPTIONS_FILE = DATA / "published" / "assumptions.yml"
BOX_TITLE = "What this page can and cannot tell you"
CLASSES = ("pinned", "bounded", "assumed")
_GLUE_TEXT = re.compile(r"\{glue(?::text)?\}`([^`:]+)(?::([^`]*))?`")
_SENTENCE_END = re.compile(r"[.!?;:](?=\s|$)|\n\s*\n|\n[-*] ")
_HEADING = re.compile(r"^(?:\([^)]*\)=\n)?#{1,6}\s", re.MULTILINE)


def load(path: str | Path = ENSEMBLE_FILE) -> dict | None:
    """The ensemble document (:func:`ruxlib.ensemble.run`), or ``None`` when the file is absent."""
    path = Path(path)
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None


def load_assumptions(path: str | Path = ASSUMPTIONS_FILE) -> dict[str, str]:
    """Assumption id → its text, from ``assumptions.yml`` (parsed once per file content)."""
    return dict(_assumptions(Path(path).read_text(encoding="utf-8")))


@functools.lru_cache(maxsize=4)
def _assumptions(text: str) -> tuple[tuple[str, str], ...]:
    doc = yaml.safe_load(text)
    return tuple((a["id"], " ".join(str(a["assumption"]).split())) for a in doc["assumptions"])


SAME_AS = {"eligibility-pf-over": "baseline-pf-n-above",
           # the intro's findings at a glance quote the pages' entry points
           "intro-km-s": "km-survival-s", "intro-km-lower": "km-survival-lower",
           "intro-km-upper": "km-survival-upper", "intro-ae-n": "adverse-events-n-patients",
           "intro-lnr-p": "lnr-wmw-p"}
"""Glued names of pages outside :data:`ruxlib.pages.PAGES` → the evaluated number they equal."""


def by_name(doc: dict) -> dict[str, dict]:
    """The document's page numbers by glued name (names are unique: they start with the page label),
    with the names of :data:`SAME_AS`."""
    rows = {r["name"]: r for r in doc["numbers"] if r["page"] != "ledger"}
    return rows | {alias: rows[name] for alias, name in SAME_AS.items() if name in rows}


def frequencies(doc: dict | None, name: str) -> pd.DataFrame | None:
    """How often each value of the non-numeric number ``name`` arises over the ensemble.

    Returns ``value, datasets, share`` (share in % of the ensemble), most frequent first, or
    ``None`` when the document has no counts for it (absent file, or a number with a range).

    Examples
    --------
    >>> doc = {"solutions": 4, "numbers": [{"page": "p", "name": "p-x", "counts": [["a", 3], ["b", 1]]}]}
    >>> frequencies(doc, "p-x").to_dict("records")
    [{'value': 'a', 'datasets': 3, 'share': 75.0}, {'value': 'b', 'datasets': 1, 'share': 25.0}]
    """
    row = by_name(doc).get(name) if doc else None
    if not row or not row.get("counts"):
        return None
    table = pd.DataFrame(row["counts"], columns=["value", "datasets"])
    table["share"] = 100 * table["datasets"] / doc["solutions"]
    return table


def _fmt(value, spec: str) -> str:
    try:
        return format(value, spec or "g")
    except (TypeError, ValueError):
        return str(value)


def span(row: dict) -> tuple:
    """Smallest and largest value over the ensemble and the shipped data (also a consistent dataset).

    Examples
    --------
    >>> span({"shipped": 5, "min": 2.0, "max": 4.0})
    (2.0, 5)
    """
    shipped = row.get("shipped")
    values = [row["min"], row["max"]] + ([shipped] if isinstance(shipped, int | float) else [])
    return min(values), max(values)


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
    >>> marker({"class": "bounded", "min": 2, "max": 4, "proven": [1, 6]}, ".0f")
    ' (consistent datasets: 1–6, proven)'
    >>> marker({"class": "bounded", "min": 0.031, "max": 0.034}, ".2f")
    ''
    >>> marker({"class": "bounded", "min": -130.24, "max": -130.04}, ".1f")
    ' (consistent datasets: -130.2 to -130.0)'
    """
    if row["class"] == "assumed":
        ids = [f"{{ref}}`{a} <{target}>`" if target else a for a in row["assumptions"]]
        return f" (assumes {', '.join(ids)})"
    if row["class"] != "bounded":
        return ""
    if row.get("proven"):
        lo, hi = (_fmt(v, spec) for v in row["proven"])
        return f" (consistent datasets: {lo}–{hi}, proven)"
    if row.get("min") is None:
        return " (varies over consistent datasets)"
    lo, hi = (_fmt(v, spec) for v in span(row))
    dash = " to " if lo.startswith("-") or hi.startswith("-") else "–"
    return "" if lo == hi else f" (consistent datasets: {lo}{dash}{hi})"


def mark(source: str, rows: dict[str, dict], target: str | None = None) -> str:
    """``source`` with :func:`marker` after every ``{glue:text}`` number that has a row.

    An "(assumes …)" marker is written once per sentence: where several numbers of one
    sentence rest on the same assumptions, it follows the last of them.

    Examples
    --------
    >>> rows = {"a": {"class": "assumed", "assumptions": ["A-X"]}, "b": {"class": "assumed", "assumptions": ["A-X"]}}
    >>> mark("Medians {glue:text}`a` and {glue:text}`b`. Then {glue:text}`a`.", rows)
    'Medians {glue:text}`a` and {glue:text}`b` (assumes A-X). Then {glue:text}`a` (assumes A-X).'
    """
    found = list(_GLUE_TEXT.finditer(source))
    texts = [marker(rows[m.group(1)], m.group(2) or "", target) if m.group(1) in rows else "" for m in found]
    for i in range(len(found) - 1):
        between = source[found[i].end():found[i + 1].start()]
        same_sentence = not _SENTENCE_END.search(between)
        if texts[i].startswith(" (assumes") and texts[i] == texts[i + 1] and same_sentence:
            texts[i] = ""
    out, last = [], 0
    for m, text in zip(found, texts, strict=True):
        out += [source[last:m.end()], text]
        last = m.end()
    return "".join(out) + source[last:]


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
        f"prints. Over those consistent datasets, this page's numbers are {counted}. A pinned number "
        "is the same in every consistent dataset; a bounded one varies, and its range over the "
        "consistent datasets follows it in the text; an assumed one rests on a choice of the "
        "reconstruction, named after it in the text.",
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


# --------------------------------------------------------------------------- the paper's conclusions


@dataclass(frozen=True)
class Conclusion:
    """A conclusion of the paper, as a rule on one computed number.

    ``op`` is ``"<"`` or ``">"`` against ``threshold``, or ``"="``: equal to the shipped value.
    """

    label: str
    page: str
    name: str
    statistic: str
    op: str
    threshold: float | None = None


CONCLUSIONS = (
    Conclusion("Day-28 survival", "km-survival", "km-survival-s", "Kaplan-Meier survival at day 28 (%)", "="),
    Conclusion("CRP declines", "biomarkers", "biomarkers-crp-n-sig", "visits significantly below baseline", ">", 0),
    Conclusion("IL-6 declines", "biomarkers", "biomarkers-il6-n-sig", "visits significantly below baseline", ">", 0),
    Conclusion("Time-to-start difference", "time-to-start", "time-to-start-p-normal",
               "Wilcoxon-Mann-Whitney p (normal approximation)", "<", 0.05),
    Conclusion("LNR difference", "lnr", "lnr-wmw-p", "Wilcoxon-Mann-Whitney p", "<", 0.05),
    Conclusion("LNR log-rank", "lnr", "lnr-logrank-p", "log-rank p, LNR below vs above the median", "<", 0.05),
    Conclusion("AE profile", "adverse-events", "adverse-events-n-patients", "patients with a grade 3 or higher AE",
               "="),
)
"""The paper's conclusions checked over the ensemble, one row of the figure each."""

HOLDS = ("in every consistent dataset", "in most", "in some", "in none")


def _holds(c: Conclusion, row: dict) -> str:
    """Where ``c`` holds, from the ensemble's minimum, median and maximum of its number."""
    if c.op == "=":
        same = [v == row["shipped"] for v in (row["min"], row["median"], row["max"])]
        return HOLDS[0] if all(same) else HOLDS[1] if same[1] else HOLDS[2]
    ok = (lambda v: v < c.threshold) if c.op == "<" else (lambda v: v > c.threshold)
    worst, best = (row["max"], row["min"]) if c.op == "<" else (row["min"], row["max"])
    if ok(worst):
        return HOLDS[0]
    return HOLDS[1] if ok(row["median"]) else HOLDS[2] if ok(best) else HOLDS[3]


def conclusions(doc: dict) -> pd.DataFrame:
    """One row per :data:`CONCLUSIONS`: the rule, shipped value, range (:func:`span`), class and where it holds."""
    rows = {(r["page"], r["name"]): r for r in doc["numbers"]}
    out = []
    for c in CONCLUSIONS:
        r = rows[(c.page, c.name)]
        rule = "same as shipped" if c.op == "=" else f"{c.op} {c.threshold:g}"
        lo, hi = span(r)
        out.append({"conclusion": c.label, "statistic": c.statistic, "rule": rule, "shipped": r["shipped"],
                    "min": lo, "median": r["median"], "max": hi, "class": r["class"],
                    "assumptions": ", ".join(r["assumptions"]), "holds": _holds(c, {**r, "min": lo, "max": hi})})
    return pd.DataFrame(out)


def bounds(doc: dict) -> pd.DataFrame:
    """The counts with proven bounds: shipped value, range over the ensemble and proven range."""
    return pd.DataFrame([
        {"quantity": b["quantity"], "shipped": b["shipped"], "sampled min": b["sampled"][0],
         "sampled max": b["sampled"][1], "proven min": b["proven"][0], "proven max": b["proven"][1],
         "scope of the proof": b["scope"]}
        for b in doc["bounds"]
    ])


def bounds_text(table: pd.DataFrame) -> str:
    """One Markdown bullet per bounded quantity of :func:`bounds`.

    Examples
    --------
    >>> t = pd.DataFrame([{"quantity": "Deaths after day 28", "shipped": 1, "sampled min": 1, "sampled max": 2,
    ...                    "proven min": 1, "proven max": 2, "scope of the proof": "patterns"}])
    >>> bounds_text(t)
    '- **Deaths after day 28**: 1 in the shipped data; sampled 1 to 2; proven 1 to 2 (scope: patterns).'
    """
    def f(x) -> str:
        return f"{x:g}" if isinstance(x, float) else str(x)

    return "\n".join(
        f"- **{r['quantity']}**: {f(r['shipped'])} in the shipped data; sampled {f(r['sampled min'])} to "
        f"{f(r['sampled max'])}; proven {f(r['proven min'])} to {f(r['proven max'])} (scope: {r['scope of the proof']})."
        for r in table.to_dict("records"))


def class_counts(doc: dict) -> dict[str, int]:
    """How many of the pages' numbers are pinned, bounded and assumed."""
    counts = Counter(r["class"] for r in doc["numbers"] if r["page"] != "ledger")
    return {c: counts[c] for c in CLASSES}


def conclusions_plot(table: pd.DataFrame):
    """One row per conclusion: the sampled interval of its number and the shipped value.

    Returns
    -------
    matplotlib.figure.Figure
    """
    from .figures import style  # here: the build imports this module; figures imports survival

    with style():
        return _conclusions_plot(table)


def _conclusions_plot(table: pd.DataFrame):
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(len(table), 1, figsize=(7.5, 1.0 * len(table) + 0.6), squeeze=False)
    for ax, (_, r) in zip(axes[:, 0], table.iterrows(), strict=True):
        ax.hlines(0, r["min"], r["max"], color="#2166ac", lw=6, alpha=0.5, label="consistent datasets (sampled)")
        ax.plot([r["shipped"]], [0], "o", color="#b2182b", label="shipped data")
        threshold = next(c.threshold for c in CONCLUSIONS if c.label == r["conclusion"])
        if threshold is not None:
            ax.axvline(threshold, color="#555555", ls="--", lw=1, label="the conclusion's threshold")
        ax.set_yticks([])
        ax.set_ylabel(r["conclusion"], rotation=0, ha="right", va="center")
        ax.set_title(f"{r['statistic']} ({r['rule']})", fontsize=8, loc="left")
        shown = [r["min"], r["max"], r["shipped"]] + ([] if threshold is None else [threshold])
        lo, hi = min(shown), max(shown)
        pad = (hi - lo) * 0.1 or max(abs(hi) * 0.1, 0.5)
        ax.set_xlim(lo - pad, hi + pad)
    legend = {}
    for ax in axes[:, 0]:
        legend.update(zip(*reversed(ax.get_legend_handles_labels()), strict=True))
    fig.legend(list(legend.values()), list(legend), loc="lower center", ncol=3, fontsize=8, frameon=False)
    fig.tight_layout(rect=(0, 0.06, 1, 1))
    return fig
