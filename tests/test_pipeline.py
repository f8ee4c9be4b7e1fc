"""The book pipeline end to end: every page executes on the shipped data and is built."""

import json
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
    assert "Ruxolitinib in ventilated COVID-19 ARDS" in run.stdout
    assert "Reconstructed data" in run.stdout


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
