"""Prepare an executed page for readers: only what the data support, no machine paths.

``ruxlib build`` runs :func:`publish` on every executed notebook before Jupyter Book renders
it. The rules hold for any page, so a page written for the paper stays true on other data.

Algorithm
---------
1. The cell papermill injects (``injected-parameters``, which holds the builder's path) becomes
   one line naming the values the page ran with and the study folder by its name only; on a
   page without code (the glossary, the references) it is left out.
2. On a study folder that is not this paper's reconstruction, every section headed
   "Compare with the publication" is left out, from its heading to the next heading of the
   same or a higher level: another trial is not compared with Neubauer et al.
   A MyST comment line ``% publication-only`` alone before a block (a paragraph, a box, or
   a heading: then its whole section) keeps it only on this paper's reconstruction;
   ``% other-data-only`` keeps it only on any other study folder.
3. A prose cell that quotes a glued value the page could not compute (absent, ``nan``,
   ``None``) is left out; the page's "Not available" box says what is missing.
4. In tables shown to a reader, a missing value (``NaN``, ``nan``, ``<NA>``, ``None``) is shown
   as an em dash, and a note under the table says that the dash means "not available".
5. Given the ensemble of consistent datasets (``ensemble``, on this paper's reconstruction only),
   each glued number in the prose says which kind it is, and a box under the title says what
   the page can and cannot tell (:func:`ruxlib.pins.annotate`).
6. The first use of each glossary term in a page's prose (``book/glossary.md``, its term lines)
   becomes a ``{term}`` link (:func:`link_terms`): never in code, roles, math, links, HTML,
   headings, directive lines (admonition titles, options) or fenced blocks.
7. A page with a ``parameters`` cell (an analysis page) gets a closing "Run this page" section
   (clone, ``make book``, ``make lab``), and its ``parameters`` cell, which the downloadable
   notebook keeps, holds the values the page ran with and the relative ``data_dir = "../data"``
   (the shipped data, seen from ``book/``), never the builder's path.
8. Every figure output gets alt text and, on this paper's reconstruction, a caption that says
   the data are reconstructed (:func:`_figure_metadata`): a cell's own ``mystnb`` ``image.alt``
   and ``figure.caption`` are kept and completed, never replaced.
9. Given the build's ``timings``, the cell tagged ``build-timings`` (on the status page) shows
   them as a table, page by page ("reused" for a page taken from the cache), and glues their
   total as ``status-total``; the page is executed with the others, so its own time is blank.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

from . import pins
from .paths import REPO

__all__ = ["MISSING_WORDS", "glossary_terms", "link_terms", "publish"]

MISSING_WORDS = ("nan", "NaN", "<NA>", "None", "NaT")
_GLUE = re.compile(r"\{glue(?::text|:md|:any|:figure)?\}`([^`:]+)(?::[^`]*)?`")
_HEADING = re.compile(r"^(?:\([^)]*\)=\n)?(#{1,6})\s+(.*)$")
_TARGET = re.compile(r"^\([^)\s]+\)=\s*$")
_CELL = re.compile(r"(<td[^>]*>)\s*(nan|NaN|&lt;NA&gt;|None|NaT)\s*(</td>)")
_EMPTY_BOX = re.compile(r"^(:{3,})\{[\w-]+\}[^\n]*\n(?::[\w-]+:[^\n]*\n)*\s*^\1[ \t]*$\n?", re.MULTILINE)
"""A colon-fenced directive (a box) left without content when all its sentences were dropped."""
PUBLICATION_ONLY = "% publication-only"
OTHER_DATA_ONLY = "% other-data-only"
ONLY_MARKERS = (PUBLICATION_ONLY, OTHER_DATA_ONLY)
DASH_NOTE = '<p class="ruxbook-dash-note"><small>— : not available or not applicable.</small></p>'


def _missing(value) -> bool:
    if value is None:
        return True
    if isinstance(value, float):
        return math.isnan(value)
    return isinstance(value, str) and value.strip() in MISSING_WORDS


def _parameters_line(params: dict, folder: str) -> str:
    shown = ", ".join(f"`{k} = {v!r}`" for k, v in params.items() if k != "data_dir")
    ran = f"with {shown}, " if shown else ""
    return f"*This page ran {ran}on the study folder `{folder}`.*"


def _blocks(source: str) -> list[str]:
    """Markdown split into blocks: each heading starts one, blank lines end one; fences stay whole."""
    blocks, current, fence = [], [], None
    for line in source.splitlines():
        stripped = line.lstrip()
        if fence is None and stripped.startswith(("```", "~~~")):
            fence = stripped[:3]
        elif fence is not None and stripped.startswith(fence) and stripped.strip() == fence:
            fence = None
            current.append(line)
            continue
        if fence is None and (_HEADING.match(line) or not line.strip()):
            if _HEADING.match(line):
                if len(current) == 1 and _TARGET.match(current[0]):  # "(label)=" names the heading
                    blocks.append(current[0] + "\n" + line)
                else:
                    blocks.extend(["\n".join(current)] if current else [])
                    blocks.append(line)
            elif current:
                blocks.append("\n".join(current))
            current = []
            continue
        current.append(line)
    if current:
        blocks.append("\n".join(current))
    return blocks


def _heading(block: str) -> tuple[int, str] | None:
    m = _HEADING.match(block)
    return (len(m.group(1)), m.group(2).strip()) if m else None


def _prune_markdown(cells: list, publication: bool, glued: dict) -> list:
    """Drop comparison sections (unless ``publication``) and blocks quoting values not computed."""
    import nbformat

    out, skip_level, pending = [], None, None
    for cell in cells:
        if cell.cell_type != "markdown":
            if skip_level is None:
                out.append(cell)
            continue
        kept = []
        for block in _blocks(cell.source):
            first, _, rest = block.partition("\n")
            if first.strip() in ONLY_MARKERS:
                pending, block = first.strip(), rest
                if not block.strip():
                    continue
            head = _heading(block)
            if head and skip_level is not None and head[0] <= skip_level:
                skip_level = None
            drop = pending is not None and (pending == PUBLICATION_ONLY) != publication
            pending = None
            if head and (drop or (not publication and head[1].lower() == "compare with the publication")):
                skip_level = head[0]
            if skip_level is not None or drop:
                continue
            names = _GLUE.findall(block)
            if any(name not in glued or _missing(glued[name]) for name in names):
                continue
            kept.append(block)
        text = _EMPTY_BOX.sub("", "\n\n".join(kept)).strip() if kept else ""
        if text:
            out.append(nbformat.v4.new_markdown_cell(text, metadata=cell.metadata))
    return out


def _clean_outputs(cell) -> None:
    for output in cell.get("outputs", []):
        data = output.get("data", {})
        html = data.get("text/html")
        if html is None or "<td" not in html:
            continue
        text = "".join(html) if isinstance(html, list) else html
        new, n = _CELL.subn(lambda m: f"{m.group(1)}—{m.group(3)}", text)
        if n:
            data["text/html"] = new + DASH_NOTE


GLOSSARY = REPO / "book" / "glossary.md"
#: Spans of a prose line that are never rewritten: roles, inline code, links, autolinks/HTML,
#: math, substitutions, URLs.
_PROTECTED = re.compile(
    r"\{[^}\s]+\}`[^`]*`|`[^`]*`|!?\[[^\]]*\]\([^)]*\)|!?\[[^\]]*\]\[[^\]]*\]|\[[^\]]*\]"
    r"|<[^>]*>|\$\$?[^$]+\$\$?|\{\{[^}]*\}\}|https?://\S+"
)
#: Lines that are not prose: headings, targets, comments, fences and directive lines, options,
#: HTML, tables' rules.
_NOT_PROSE = re.compile(r"^\s*(?:#|\(\S*\)=|%|:::|```|~~~|:[\w-]+:|<|\|?\s*:?-{3,})")


def glossary_terms(path: Path = GLOSSARY) -> list[list[str]]:
    """The terms of a MyST ``{glossary}``: one list per entry, its names in order.

    A term line is an unindented line inside the ``{glossary}`` fence; the lines before an
    indented definition are names of the same entry (an abbreviation and its expansion).
    Returns ``[]`` when there is no glossary.
    """
    if not Path(path).is_file():
        return []
    entries, names, inside = [], [], False
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if not inside:
            inside = line.startswith("```{glossary}")
            continue
        if line.startswith("```"):
            break
        if not line.strip() or line.lstrip().startswith(":") and not line.startswith(" ") and not names:
            continue
        if line[0].isspace():
            if names:
                entries.append(names)
                names = []
        else:
            names.append(line.strip())
    return entries


def _term_pattern(name: str) -> re.Pattern:
    """Regex of a term in prose: hyphen and en dash alike, a plural ``s``, the case of an
    abbreviation exact and that of a lowercase word's first letter free."""
    parts = []
    for i, ch in enumerate(name):
        if ch in "-–":
            parts.append("[-–]")
        elif i == 0 and ch.islower():
            parts.append(f"[{ch}{ch.upper()}]")
        else:
            parts.append(re.escape(ch))
    return re.compile(r"(?<![\w-])(" + "".join(parts) + r"s?)(?![\w-])")


