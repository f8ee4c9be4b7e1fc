"""Which kind each number is, on the pages (ruxlib.pins, through ruxlib.publish)."""

import nbformat
import pytest

from ruxlib import pins
from ruxlib.io import load_study
from ruxlib.pages import evaluate_all
from ruxlib.paths import DATA
from ruxlib.publish import publish

PAGE = """(tts)=
# Time to start

{glue:text}`tts-n:.0f` patients; {glue:text}`tts-above:.0f` above 200, p = {glue:text}`tts-p:.2f`.

Close: {glue:text}`tts-close:.2f`.
"""

ENSEMBLE = {"numbers": [
    {"page": "tts", "name": "tts-n", "class": "pinned", "min": 16, "max": 16, "assumptions": []},
    {"page": "tts", "name": "tts-above", "class": "bounded", "shipped": 5, "min": 1, "max": 4, "assumptions": []},
    {"page": "tts", "name": "tts-p", "class": "assumed", "min": 0.02, "max": 0.2, "assumptions": ["A-VENT"]},
    {"page": "tts", "name": "tts-close", "class": "bounded", "min": 0.031, "max": 0.034, "assumptions": []},
]}


def _notebook(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell(PAGE)]
    path = tmp_path / "tts.ipynb"
    nbformat.write(nb, str(path))
    return path


def _published(tmp_path, publication):
    path = _notebook(tmp_path)
    glued = {"tts-n": 16, "tts-above": 5, "tts-p": 0.03, "tts-close": 0.032}
    publish(path, publication=publication, params={}, folder="data", glued=glued, ensemble=ENSEMBLE)
    return nbformat.read(str(path), as_version=4).cells[0].source


def test_shipped_pages_mark_bounded_and_assumed_numbers_and_say_so_in_a_box(tmp_path):
    text = _published(tmp_path, publication=True)
    assert "{glue:text}`tts-n:.0f` patients" in text  # pinned: bare
    assert "{glue:text}`tts-above:.0f` (consistent datasets: 1–5) above 200" in text
    assert "{glue:text}`tts-p:.2f` (assumes {ref}`A-VENT <pins-tts>`)." in text
    assert "{glue:text}`tts-close:.2f`." in text  # prints as one value at two decimals
    title, rest = text.split("# Time to start\n", 1)
    assert rest.lstrip().startswith("(pins-tts)=\n```{admonition} " + pins.BOX_TITLE)
    assert "numbers are 1 pinned, 2 bounded, 1 assumed." in rest
    assert f"**A-VENT**: {pins.load_assumptions()['A-VENT']}" in rest


def test_other_data_carry_no_markers(tmp_path):
    text = _published(tmp_path, publication=False)
    assert text == PAGE.strip()


def test_a_page_whose_numbers_are_all_pinned_has_no_box():
    rows = pins.by_name(ENSEMBLE)
    assert pins.box(["tts-n"], rows, {}, "x") is None
    assert pins.box(["tts-n", "tts-above"], rows, {}, "x") is not None


@pytest.mark.skipif(pins.load() is None, reason="data/published/ensemble.json not built")
def test_every_glued_number_on_the_shipped_data_has_a_class():
    rows = {(r["page"], r["name"]): r for r in pins.load()["numbers"]}
    for page, values in evaluate_all(load_study(DATA)).items():
        for name in values:
            assert rows[(page, name)]["class"] in pins.CLASSES, (page, name)


def _doc(rows):
    numbers = [{"page": c.page, "name": c.name, "assumptions": [], "class": "pinned", **rows.get(c.label, {})}
               for c in pins.CONCLUSIONS]
    for n in numbers:
        n.setdefault("shipped", 1.0)
        for k in ("min", "median", "max"):
            n.setdefault(k, n["shipped"])
    return {"solutions": 3, "numbers": numbers,
            "bounds": [{"quantity": "q", "shipped": 5, "sampled": [2, 5], "proven": [1, 6], "scope": "s"}]}


