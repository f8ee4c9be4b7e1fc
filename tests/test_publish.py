"""Preparing an executed page for readers (ruxlib.publish)."""

import nbformat

from ruxlib.publish import DASH_NOTE, publish

PAGE = """(km)=
# Survival

The analysis set has {glue:text}`n:.0f` patients.

Alive at day 28: {glue:text}`alive:.0f`.

## Derive

Plain text stays.

## Compare with the publication

{glue:text}`n:.0f` of the numbers match.

### Detail

More comparison.

## After

Kept.
"""


def _notebook(tmp_path):
    nb = nbformat.v4.new_notebook()
    injected = nbformat.v4.new_code_cell('data_dir = "/home/someone/secret/data"\nhorizon = 14')
    injected.metadata["tags"] = ["injected-parameters"]
    table = nbformat.v4.new_code_cell("df")
    table.outputs = [nbformat.v4.new_output("execute_result", data={
        "text/html": "<table><tr><td>1.5</td><td>NaN</td><td>&lt;NA&gt;</td></tr></table>", "text/plain": "x"},
        execution_count=1)]
    nb.cells = [injected, nbformat.v4.new_markdown_cell(PAGE), table]
    path = tmp_path / "page.ipynb"
    nbformat.write(nb, str(path))
    return path


def test_other_data_lose_comparisons_and_sentences_with_missing_values(tmp_path):
    path = _notebook(tmp_path)
    publish(path, publication=False, params={"horizon": 14}, folder="data", glued={"n": 16, "alive": float("nan")})
    nb = nbformat.read(str(path), as_version=4)
    text = "\n".join(c.source for c in nb.cells)
    assert "/home/someone" not in text
    assert nb.cells[0].source == "*This page ran with `horizon = 14`, on the study folder `data`.*"
    assert "(km)=\n# Survival" in text
    assert "The analysis set has {glue:text}`n:.0f` patients." in text
    assert "Alive at day 28" not in text  # its value could not be computed
    assert "Compare with the publication" not in text and "More comparison" not in text
    assert "## After" in text and "Kept." in text and "Plain text stays." in text
    html = nb.cells[-1].outputs[0]["data"]["text/html"]
    assert "NaN" not in html and "&lt;NA&gt;" not in html
    assert html.count("<td>—</td>") == 2 and html.endswith(DASH_NOTE)


def test_the_papers_data_keep_their_comparison(tmp_path):
    path = _notebook(tmp_path)
    publish(path, publication=True, params={}, folder="data", glued={"n": 16, "alive": 13})
    text = "\n".join(c.source for c in nbformat.read(str(path), as_version=4).cells)
    assert "## Compare with the publication" in text and "### Detail" in text
    assert "Alive at day 28: {glue:text}`alive:.0f`." in text


MARKED = """# Page

% publication-only
## About the reconstruction

Solved to match the paper.

### Its detail

Still about it.

## Shared

% publication-only
On the paper's data the match is by construction.

% other-data-only
These are the folder's own records.

Both see this.
"""


def _marked(tmp_path, publication):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell(MARKED), nbformat.v4.new_code_cell("x = 1")]
    path = tmp_path / "marked.ipynb"
    nbformat.write(nb, str(path))
    publish(path, publication=publication, params={}, folder="data", glued={})
    return "\n".join(c.source for c in nbformat.read(str(path), as_version=4).cells)


def test_publication_only_sections_and_blocks_are_kept_on_the_papers_data_only(tmp_path):
    other = _marked(tmp_path, publication=False)
    assert "About the reconstruction" not in other and "Its detail" not in other and "Solved" not in other
    assert "by construction" not in other
    assert "own records" in other and "Both see this." in other and "## Shared" in other
    paper = _marked(tmp_path, publication=True)
    assert "## About the reconstruction" in paper and "Still about it." in paper and "by construction" in paper
    assert "own records" not in paper and "Both see this." in paper


GLOSSARY = """# Glossary

```{glossary}
:sorted:

ITT
intention-to-treat
  Everyone as allocated.

Kaplan–Meier estimate
  The product-limit estimate.
```
"""


def test_glossary_terms_are_read_entry_by_entry(tmp_path):
    from ruxlib.publish import glossary_terms

    path = tmp_path / "glossary.md"
    path.write_text(GLOSSARY, encoding="utf-8")
    assert glossary_terms(path) == [["ITT", "intention-to-treat"], ["Kaplan–Meier estimate"]]
    assert glossary_terms(tmp_path / "absent.md") == []