def link_terms(source: str, entries: list[list[str]], linked: set[int]) -> str:
    """Make the first prose use of each glossary entry in ``source`` a ``{term}`` role.

    ``linked`` holds the indexes of the entries already linked on this page; it is updated.
    Code, roles, math, links, HTML, headings, directive lines and fenced blocks are left alone.
    """
    names = sorted(((name, i) for i, entry in enumerate(entries) for name in entry),
                   key=lambda pair: -len(pair[0]))
    patterns = [(_term_pattern(name), name, i) for name, i in names]
    out, fence = [], None
    for line in source.splitlines(keepends=True):
        stripped = line.lstrip()
        if fence is not None:
            if stripped.startswith(fence) and stripped.strip() == fence:
                fence = None
            out.append(line)
            continue
        if stripped.startswith(("```", "~~~")):
            fence = stripped[:3]
            out.append(line)
            continue
        if _NOT_PROSE.match(line) or len(linked) == len(entries):
            out.append(line)
            continue
        out.append(_link_line(line, patterns, linked))
    return "".join(out)


def _link_line(line: str, patterns, linked: set[int]) -> str:
    pieces, start = [], 0  # (text, rewritable)
    for m in _PROTECTED.finditer(line):
        pieces += [(line[start:m.start()], True), (m.group(0), False)]
        start = m.end()
    pieces.append((line[start:], True))
    for k, (text, free) in enumerate(pieces):
        if free:
            pieces[k] = (_link_text(text, patterns, linked), False)
    return "".join(text for text, _ in pieces)


