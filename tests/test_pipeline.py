"""The book pipeline end to end: every page executes on the shipped data and is built."""

import json
import re
import subprocess
import tempfile

import pytest
from textscan import files_containing, markup_leaks, missing_words

from ruxlib.build import glued_values, toc_pages

pytestmark = pytest.mark.slow


def test_every_toc_page_is_built(built_book):
    for page in toc_pages():
        assert (built_book / f"{page}.html").exists(), page
    assert (built_book / "index.html").exists()


def test_results_json_has_every_page_and_glued_values(built_book):
    results = json.loads((built_book / "results.json").read_text())
    assert set(results["pages"]) == set(toc_pages())
    assert results["pages"]["book/intro"]["intro-n"] >= 1
    assert set(results["cache"]["executed"]) | set(results["cache"]["reused"]) == set(toc_pages())
    assert set(results["timings"]) == set(results["cache"]["executed"])


def test_shipped_book_shows_no_missing_value_words_or_paths(built_book):
    assert missing_words(built_book) == {}
    assert "book/survival.html" in files_containing(built_book, "<h2>Compare with the publication")
    assert files_containing(built_book, str(built_book.parent)) == []
    from ruxlib.paths import REPO

    assert files_containing(built_book, str(REPO)) == []  # e.g. a default argument in the API reference


def test_built_pages_say_the_data_are_reconstructed(built_book):
    html = (built_book / "book" / "intro.html").read_text()
    assert "Reconstructed data" in html


def test_built_site_renders_in_a_real_browser(built_book, chromium):
    with tempfile.TemporaryDirectory() as profile:
        run = subprocess.run(
            [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", "--no-first-run", f"--user-data-dir={profile}",
             "--dump-dom", (built_book / "book" / "intro.html").as_uri()],
            capture_output=True, text=True, timeout=120,
        )
    assert run.returncode == 0, run.stderr[-2000:]
    assert "About this book" in run.stdout
    assert "Reconstructed data" in run.stdout


# --- issue 13: what a reader sees in a real browser --------------------------------------

#: Runs in the page after it loaded; writes what the tests check into <pre id="ruxbook-probe">.
PROBE = """<script>
window.addEventListener("load", function () {
  var art = document.querySelector(".bd-article") || document.body, box = art.getBoundingClientRect();
  var out = {imgs: [], tables: []};
  document.querySelectorAll("img").forEach(function (img) {
    var fig = img.closest("figure"), cap = fig && fig.querySelector("figcaption");
    out.imgs.push({src: img.getAttribute("src") || "", alt: img.getAttribute("alt") || "",
                   inArticle: art.contains(img), captioned: !!(cap && cap.innerText.trim()),
                   natural: img.naturalWidth, shown: img.getBoundingClientRect().width});
  });
  art.querySelectorAll("table").forEach(function (t) {
    var r = t.getBoundingClientRect(), el = t.parentElement, scrolls = false;
    while (el && el !== document.body) {
      var o = getComputedStyle(el).overflowX;
      if ((o === "auto" || o === "scroll") && el.getBoundingClientRect().right <= box.right + 1) { scrolls = true; break; }
      el = el.parentElement;
    }
    out.tables.push({fits: r.right <= box.right + 1 && r.left >= box.left - 1, scrolls: scrolls,
                     head: (t.innerText || "").slice(0, 80)});
  });
  var pre = document.createElement("pre");
  pre.id = "ruxbook-probe";
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
});
</script>"""


def _probe(chromium, page, width: int) -> dict:
    """Open ``page`` (a built HTML file) at ``width`` px in Chromium; return what PROBE found."""
    import re

    copy = page.with_name(f"_probe-{page.name}")  # same folder: relative links still resolve
    copy.write_text(page.read_text(encoding="utf-8").replace("</body>", PROBE + "</body>"), encoding="utf-8")
    try:
        with tempfile.TemporaryDirectory() as profile:
            run = subprocess.run(
                [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", f"--user-data-dir={profile}",
                 f"--window-size={width},2000", "--virtual-time-budget=5000", "--dump-dom", copy.as_uri()],
                capture_output=True, text=True, timeout=180,
            )
    finally:
        copy.unlink()
    assert run.returncode == 0, run.stderr[-2000:]
    found = re.search(r'<pre id="ruxbook-probe"[^>]*>(.*?)</pre>', run.stdout, re.S)
    assert found, f"{page.name}: the page did not finish loading"
    import html

    return json.loads(html.unescape(found.group(1)))


