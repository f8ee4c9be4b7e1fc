"""Prepare an executed page for readers: only what the data support, no machine paths.

``ruxlib build`` runs :func:`publish` on every executed notebook before Jupyter Book renders
it. The rules hold for any page, so a page written for the paper stays true on other data.

Algorithm
---------
1. The cell papermill injects (``injected-parameters``, which holds the builder's path) becomes
   one line naming the values the page ran with and the study folder by its name only.
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
6. Given the build's ``timings``, the cell tagged ``build-timings`` (on the status page) shows
   them as a table, page by page ("reused" for a page taken from the cache), and glues their
   total as ``status-total``; the page is executed with the others, so its own time is blank.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

from . import pins

__all__ = ["MISSING_WORDS", "publish"]

MISSING_WORDS = ("nan", "NaN", "<NA>", "None", "NaT")
_GLUE = re.compile(r"\{glue(?::text|:md|:any|:figure)?\}`([^`:]+)(?::[^`]*)?`")
_HEADING = re.compile(r"^(?:\([^)]*\)=\n)?(#{1,6})\s+(.*)$")
_TARGET = re.compile(r"^\([^)\s]+\)=\s*$")
_CELL = re.compile(r"(<td[^>]*>)\s*(nan|NaN|&lt;NA&gt;|None|NaT)\s*(</td>)")
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
        if kept:
            out.append(nbformat.v4.new_markdown_cell("\n\n".join(kept), metadata=cell.metadata))
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
            timings: dict[str, float | None] | None = None, ensemble: dict | None = None) -> None:
    """Rewrite the executed ``notebook`` in place for readers (see the module's algorithm).

    ``ensemble`` is the document of ``ruxlib ensemble`` (:func:`ruxlib.pins.load`); it is used
    only when ``publication`` is true.
    """
    import nbformat

    nb = nbformat.read(str(notebook), as_version=4)
    nb.metadata.pop("papermill", None)  # holds the builder's paths (input, output, data_dir)
    cells = []
    for cell in nb.cells:
        if "injected-parameters" in cell.metadata.get("tags", []):
            cells.append(nbformat.v4.new_markdown_cell(_parameters_line(params, folder)))
            continue
        cells.append(cell)
    for cell in cells:
        if cell.cell_type == "code":
            _clean_outputs(cell)
        if timings is not None and "build-timings" in cell.metadata.get("tags", []):
            cell.outputs = _timings_outputs(timings)
    nb.cells = _prune_markdown(cells, publication, glued)
    if publication and ensemble is not None:
        nb.cells = pins.annotate(nb.cells, glued, pins.by_name(ensemble), pins.load_assumptions(),
                                 f"pins-{notebook.stem}")
    nbformat.write(nb, str(notebook))