def test_only_the_first_prose_use_of_a_term_is_linked():
    from ruxlib.publish import link_terms

    entries = [["ITT", "intention-to-treat"], ["Kaplan–Meier estimate"]]
    source = (
        "(km)=\n# The ITT population\n\n"
        ":::{admonition} ITT result\n:class: key-result\n"
        "In `ITT` code, {glue:text}`ITT` and [ITT](https://x.org/ITT) nothing is linked, "
        "but the Intention-to-treat set is; ITT again is not.\n:::\n\n"
        "```{exercise}\nThe Kaplan-Meier estimate in a fence.\n```\n"
        "Two Kaplan-Meier estimates, $ITT$.\n"
    )
    linked: set[int] = set()
    out = link_terms(source, entries, linked)
    assert out == (
        "(km)=\n# The ITT population\n\n"
        ":::{admonition} ITT result\n:class: key-result\n"
        "In `ITT` code, {glue:text}`ITT` and [ITT](https://x.org/ITT) nothing is linked, "
        "but the {term}`Intention-to-treat <intention-to-treat>` set is; ITT again is not.\n:::\n\n"
        "```{exercise}\nThe Kaplan-Meier estimate in a fence.\n```\n"
        "Two {term}`Kaplan-Meier estimates <Kaplan–Meier estimate>`, $ITT$.\n"
    )
    assert linked == {0, 1}
    assert link_terms("ITT later cell", entries, linked) == "ITT later cell"  # once per page


def test_publish_links_glossary_terms_but_not_on_the_glossary_itself(tmp_path):
    glossary = tmp_path / "glossary.md"
    glossary.write_text(GLOSSARY, encoding="utf-8")
    for source, expected in [("The ITT set.", "The {term}`ITT <ITT>` set."), (GLOSSARY, GLOSSARY.rstrip("\n"))]:
        nb = nbformat.v4.new_notebook()
        nb.cells = [nbformat.v4.new_markdown_cell(source)]
        path = tmp_path / "page.ipynb"
        nbformat.write(nb, str(path))
        publish(path, publication=True, params={}, folder="data", glued={}, glossary=glossary)
        assert nbformat.read(str(path), as_version=4).cells[0].source.rstrip("\n") == expected


def test_every_glossary_entry_of_the_book_has_a_name_and_the_listed_terms():
    from ruxlib.publish import GLOSSARY as BOOK_GLOSSARY
    from ruxlib.publish import glossary_terms

    names = {name for entry in glossary_terms(BOOK_GLOSSARY) for name in entry}
    for needed in ["ARDS", "PaO₂/FiO₂", "IMV", "ECMO", "ITT", "LNR", "CTCAE", "WMW", "KM", "BID", "HR", "CI",
                   "ADaM", "log-rank test", "Greenwood's formula", "Clopper–Pearson interval",
                   "Aalen–Johansen estimator", "Hodges–Lehmann estimator", "Firth's penalized likelihood"]:
        assert needed in names


def test_an_analysis_page_gets_run_instructions_and_a_relative_data_path(tmp_path):
    nb = nbformat.v4.new_notebook()
    parameters = nbformat.v4.new_code_cell('data_dir = "../data"\nhorizon = 28\nalpha = 0.05')
    parameters.metadata["tags"] = ["parameters", "remove-cell"]
    injected = nbformat.v4.new_code_cell('data_dir = "/home/builder/trials/other"\nhorizon = 14')
    injected.metadata["tags"] = ["injected-parameters"]
    nb.cells = [nbformat.v4.new_markdown_cell("# Survival"), parameters, injected]
    nb.metadata["papermill"] = {"parameters": {"data_dir": "/home/builder/trials/other"}}
    path = tmp_path / "survival.ipynb"
    nbformat.write(nb, str(path))
    publish(path, publication=False, params={"horizon": 14}, folder="other", glued={}, glossary=None)
    text = path.read_text(encoding="utf-8")
    assert "/home/builder" not in text
    cells = nbformat.read(str(path), as_version=4).cells
    assert cells[1].source == ('data_dir = "../data"  # this page ran on the study folder \'other\'\n'
                               "horizon = 14\nalpha = 0.05")
    assert cells[-1].source.startswith("## Run this page")
    assert "`book/survival.md`" in cells[-1].source and "`make lab`" in cells[-1].source
    assert sum("## Run this page" in c.source for c in cells) == 1


