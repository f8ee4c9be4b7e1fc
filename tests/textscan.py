"""What a reader sees in a built book: its text, without code, scripts and styles."""

from __future__ import annotations

import html
import re
from pathlib import Path

MISSING = re.compile(r"(?<![\w.])(nan|NaN|<NA>|None|NaT)(?![\w(])")


def page_texts(root: Path):
    """(relative path, visible text without source code) of every built page."""
    for f in sorted(root.rglob("*.html")):
        if "_static" in f.parts or "_sources" in f.parts:
            continue
        t = f.read_text(encoding="utf-8")
        t = re.sub(r"<script.*?</script>|<style.*?</style>", "", t, flags=re.S)
        t = re.sub(r'<div class="cell_input.*?</pre></div>\s*</div>\s*</div>', "", t, flags=re.S)
        yield f.relative_to(root), html.unescape(re.sub(r"<[^>]+>", " ", t))


def missing_words(root: Path) -> dict[str, list[str]]:
    """Pages whose visible text shows nan, NaN, <NA>, None or NaT, with some context."""
    found = {}
    for rel, text in page_texts(root):
        if rel.as_posix() == "book/api.html":  # Python's own None (types, defaults) in the API reference
            continue
        hits = [text[max(0, m.start() - 50): m.end() + 20].replace("\n", " ") for m in MISSING.finditer(text)]
        if hits:
            found[str(rel)] = hits[:3]
    return found


def files_containing(root: Path, needle: str) -> list[str]:
    """Published files (any type) whose bytes contain ``needle``."""
    raw = needle.encode()
    return [str(f.relative_to(root)) for f in sorted(root.rglob("*")) if f.is_file() and raw in f.read_bytes()]


def markup_leaks(root: Path, html_needles: tuple[str, ...], myst_needles: tuple[str, ...]) -> list[str]:
    """Published places where a needle appears as live markup.

    HTML needles are searched in HTML files and in the HTML outputs of downloadable notebooks;
    MyST needles in what MyST parses: markdown cells and Markdown outputs. Plain-text outputs
    and ``results.json`` are data, not markup, and are skipped.
    """
    import json

    leaks = []
    for f in sorted(root.rglob("*")):
        if not f.is_file():
            continue
        rel = f.relative_to(root)
        if f.suffix == ".html":
            text = f.read_text(encoding="utf-8")
            leaks += [f"{rel}: {n}" for n in html_needles if n in text]
        elif f.suffix == ".ipynb":
            nb = json.loads(f.read_text(encoding="utf-8"))
            for cell in nb["cells"]:
                if cell["cell_type"] == "markdown":
                    src = "".join(cell["source"])
                    leaks += [f"{rel} markdown: {n}" for n in html_needles + myst_needles if n in src]
                for out in cell.get("outputs", []):
                    data = out.get("data", {})
                    for mime, needles in (("text/html", html_needles), ("text/markdown", html_needles + myst_needles)):
                        value = data.get(mime, "")
                        value = "".join(value) if isinstance(value, list) else value
                        leaks += [f"{rel} {mime}: {n}" for n in needles if n in value]
    return leaks