def _link_text(text: str, patterns, linked: set[int]) -> str:
    """Link the earliest (then longest) use of a not yet linked entry in ``text``, then the rest."""
    best = None
    for pattern, name, i in patterns:
        if i in linked:
            continue
        m = pattern.search(text)
        if m and (best is None or (m.start(), -len(m.group(1))) < (best[0].start(), -len(best[0].group(1)))):
            best = (m, name, i)
    if best is None:
        return text
    m, name, i = best
    linked.add(i)
    head = _link_text(text[:m.start()], patterns, linked)
    return head + f"{{term}}`{m.group(1)} <{name}>`" + _link_text(text[m.end():], patterns, linked)


RUN_HEADING = "## Run this page"
_RUN_THIS_PAGE = RUN_HEADING + """

This page is `book/{stem}.md` of the book's repository, a notebook kept as text (jupytext MyST).
To run it yourself:

1. Clone the repository (`git clone`, then `cd` into it); you need Python 3.11 or later and `make`.
2. `make book` creates `.venv`, installs the pinned requirements and builds this book into
   `_build/html`.
3. `make lab` opens JupyterLab in `book/`; open `{stem}.md` (it opens as a notebook) and run all
   cells. Its first cell reads the shipped data (`data_dir = "../data"`); point `data_dir` at
   another study folder, or change a parameter there, and run it again. The whole book is built
   on another folder with `.venv/bin/ruxlib build --data FOLDER`.

The notebook this page offers for download is the page as it ran here; put it in `book/` of the
clone to run it there.
"""


def _parameters_cell(source: str, params: dict, folder: str) -> str:
    """The ``parameters`` cell with the values the page ran with and the relative data path."""
    lines = []
    for line in source.splitlines():
        name = line.split("=", 1)[0].strip() if "=" in line else None
        if name == "data_dir":
            line = f'data_dir = "../data"  # this page ran on the study folder {folder!r}'
        elif name in params:
            line = f"{name} = {params[name]!r}"
        lines.append(line)
    return "\n".join(lines)


def _figure_metadata(cell, title: str, publication: bool) -> None:
    """Alt text (and the reconstruction's caption note) for a code cell that shows a figure."""
    if not any("image/png" in o.get("data", {}) or "image/svg+xml" in o.get("data", {})
               for o in cell.get("outputs", [])):
        return
    mystnb = cell.metadata.setdefault("mystnb", {})
    figure = mystnb.get("figure")
    caption = (figure or {}).get("caption")
    image = mystnb.setdefault("image", {})
    if not image.get("alt"):
        image["alt"] = caption or f"Figure of the page “{title}”, drawn from the study folder's data"
    if publication and figure is not None and caption and "reconstructed data" not in caption:
        figure["caption"] = caption.rstrip() + " (reconstructed data)"


