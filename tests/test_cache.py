"""The page cache: what changes a page's key, reuse on a rebuild, --force, and a failing page."""

import json
import os

import pytest

from ruxlib.build import REPO, BuildError, _execute, build, toc_pages
from ruxlib.cache import ENVIRONMENT, KEEP, PageCache, inputs_key, page_key, tree_hash
from ruxlib.cli import parser

DATA = REPO / "data"


@pytest.fixture
def world(tmp_path):
    """A small copy of every input a key depends on: page, library, study folder, repository."""
    (tmp_path / "page.md").write_text("# A page\n")
    lib = tmp_path / "lib"
    lib.mkdir()
    (lib / "mod.py").write_text("x = 1\n")
    data = tmp_path / "study"
    data.mkdir()
    (data / "adsl.csv").write_text("USUBJID\nA\n")
    repo = tmp_path / "repo"
    (repo / "benchmarks").mkdir(parents=True)
    for name in ENVIRONMENT:
        (repo / name).write_text("pinned\n")
    return tmp_path, lib, data, repo


def _key(world, params=None):
    tmp, lib, data, repo = world
    return page_key(tmp / "page.md", inputs_key(lib, data, params or {"horizon": 28}, repo))


def test_same_inputs_same_key(world):
    assert _key(world) == _key(world)


@pytest.mark.parametrize("change", ["page", "library", "new library file", "data", "data file renamed",
                                    "requirements", "benchmarks"])
def test_each_input_changes_the_key(world, change):
    tmp, lib, data, repo = world
    before = _key(world)
    edit = {
        "page": lambda: (tmp / "page.md").write_text("# A page, edited\n"),
        "library": lambda: (lib / "mod.py").write_text("x = 2\n"),
        "new library file": lambda: (lib / "other.py").write_text(""),
        "data": lambda: (data / "adsl.csv").write_text("USUBJID\nB\n"),
        "data file renamed": lambda: (data / "adsl.csv").rename(data / "adae.csv"),
        "requirements": lambda: (repo / "requirements.txt").write_text("pinned again\n"),
        "benchmarks": lambda: (repo / "benchmarks" / "results.json").write_text("{}\n"),
    }[change]
    edit()
    assert _key(world) != before


def test_parameters_change_the_key_but_not_their_order(world):
    assert _key(world, {"horizon": 28}) != _key(world, {"horizon": 21})
    assert _key(world, {"horizon": 28, "day": 14}) == _key(world, {"day": 14, "horizon": 28})


def test_bytecode_does_not_change_the_library_hash(world):
    _, lib, _, _ = world
    before = tree_hash(lib)
    (lib / "__pycache__").mkdir()
    (lib / "__pycache__" / "mod.cpython-311.pyc").write_bytes(b"\0")
    assert tree_hash(lib) == before


def test_cache_is_marked_keeps_the_newest_entries_of_a_page(tmp_path):
    from ruxlib.outdir import owned

    cache = PageCache(tmp_path / "cache")
    assert owned(cache.folder)
    nb = tmp_path / "x.ipynb"
    nb.write_text("{}")
    keys = [f"{i:032x}" + "0" * 32 for i in range(KEEP + 2)]
    for i, key in enumerate(keys):
        stored = cache.put("book/a", key, nb)
        os.utime(stored, (i, i))  # distinct ages, oldest first
    cache.put("book/b", keys[0], nb)
    assert cache.get("book/a", keys[0]) is None and cache.get("book/a", keys[-1]) is not None
    assert len(list(cache.folder.glob("book_a-*.ipynb"))) == KEEP
    assert cache.get("book/b", keys[0]) is not None


def test_force_is_a_build_option():
    assert parser().parse_args(["build", "--force"]).force is True
    assert parser().parse_args(["build"]).force is False


@pytest.mark.slow
def test_failing_page_names_page_section_and_reason_without_a_traceback(tmp_path):
    page = tmp_path / "broken.md"
    page.write_text(
        "---\njupytext:\n  text_representation: {extension: .md, format_name: myst}\n"
        "kernelspec: {display_name: Python 3, language: python, name: python3}\n---\n\n"
        "# Broken\n\n## Survival at the horizon\n\n"
        "```{code-cell} ipython3\nraise ValueError('the LNR test needs survivors\\nsecond line')\n```\n"
    )
    with pytest.raises(BuildError) as info:
        _execute("book/broken", page, tmp_path / "stage", {})
    message = str(info.value)
    assert message.startswith('book/broken.md, section "Survival at the horizon", failed on a study folder')
    assert "(ValueError: the LNR test needs survivors)" in message
    assert "bug in ruxbook" in message and "Traceback" not in message and "\n" not in message
    assert "ValueError" in (tmp_path / "stage" / "logs" / "book_broken.log").read_text()


@pytest.mark.slow
def test_rebuild_reuses_every_page_and_force_executes_every_page(tmp_path):
    out = tmp_path / "html"
    build(data=DATA, out=out, jobs=os.cpu_count() or 1, progress=False)
    build(data=DATA, out=out, jobs=os.cpu_count() or 1, progress=False)
    cache = json.loads((out / "results.json").read_text())["cache"]
    assert cache == {"executed": [], "reused": toc_pages()}
    build(data=DATA, out=out, jobs=os.cpu_count() or 1, progress=False, force=True)
    cache = json.loads((out / "results.json").read_text())["cache"]
    assert cache == {"executed": toc_pages(), "reused": []}



