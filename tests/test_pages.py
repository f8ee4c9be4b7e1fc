"""ruxlib.pages: one entry point per page, the same values the pages glue, never a crash."""

import json
import re
from pathlib import Path

import pytest
from studyfolder import write_study

from ruxlib import io, pages

REPO = Path(__file__).resolve().parent.parent
DATA = REPO / "data"

_LABEL = re.compile(r"^\(([^)\s]+)\)=\s*$", re.M)
_QUOTED = re.compile(r"\{glue:text\}`([^`:]+)")


def _page_files() -> dict[str, str]:
    """Page label → file stem, for the pages that have an entry point."""
    out = {}
    for path in sorted((REPO / "book").glob("*.md")):
        label = _LABEL.search(path.read_text(encoding="utf-8"))
        if label and label.group(1) in pages.PAGES:
            out[label.group(1)] = path.stem
    return out


@pytest.fixture(scope="module")
def shipped():
    return pages.evaluate_all(io.load_study(DATA))


def test_every_registered_page_is_a_page_of_the_book():
    assert set(_page_files()) == set(pages.PAGES)


def test_known_values_on_the_shipped_data(shipped):
    survival = shipped["km-survival"]
    assert (survival["km-survival-alive"], survival["km-survival-n"]) == (13, 16)
    assert survival["km-survival-s"] == pytest.approx(100 * 13 / 16)
    assert shipped["baseline"]["baseline-n-male"] == 13
    assert shipped["lnr"]["lnr-median"] == pytest.approx(0.07, abs=0.005)
    assert shipped["exposure"]["exposure-screened"] == 18


def test_values_are_plain_and_glued_names_have_no_dot(shipped):
    for label, values in shipped.items():
        for name, value in values.items():
            assert name.startswith(label + "-"), name
            assert value is None or type(value) in (int, float, str, bool), (name, type(value))


@pytest.mark.parametrize("label", sorted(pages.PAGES))
def test_every_number_a_page_quotes_comes_from_its_entry_point(shipped, label):
    text = (REPO / "book" / f"{_page_files()[label]}.md").read_text(encoding="utf-8")
    quoted = set(_QUOTED.findall(text)) - {f"{label}-claims-checked", f"{label}-claims-matched"}
    assert quoted <= set(shipped[label]), sorted(quoted - set(shipped[label]))


def test_an_adsl_only_folder_gives_none_not_an_error(tmp_path):
    study = write_study(tmp_path / "s", "USUBJID,AGE,SEX\nA,50,M\nB,60,F")
    values = pages.evaluate_all(study)
    assert set(values) == set(pages.PAGES)
    assert values["km-survival"]["km-survival-s"] is None
    assert values["baseline"]["baseline-n-itt"] == 2
    assert values["adverse-events"]["adverse-events-n-terms"] is None


def test_parameters_reach_the_entry_points_that_take_them():
    study = io.load_study(DATA)
    values = pages.evaluate_all(study, horizon=14, min_grade=4, day=7)
    assert values["km-survival"]["km-survival-horizon"] == 14
    assert values["adverse-events"]["adverse-events-min-grade"] == 4


def test_lookup_reads_page_and_name():
    assert pages.lookup("lnr:lnr-horizon", {"lnr": {"lnr-horizon": 28}}) == 28
    assert pages.lookup("lnr:absent", {"lnr": {}}) is None
    with pytest.raises(ValueError, match="page-label:name"):
        pages.lookup("nopage:x", {})


@pytest.mark.slow
def test_results_json_holds_what_evaluate_all_gives(built_book, shipped):
    results = json.loads((built_book / "results.json").read_text(encoding="utf-8"))["pages"]
    for label, stem in _page_files().items():
        glued = {k: v for k, v in results[f"book/{stem}"].items() if "-claims-" not in k}
        assert glued == pytest.approx(shipped[label]), label


def test_comparison_says_by_construction_and_why_a_number_is_not_reproduced():
    from types import SimpleNamespace

    from ruxlib import book

    assert "match the paper by construction" in book._comparison_sentence(20, 20, publication=True)
    assert "1 is not reproduced" in book._comparison_sentence(20, 19, publication=True)
    wrong = SimpleNamespace(status="reproduced", match=False, computed=12, reported="13")
    assert book._match_text(wrong, publication=True) == "✗ not reproduced: computed 12, the paper prints 13"
    right = SimpleNamespace(status="reproduced", match=True, computed=13, reported="13")
    assert book._match_text(right, publication=True) == "✓ matches by construction"