def _title(cells) -> str:
    for cell in cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    return "this page"


def _timings_outputs(timings: dict[str, float | None]) -> list:
    """Outputs of the ``build-timings`` cell: a table of page times and the glued total."""
    import html

    import nbformat

    rows = "".join(
        f"<tr><td>{html.escape(page)}</td><td>{'reused' if s is None else f'{s:.1f}'}</td></tr>"
        for page, s in timings.items()
    )
    table = f"<table><thead><tr><th>page</th><th>seconds</th></tr></thead><tbody>{rows}</tbody></table>"
    total = round(sum(s for s in timings.values() if s is not None), 1)
    glue = "application/papermill.record/"
    return [
        nbformat.v4.new_output("display_data", data={"text/html": table, "text/plain": "page timings"}),
        nbformat.v4.new_output("display_data", data={glue + "text/plain": repr(total)},
                               metadata={"scrapbook": {"name": "status-total", "mime_prefix": glue}}),
    ]


def publish(notebook: Path, *, publication: bool, params: dict, folder: str, glued: dict,
            timings: dict[str, float | None] | None = None, ensemble: dict | None = None,
            glossary: Path | None = GLOSSARY) -> None:
    """Rewrite the executed ``notebook`` in place for readers (see the module's algorithm).

    Parameters
    ----------
    notebook : pathlib.Path
        The executed notebook, rewritten in place.
    publication : bool
        Whether the study folder is this paper's reconstruction.
    params : dict
        The page parameters the page ran with (shown on the page).
    folder : str
        The study folder's name (never its path).
    glued : dict
        The page's glued values by name.
    timings : dict, optional
        Execution seconds by page, for the status page.
    ensemble : dict, optional
        The document of ``ruxlib ensemble`` (:func:`ruxlib.pins.load`); used only when
        ``publication`` is true.
    glossary : pathlib.Path, optional
        The glossary page whose terms are linked (:func:`link_terms`); ``None``: no links.
    """
    import nbformat

    nb = nbformat.read(str(notebook), as_version=4)
    nb.metadata.pop("papermill", None)  # holds the builder's paths (input, output, data_dir)
    cells = []
    runs_code = any(c.cell_type == "code" and "injected-parameters" not in c.metadata.get("tags", [])
                    for c in nb.cells)
    for cell in nb.cells:
        if "injected-parameters" in cell.metadata.get("tags", []):
            if runs_code:  # a page of prose only (glossary, references) ran with nothing
                cells.append(nbformat.v4.new_markdown_cell(_parameters_line(params, folder)))
            continue
        cells.append(cell)
    for cell in cells:
        if cell.cell_type == "code":
            _clean_outputs(cell)
        if timings is not None and "build-timings" in cell.metadata.get("tags", []):
            cell.outputs = _timings_outputs(timings)
    nb.cells = _prune_markdown(cells, publication, glued)
    title = _title(nb.cells)
    for cell in nb.cells:
        if cell.cell_type == "code":
            _figure_metadata(cell, title, publication)
    stem = notebook.stem
    for cell in nb.cells:
        if cell.cell_type == "code" and "parameters" in cell.metadata.get("tags", []):
            cell.source = _parameters_cell(cell.source, params, folder)
            if not any(c.cell_type == "markdown" and RUN_HEADING in c.source for c in nb.cells):
                nb.cells.append(nbformat.v4.new_markdown_cell(_RUN_THIS_PAGE.format(stem=stem)))
            break
    if publication and ensemble is not None:
        nb.cells = pins.annotate(nb.cells, glued, pins.by_name(ensemble), pins.load_assumptions(),
                                 f"pins-{notebook.stem}")
    entries = glossary_terms(glossary) if glossary is not None else []
    if entries and not any("{glossary}" in c.source or "{bibliography}" in c.source for c in nb.cells):
        linked: set[int] = set()
        for cell in nb.cells:
            if cell.cell_type == "markdown":
                cell.source = link_terms(cell.source, entries, linked)
    for i, cell in enumerate(nb.cells):  # new cells get random ids: keep the output byte-stable,
        cell["id"] = f"{stem}-{i}"[-64:]  # so that Sphinx re-reads only pages that changed
    nbformat.write(nb, str(notebook))