PAGE = (
    "---\njupytext:\n  text_representation: {{extension: .md, format_name: myst}}\n"
    "kernelspec: {{display_name: Python 3, language: python, name: python3}}\n---\n\n"
    "({label})=\n# Page {label}\n\n"
    "```{{code-cell}} ipython3\n:tags: [parameters]\ndata_dir = \".\"\n```\n\n"
    "```{{code-cell}} ipython3\nprint({value})\n```\n"
)


@pytest.fixture
def tiny_repo(tmp_path, monkeypatch):
    """A repository with a two-page book, a library folder and a copy of the shipped study folder."""
    import shutil

    import ruxlib.build as build_module

    repo = tmp_path / "repo"
    (repo / "book").mkdir(parents=True)
    (repo / "ruxlib").mkdir()
    (repo / "ruxlib" / "mod.py").write_text("x = 1\n")
    (repo / "requirements.txt").write_text("pinned\n")
    (repo / "_toc.yml").write_text("format: jb-book\nroot: book/a\nparts:\n  - caption: B\n    chapters:\n      - file: book/b\n")
    (repo / "_config.yml").write_text("title: tiny\nonly_build_toc_files: true\nexecute:\n  execute_notebooks: 'off'\n")
    for label, value in (("a", 1), ("b", 2)):
        (repo / "book" / f"{label}.md").write_text(PAGE.format(label=label, value=value))
    data = shutil.copytree(DATA, tmp_path / "study")
    monkeypatch.setattr(build_module, "REPO", repo)
    return repo, data


def _report(repo, data, out):
    build(data=data, out=out, jobs=2, progress=False)
    return json.loads((out / "results.json").read_text())["cache"]


@pytest.mark.slow
def test_a_rebuild_executes_only_what_changed(tiny_repo, tmp_path):
    repo, data = tiny_repo
    out = tmp_path / "html"
    assert _report(repo, data, out) == {"executed": ["book/a", "book/b"], "reused": []}
    first = (out / "index.html").stat().st_mtime_ns
    # nothing changed: no page executes, and OUT is not even rebuilt
    assert _report(repo, data, out) == {"executed": [], "reused": ["book/a", "book/b"]}
    assert (out / "index.html").stat().st_mtime_ns == first
    # one page changed: that page only
    (repo / "book" / "b.md").write_text(PAGE.format(label="b", value=3))
    assert _report(repo, data, out) == {"executed": ["book/b"], "reused": ["book/a"]}
    assert "3" in (out / "book" / "b.html").read_text()
    # a data file changed: every page reads the study folder (load_study reads every file)
    with open(data / "adsl.csv", "a") as fh:
        fh.write("")  # no change in bytes: still reused
    assert _report(repo, data, out) == {"executed": [], "reused": ["book/a", "book/b"]}
    (data / "study.yml").write_text((data / "study.yml").read_text() + "\n# edited\n")
    assert _report(repo, data, out) == {"executed": ["book/a", "book/b"], "reused": []}
    # the library changed: every page
    (repo / "ruxlib" / "mod.py").write_text("x = 2\n")
    assert _report(repo, data, out) == {"executed": ["book/a", "book/b"], "reused": []}
    # a new OUT from a full cache: nothing executes, but the book is built there
    other = tmp_path / "other"
    assert _report(repo, data, other) == {"executed": [], "reused": ["book/a", "book/b"]}
    assert (other / "book" / "b.html").is_file()


@pytest.mark.slow
def test_a_page_loads_the_builds_snapshot_of_the_study(tmp_path):
    import json

    from conftest import DATA

    from ruxlib import io

    study = io.load_study(DATA)
    study.meta["title"] = "from the snapshot"  # only the saved copy says this
    snapshot = io.save_snapshot(study, tmp_path / "study.pickle")
    page = tmp_path / "title.md"
    page.write_text(
        "---\njupytext:\n  text_representation: {extension: .md, format_name: myst}\n"
        "kernelspec: {display_name: Python 3, language: python, name: python3}\n---\n\n# Title\n\n"
        "```{code-cell} ipython3\n:tags: [parameters]\ndata_dir = '.'\n```\n\n"
        "```{code-cell} ipython3\nfrom ruxlib import io\nprint(io.load_study(data_dir).meta['title'])\n```\n"
    )
    _, notebook, _ = _execute("book/title", page, tmp_path / "stage", {"data_dir": str(DATA)}, snapshot)
    printed = [o.get("text") for c in json.loads(notebook.read_text())["cells"] for o in c.get("outputs", [])]
    assert printed == [["from the snapshot\n"]]


def test_a_changed_stylesheet_reaches_the_output_even_when_no_page_changed(tmp_path):
    # Sphinx copies static files only when a page is out of date; the build copies the rest.
    from ruxlib.build import _sync_static

    source, target = tmp_path / "book" / "_static", tmp_path / "html" / "_static"
    (source / "img").mkdir(parents=True)
    (source / "custom.css").write_text("table { font-size: 0.85em }")
    (source / "img" / "logo.svg").write_text("<svg/>")
    target.mkdir(parents=True)
    (target / "custom.css").write_text("table { font-size: 1em }")
    (target / "basic.css").write_text("sphinx's own")
    _sync_static(source, target)
    assert (target / "custom.css").read_text() == "table { font-size: 0.85em }"
    assert (target / "img" / "logo.svg").read_text() == "<svg/>"
    assert (target / "basic.css").read_text() == "sphinx's own"  # theirs are left alone