def _is_path(alt: str, src: str) -> bool:
    """Whether alt text is a file name or path rather than a description (``PaO2/FiO2`` is not)."""
    import re

    name = src.rsplit("/", 1)[-1]
    return (alt.strip() == name or "_images/" in alt or alt.startswith(("/", "./", "../"))
            or re.fullmatch(r"[\w./-]+\.(png|svg|jpe?g|gif|pdf)", alt.strip(), re.I) is not None)


#: Smallest text, in CSS px as displayed, that a figure may show (issue 13).
MIN_FIGURE_TEXT_PX = 9.0


def _smallest_text_shown(page, img: dict) -> float | None:
    """Smallest text of a figure as displayed: its PNG's record (ruxlib.figures.png) × shown / natural width."""
    from urllib.parse import unquote

    from PIL import Image

    from ruxlib.figures import SMALLEST_TEXT_KEY

    with Image.open(page.parent / unquote(img["src"])) as png:
        recorded = png.text.get(SMALLEST_TEXT_KEY) if hasattr(png, "text") else None
    if recorded is None or not img["natural"]:
        return None
    return float(recorded) * img["shown"] / img["natural"]


def _screenshot(chromium, page, width: int, folder) -> None:
    """Save the top 2,400 px of ``page`` at ``width`` px as ``folder/PAGE-WIDTH.png``, to look at."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{page.stem}-{width}.png"
    with tempfile.TemporaryDirectory() as profile:
        run = subprocess.run(
            [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", "--no-first-run", "--hide-scrollbars",
             f"--user-data-dir={profile}", f"--window-size={width},2400", "--virtual-time-budget=5000",
             f"--screenshot={target}", page.as_uri()],
            capture_output=True, text=True, timeout=180,
        )
    assert run.returncode == 0 and target.is_file(), run.stderr[-2000:]


def test_images_tables_and_figure_text_as_a_reader_sees_them(built_book, chromium):
    """At 1280 and 400 px: alt text that describes, every figure captioned, no figure text under
    9 px as displayed, no table cut off; a screenshot of each page at each width is saved in
    ``_build/screenshots`` (next to the built book's repository) to look at."""
    from ruxlib.paths import REPO

    problems = []
    for page in toc_pages():
        path = built_book / f"{page}.html"
        for width in (1280, 400):
            probe = _probe(chromium, path, width)
            _screenshot(chromium, path, width, REPO / "_build" / "screenshots")
            for img in probe["imgs"]:
                where = f"{page} @{width}px: image {img['src']}"
                if not img["alt"].strip() or _is_path(img["alt"], img["src"]):
                    problems.append(f"{where} has alt text {img['alt']!r}")
                if not img["inArticle"]:
                    continue
                if not img["captioned"]:
                    problems.append(f"{where} has no caption")
                smallest = _smallest_text_shown(path, img)
                if smallest is None:
                    problems.append(f"{where} does not record its text size (draw it with ruxlib.figures)")
                elif smallest < MIN_FIGURE_TEXT_PX:
                    problems.append(f"{where} shows text of {smallest:.1f} px (< {MIN_FIGURE_TEXT_PX:g})")
            for table in probe["tables"]:
                if not (table["fits"] or table["scrolls"]):
                    problems.append(f"{page} @{width}px: table cut off: {table['head']!r}")
    assert problems == []


def _analysis_pages() -> list[str]:
    """Pages whose label (the ``(label)=`` target on their first line) is an entry point of
    :data:`ruxlib.pages.PAGES`: the pages that analyse data."""
    from ruxlib.pages import PAGES
    from ruxlib.paths import REPO

    found = []
    for page in toc_pages():
        first = (REPO / f"{page}.md").read_text(encoding="utf-8").split("---", 2)[-1].lstrip().splitlines()[0]
        if first.startswith("(") and first.endswith(")=") and first[1:-2] in PAGES:
            found.append(page)
    return found


def test_every_analysis_page_opens_with_a_key_result_and_objectives(built_book):
    pages = _analysis_pages()
    assert len(pages) >= 9
    missing = {}
    for page in pages:
        html = (built_book / f"{page}.html").read_text(encoding="utf-8")
        lacks = [box for box in ("key-result", "objectives", "method", "exercise")
                 if not re.search(rf'class="[^"]*\b{box} admonition\b', html)]
        if lacks:
            missing[page] = lacks
    assert missing == {}


def test_search_finds_a_glossary_term(built_book):
    text = (built_book / "searchindex.js").read_text(encoding="utf-8")
    index = json.loads(text[text.index("(") + 1:text.rindex(")")])
    glossary = index["docnames"].index("book/glossary")
    for word in ("ecmo", "extracorpor"):  # Sphinx indexes stemmed, lowercased words
        docs = index["terms"][word]
        assert glossary in (docs if isinstance(docs, list) else [docs]), word
    assert "term-ECMO" in (built_book / "book" / "glossary.html").read_text(encoding="utf-8")
    assert "glossary.html#term-" in (built_book / "genindex.html").read_text(encoding="utf-8")


def test_no_citation_is_broken(built_book):
    broken = {}
    for path in built_book.rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        for sign in ("citation not found", "[??]", ">??<", "(??)"):
            if sign in text:
                broken.setdefault(path.relative_to(built_book).as_posix(), []).append(sign)
    assert broken == {}


def test_glued_values_parses_numbers_and_text(tmp_path):
    import nbformat

    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("")
    cell.outputs = [
        nbformat.v4.new_output("display_data", data={"application/papermill.record/text/plain": "0.8125"},
                               metadata={"scrapbook": {"name": "km-s28", "mime_prefix": "application/papermill.record/"}}),
        nbformat.v4.new_output("display_data", data={"application/papermill.record/text/plain": "'n/a'"},
                               metadata={"scrapbook": {"name": "note", "mime_prefix": "application/papermill.record/"}}),
    ]
    nb.cells.append(cell)
    path = tmp_path / "x.ipynb"
    nbformat.write(nb, str(path))
    assert glued_values(path) == {"km-s28": 0.8125, "note": "n/a"}


def test_book_builds_on_another_trial_with_another_horizon(tmp_path):
    """A different trial (40 subjects, other IDs, visits, terms; no study.yml) and horizon 21."""
    from synthetic import make_trial

    from ruxlib.build import build

    data = make_trial(tmp_path / "trial")
    out = build(data=data, out=tmp_path / "html", params={"horizon": "21"}, jobs=2, progress=False)
    assert missing_words(out) == {}
    assert files_containing(out, str(tmp_path)) == []  # no builder's path is published
    assert files_containing(out, "<h2>Compare with the publication") == []  # not the paper's data
    results = json.loads((out / "results.json").read_text())
    assert results["parameters"]["horizon"] == 21
    assert results["pages"]["book/intro"]["intro-n"] == 40
    html = (out / "book" / "intro.html").read_text()
    assert "not marked as reconstructed" in html
    assert "Reconstructed data" not in html


def test_book_builds_on_a_folder_with_adsl_only(tmp_path):
    """Every page runs when only adsl.csv exists: absent data give a visible note, not a crash."""
    from ruxlib.build import build

    folder = tmp_path / "adsl-only"
    folder.mkdir()
    (folder / "adsl.csv").write_text("USUBJID,AGE,SEX\n1,50,M\n2,60,F\n", encoding="utf-8")
    from ruxlib.outdir import mark

    previous = tmp_path / "html"  # an earlier build's output (marked): replaced whole
    previous.mkdir()
    mark(previous)
    (previous / "stale.html").write_text("old", encoding="utf-8")
    out = build(data=folder, out=previous, jobs=2, progress=False)
    assert not (out / "stale.html").exists()
    assert missing_words(out) == {}
    assert files_containing(out, str(tmp_path)) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["adsl-only", "html"]  # nothing beside it
    for page in ("survival", "icu", "biomarkers", "time-to-start", "lnr", "adverse-events", "exposure"):
        html = (out / "book" / f"{page}.html").read_text()
        assert "Not available" in html, page


def test_no_data_value_becomes_markup(tmp_path):
    """HTML and MyST in every free-text column and study.yml string stay text on every page."""
    from payload import poison
    from synthetic import make_trial

    from ruxlib.build import build

    out = build(data=poison(make_trial(tmp_path / "trial")), out=tmp_path / "html", jobs=2, progress=False)
    html = ("<script>alert", "<img src=x", "<strong>bold</strong>", 'href="javascript')
    assert markup_leaks(out, html, ("{ref}`nowhere`", "**bold**", "](javascript")) == []
    html = (out / "book" / "adverse-events.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(1)" in html  # the value is shown, as text
