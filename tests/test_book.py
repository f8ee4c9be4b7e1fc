"""Page helpers: the banner and literal text."""

from pathlib import Path

import pandas as pd

from ruxlib import book
from ruxlib.io import Study


def _study(warnings, meta=None):
    return Study(path=Path("/x/trial"), adsl=pd.DataFrame({"USUBJID": ["A"]}), meta=meta or {}, warnings=warnings)


def test_banner_lists_check_warnings_for_the_files_a_page_uses():
    study = _study(["adtte.csv: 1 ITT subject of adsl.csv has no OS record (A)",
                    "adlb.csv rows 1, 2: AVAL <odd>", "study.yml: unknown key 'colour' is ignored"])
    text = book.banner_text(study, uses=("adtte",))
    assert "What ruxlib check warned about" in text
    assert "no OS record" in text and "unknown key" in text
    assert "adlb" not in text
    assert r"\<odd\>" in book.banner_text(study)  # every warning by default, as literal text


def test_banner_without_warnings_has_no_warning_box():
    text = book.banner_text(_study([], {"title": "My *trial*"}))
    assert "warned" not in text and r"My \*trial\*" in text


def test_drug_comes_from_study_yml_or_neutral_wording():
    assert _study([]).drug == "the study drug"
    assert _study([], {"drug": "baricitinib"}).drug == "baricitinib"
    assert _study([], {"reconstructed": True, "source": "Neubauer A et al. Leukemia 2021"}).drug == "ruxolitinib"


def test_comparison_shows_unrounded_values_beside_inequalities_and_words():
    # Issue 12: "< 0.01" beside a computed "0.01" and "more than one" beside "1.00" hid what
    # was checked; the unrounded values of the shipped data are 0.0055 and 1.11.
    from ruxlib.book import computed_text

    assert computed_text(0.0055, 2, "< 0.01") == "0.0055"
    assert computed_text(1.114, 2, "more than one") == "1.11"
    assert computed_text(0.8125, 2, "0.81") == "0.81"
    assert computed_text(None, 2, "0.81") == "—"
    assert computed_text(float("nan"), 2, "0.81") == "—"


def test_long_tables_are_folded_short_ones_are_not():
    from ruxlib.book import FOLD_ROWS, folded

    assert folded("<table></table>", FOLD_ROWS, "rows") == "<table></table>"
    long = folded("<table></table>", FOLD_ROWS + 1, "published numbers")
    assert long.startswith('<details class="ruxbook-fold"><summary>Show the 9 published numbers</summary>')
    assert long.endswith("</details>")


def test_the_api_reference_documents_every_module_pages_call():
    # a module missing from book/api.md breaks the -W Sphinx build as soon as a docstring links it
    import re

    from ruxlib.paths import REPO

    documented = set(re.findall(r"automodule:: (ruxlib\.[a-z_.]+)", (REPO / "book" / "api.md").read_text()))
    plumbing = {"build", "cache", "cli", "outdir", "paths", "sphinxext", "__init__", "__main__"}
    modules = {f"ruxlib.{p.stem}" for p in (REPO / "ruxlib").glob("*.py") if p.stem not in plumbing}
    assert modules - documented == set()


def test_code_links_know_every_module_of_the_api_reference():
    """Page code links to the API reference (sphinx-codeautolink) only for the modules named in
    ``codeautolink_global_preface``: it must name every module the reference documents."""
    import re

    import yaml

    from ruxlib.paths import REPO

    config = yaml.safe_load((REPO / "_config.yml").read_text(encoding="utf-8"))
    assert "ruxlib.sphinxext" in config["sphinx"]["extra_extensions"]
    preface = config["sphinx"]["config"]["codeautolink_global_preface"]
    named = set(re.findall(r"\b(\w+)(?=,|\n|$| as )", preface.split("import", 1)[1]))
    documented = set(re.findall(r"automodule:: ruxlib\.(\w+)", (REPO / "book" / "api.md").read_text(encoding="utf-8")))
    assert documented - named == set()