def test_conclusions_say_where_they_hold():
    doc = _doc({
        "LNR log-rank": {"shipped": 0.047, "min": 0.01, "median": 0.04, "max": 0.2, "class": "assumed",
                         "assumptions": ["A-OS", "A-LR"]},
        "Time-to-start difference": {"shipped": 0.03, "min": 0.02, "median": 0.07, "max": 0.09, "class": "bounded"},
        "LNR difference": {"shipped": 0.005, "min": 0.005, "median": 0.005, "max": 0.005},
        "Day-28 survival": {"shipped": 81.25, "min": 75.0, "median": 81.25, "max": 81.25, "class": "bounded"},
    })
    table = pins.conclusions(doc).set_index("conclusion")
    assert table.loc["LNR log-rank", "holds"] == "in most"
    assert table.loc["LNR log-rank", "assumptions"] == "A-OS, A-LR"
    assert table.loc["Time-to-start difference", "holds"] == "in some"
    assert table.loc["LNR difference", "holds"] == "in every consistent dataset"
    assert table.loc["Day-28 survival", "holds"] == "in most"
    assert pins.bounds(doc).iloc[0][["proven min", "proven max"]].tolist() == [1, 6]
    assert pins.conclusions_plot(pins.conclusions(doc)).axes


def test_a_number_glued_under_another_name_is_marked_alike():
    doc = {"numbers": [{"page": "baseline", "name": "baseline-pf-n-above", "class": "bounded", "min": 1, "max": 5,
                        "assumptions": []}]}
    rows = pins.by_name(doc)
    assert pins.mark("{glue:text}`eligibility-pf-over:.0f` of", rows) == (
        "{glue:text}`eligibility-pf-over:.0f` (consistent datasets: 1–5) of")


def test_one_assumes_marker_per_sentence():
    # two numbers of one sentence resting on A-VENT: one marker, after the last of them;
    # a new sentence gets its own; a bounded number keeps its range
    from ruxlib.pins import mark

    rows = {"m1": {"class": "assumed", "assumptions": ["A-VENT"]},
            "m2": {"class": "assumed", "assumptions": ["A-VENT"]},
            "b": {"class": "bounded", "min": 1.0, "max": 5.0, "shipped": 5}}
    text = "Medians {glue:text}`m1:.1f` and {glue:text}`m2:.1f` days. P = {glue:text}`m1`; n = {glue:text}`b:.0f`."
    assert mark(text, rows) == ("Medians {glue:text}`m1:.1f` and {glue:text}`m2:.1f` (assumes A-VENT) days. "
                                "P = {glue:text}`m1` (assumes A-VENT); n = {glue:text}`b:.0f` (consistent datasets: 1–5).")


def test_a_number_with_a_proven_bound_shows_it():
    # the P/F-above-200 count: sampled 2-4 but proven 1-6 (issue 11); the marker says proven
    from ruxlib.pins import marker

    assert marker({"class": "bounded", "min": 2, "max": 4, "shipped": 5, "proven": [1, 6]}, ".0f") == \
        " (consistent datasets: 1–6, proven)"


def test_frequencies_of_a_text_number_over_the_ensemble():
    # 100 datasets: pattern A in 70, B in 30 (hand-made document)
    doc = {"solutions": 100, "numbers": [{"page": "biomarkers", "name": "biomarkers-sig-text",
                                          "counts": [["A", 70], ["B", 30]]},
                                         {"page": "biomarkers", "name": "biomarkers-n", "min": 1, "max": 2}]}
    table = pins.frequencies(doc, "biomarkers-sig-text")
    assert table["share"].tolist() == [70.0, 30.0] and table["value"].tolist() == ["A", "B"]
    assert pins.frequencies(doc, "biomarkers-n") is None and pins.frequencies(None, "x") is None


def test_the_intro_quotes_marked_numbers():
    # the intro's findings quote page numbers; a bounded one (patients with a grade >= 3 AE:
    # the paper prints per-term counts only) must carry its marker there too
    from ruxlib.paths import REPO

    rows = pins.by_name(pins.load())
    intro = (REPO / "book" / "intro.md").read_text()
    for alias in [a for a in pins.SAME_AS if a.startswith("intro-")]:
        assert f"`{alias}" in intro and alias in rows
    assert rows["intro-ae-n"]["class"] == "bounded"