def test_a_page_without_parameters_gets_no_run_instructions(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# References")]
    path = tmp_path / "bibliography.ipynb"
    nbformat.write(nb, str(path))
    publish(path, publication=True, params={}, folder="data", glued={}, glossary=None)
    assert "Run this page" not in path.read_text(encoding="utf-8")


def _figure_notebook(tmp_path, metadata):
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("fig")
    cell.metadata.update(metadata)
    cell.outputs = [nbformat.v4.new_output("display_data", data={"image/png": "iVBORw0KGgo=", "text/plain": "<Figure>"})]
    nb.cells = [nbformat.v4.new_markdown_cell("# Fig. 1: survival"), cell]
    path = tmp_path / "fig.ipynb"
    nbformat.write(nb, str(path))
    return path


def test_every_figure_gets_alt_text_and_the_reconstruction_is_named_in_its_caption(tmp_path):
    path = _figure_notebook(tmp_path, {})
    publish(path, publication=False, params={}, folder="data", glued={}, glossary=None)
    meta = nbformat.read(str(path), as_version=4).cells[1].metadata["mystnb"]
    assert meta["image"]["alt"] == "Figure of the page “Fig. 1: survival”, drawn from the study folder's data"
    assert "figure" not in meta

    own = {"mystnb": {"figure": {"caption": "KM curve.", "name": "f"}, "image": {"alt": "A step curve."}}}
    path = _figure_notebook(tmp_path, own)
    publish(path, publication=True, params={}, folder="data", glued={}, glossary=None)
    meta = nbformat.read(str(path), as_version=4).cells[1].metadata["mystnb"]
    assert meta["image"]["alt"] == "A step curve."
    assert meta["figure"]["caption"] == "KM curve. (reconstructed data)"

    path = _figure_notebook(tmp_path, {"mystnb": {"figure": {"caption": "KM curve."}}})
    publish(path, publication=False, params={}, folder="data", glued={}, glossary=None)
    meta = nbformat.read(str(path), as_version=4).cells[1].metadata["mystnb"]
    assert meta["figure"]["caption"] == "KM curve." and meta["image"]["alt"] == "KM curve."


def test_a_page_of_prose_only_does_not_say_what_it_ran_with(tmp_path):
    nb = nbformat.v4.new_notebook()
    injected = nbformat.v4.new_code_cell('data_dir = "/home/someone/data"')
    injected.metadata["tags"] = ["injected-parameters"]
    nb.cells = [injected, nbformat.v4.new_markdown_cell("# Glossary")]
    path = tmp_path / "glossary.ipynb"
    nbformat.write(nb, str(path))
    publish(path, publication=True, params={}, folder="data", glued={}, glossary=None)
    assert [c.source for c in nbformat.read(str(path), as_version=4).cells] == ["# Glossary"]


def test_a_box_whose_every_sentence_was_dropped_is_removed(tmp_path):
    # the key result's sentences each quote a value the folder cannot give: no empty box remains
    # (Sphinx fails on "Content block expected for the admonition directive")
    page = ("# Page\n\n:::{admonition} Key result\n:class: key-result\n\nSurvival {glue:text}`s:.1f` %.\n\n"
            "Events {glue:text}`e:.0f`.\n\n:::\n\nAfter the box.\n\n:::{note}\nKept {glue:text}`k`.\n:::\n")
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell(page)]
    path = tmp_path / "box.ipynb"
    nbformat.write(nb, str(path))
    publish(path, publication=False, params={}, folder="data", glued={"s": None, "e": float("nan"), "k": 1})
    text = "\n".join(c.source for c in nbformat.read(str(path), as_version=4).cells)
    assert "Key result" not in text and "After the box." in text
    assert ":::{note}\nKept {glue:text}`k`.\n:::" in text


def test_publishing_is_byte_stable_so_that_sphinx_rereads_only_changed_pages(tmp_path):
    # new cells (the parameters line, "Run this page") must not get random ids
    first, second = tmp_path / "a", tmp_path / "b"
    for folder in (first, second):
        folder.mkdir()
        path = _notebook(folder)
        publish(path, publication=False, params={"horizon": 14}, folder="data", glued={"n": 16, "alive": 3})
    assert (first / "page.ipynb").read_bytes() == (second / "page.ipynb").read_bytes()
    ids = [c["id"] for c in nbformat.read(str(first / "page.ipynb"), as_version=4).cells]
    assert len(set(ids)) == len(ids)
