"""The pipeline behind ``ruxlib build``.

Algorithm
---------
0. Key the pages (step 3) and fingerprint everything the stage is made from
   (:func:`_fingerprint`). When every page is in the cache and OUT records the same
   fingerprint (the file :data:`FINGERPRINT`, written by the build that made it), OUT is
   already this build: only its ``results.json`` cache report is rewritten (atomically), and
   neither the study folder's checks, pages, publishing nor Sphinx run (the checks' coverage
   report and warnings are replayed from the record). ``force`` skips this step.
1. Validate the study folder (:func:`ruxlib.io.load_study`); a data problem stops here.
2. Read the pages from ``_toc.yml``; lay out the Sphinx sources in the stage
   ``_build/stage/<out>-<hash>``, which is kept between builds, writing only files whose
   content changed, so that Sphinx re-reads only those.
3. Key each page by its source, the library, the study folder, the parameters and the
   environment (:mod:`ruxlib.cache`). Execute the pages whose key is not in the cache
   ``_build/cache`` (all of them with ``force``) with papermill, ``--jobs`` at a time, all in
   parallel, injecting ``data_dir`` and any ``-p NAME VALUE`` into each page's ``parameters``
   cell; store each executed notebook under its key.
4. :func:`ruxlib.publish.publish` each cached notebook into the stage, only where what the
   published page is made of changed (``_run/published.json``); the status page gets the
   execution times there.
5. Build the stage with Jupyter Book, incrementally (execution off, ``-W -n --keep-going``: any
   warning, broken reference or missing figure fails the build, and a failed build drops
   Sphinx's environment so that the next one reports the warnings again).
6. Copy the HTML and ``results.json`` (every glued value by page and name, the pages executed
   and reused) into a marked sibling of OUT and swap it in (:mod:`ruxlib.outdir`). OUT, its
   stage and the cache are checked before step 1: a folder that ``ruxlib build`` did not make,
   the study folder, or a folder that cannot be written is refused, and nothing is deleted.
   Steps 1-6 hold the lock ``OUT.lock`` (:class:`ruxlib.outdir.BuildLock`): a second build
   into the same OUT at the same time is refused with one line.
"""

from __future__ import annotations

import ast
import json
import os
import shutil
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

import yaml

from .cache import PageCache, inputs_key, page_key
from .outdir import BuildLock, OutputError, Replacement, check_target, mark, owned
from .params import ParamError
from .params import parse as parse_params
from .paths import REPO

STATUS_PAGE = "book/status"

FINGERPRINT = ".ruxbook-inputs"
"""File in OUT: the hash of everything its pages were staged from (:func:`_fingerprint`)."""

MAX_HTML_BYTES = 2 * 1024 * 1024
"""The largest built HTML page, whatever the study's size (2 MiB). Pages whose tables or figures
are per patient switch to a summary above a documented size (``ruxlib.tables.MAX_ROWS``,
``exposure.DOSE_LISTING_MAX``, ``eligibility.LISTING_MAX``, the swimmer plot's limit), so a
large trial's page is not larger than a small one's; the API reference, the largest page, does
not depend on the data. Checked by ``tests/test_scale.py`` on 10,000 subjects."""


__all__ = ["BuildError", "OutputError", "ParamError", "build", "glued_values", "toc_pages"]


class BuildError(Exception):
    """A page failed to execute or the book failed to build; the message names page and cell."""


def toc_pages(root: Path = REPO) -> list[str]:
    """Pages listed in ``_toc.yml`` (paths without extension, in reading order)."""
    toc = yaml.safe_load((root / "_toc.yml").read_text(encoding="utf-8"))
    pages = [toc["root"]]

    def walk(node):
        if isinstance(node, dict):
            if "file" in node:
                pages.append(node["file"])
            for key in ("parts", "chapters", "sections"):
                for child in node.get(key, []) or []:
                    walk(child)
        elif isinstance(node, list):
            for child in node:
                walk(child)

    walk(toc)
    return pages


def _execute(page: str, source: Path, stage: Path, params: dict, snapshot: Path | None = None) -> tuple[str, Path, float]:
    """Convert one page to a notebook and execute it; return (page, executed notebook, seconds).

    The notebook is written to ``stage/_run/PAGE.ipynb`` and runs with the page's folder in the
    stage as its working directory; its kernel loads the study from ``snapshot`` when given
    (:data:`ruxlib.io.SNAPSHOT_ENV`, set in this worker process, which the kernel inherits). Kernel chatter on stderr, and the traceback of a failing
    cell, go to ``stage/logs/PAGE.log`` instead of the terminal; a failure raises
    :class:`BuildError` with :func:`_failure` as its message.
    """
    import nbformat
    import papermill as pm

    from .io import SNAPSHOT_ENV

    if snapshot is not None:
        os.environ[SNAPSHOT_ENV] = str(snapshot)
    nb = stage / "_run" / f"{page}.ipynb"
    cwd = (stage / page).parent
    for folder in (nb.parent, cwd):
        folder.mkdir(parents=True, exist_ok=True)
    _convert(source, nb)
    log = stage / "logs" / f"{page.replace('/', '_')}.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    saved = os.dup(2)
    start = time.perf_counter()
    try:
        with open(log, "w") as fh:
            os.dup2(fh.fileno(), 2)
            try:
                pm.execute_notebook(
                    str(nb), str(nb), parameters=params, kernel_name="python3",
                    cwd=str(cwd), progress_bar=False, log_output=False,
                )
            except pm.PapermillExecutionError as e:
                fh.write("\n".join(e.traceback) + "\n")
                raise BuildError(_failure(page, nbformat.read(str(nb), as_version=4), e, log)) from None
    finally:
        os.dup2(saved, 2)
        os.close(saved)
    return page, nb, time.perf_counter() - start


def _failure(page: str, executed, error, log: Path) -> str:
    """One sentence for a page that failed: page, section, the exception, and that it is a bug.

    Algorithm
    ---------
    The section is the last Markdown heading above the first cell with an error output
    (the page's title when none). The exception is its class and the first line of its message.
    """
    section = None
    for cell in executed.cells:
        if any(o.get("output_type") == "error" for o in cell.get("outputs", [])):
            break
        if cell.cell_type == "markdown":
            headings = [line.lstrip("#").strip() for line in cell.source.splitlines() if line.startswith("#")]
            section = headings[-1] if headings else section
    where = f'section "{section}"' if section else "its first cell"
    message = (error.evalue or "").strip().splitlines()
    reason = f"{error.ename}: {message[0]}" if message else error.ename
    return (f"{page}.md, {where}, failed on a study folder that `ruxlib check` accepted ({reason}). "
            f"This is a bug in ruxbook: please report it with the study folder (traceback: {log}).")


def _convert(src: Path, dst: Path) -> None:
    """Write the jupytext MyST page ``src`` as the notebook ``dst``, its parameter defaults hidden."""
    import jupytext

    nb = jupytext.read(src)
    nb.metadata["kernelspec"] = {"display_name": "Python 3", "language": "python", "name": "python3"}
    for cell in nb.cells:  # the injected cell shows the values used; hide the defaults
        if "parameters" in cell.metadata.get("tags", []):
            cell.metadata["tags"] = [*cell.metadata["tags"], "remove-cell"]
    jupytext.write(nb, dst)


def _stage_dir(out: Path) -> Path:
    """Where the executed notebooks of a build into ``out`` are kept (under the repo's ``_build``)."""
    import hashlib

    key = hashlib.sha256(str(out).encode()).hexdigest()[:10]
    return REPO / "_build" / "stage" / f"{out.name}-{key}"


def _write_if_changed(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` unless it already holds them (Sphinx re-reads what is newer)."""
    if path.is_file() and path.read_bytes() == data:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def _stage(stage: Path, pages: list[str], title: str | None = None) -> None:
    """Lay out the Sphinx sources in the (kept) stage; only files whose content changed are written."""
    stage.mkdir(parents=True, exist_ok=True)
    if not owned(stage):
        mark(stage)  # check_target has refused a stage that is neither ours nor empty
    for page in pages:
        if not (REPO / f"{page}.md").exists():
            raise BuildError(f"_toc.yml lists {page}, but {page}.md does not exist")
    toc = yaml.safe_load((REPO / "_toc.yml").read_text(encoding="utf-8"))
    toc["parts"] = [part for part in toc.get("parts", []) if part.get("chapters")]  # skip empty parts
    _write_if_changed(stage / "_toc.yml", yaml.safe_dump(toc, sort_keys=False).encode())
    if (REPO / "references.bib").exists():
        _write_if_changed(stage / "references.bib", (REPO / "references.bib").read_bytes())
    for src in (REPO / "book").rglob("*"):
        if src.is_file() and src.suffix not in {".md", ".ipynb"} and "__pycache__" not in src.parts:
            _write_if_changed(stage / src.relative_to(REPO), src.read_bytes())
    for stale in (stage / "book").rglob("*.ipynb"):  # a page no longer in _toc.yml
        if stale.relative_to(stage).with_suffix("").as_posix() not in pages:
            stale.unlink()
    config = yaml.safe_load((REPO / "_config.yml").read_text(encoding="utf-8"))
    config.setdefault("execute", {})["execute_notebooks"] = "off"
    # the build's own folders in the stage are never sources; excluded by name, so that the list of
    # excluded files (part of Sphinx's config) does not change when they fill: a changed config
    # makes Sphinx re-read every page
    config["exclude_patterns"] = [*config.get("exclude_patterns", []), "_out", "_run", "logs"]
    if title:  # another trial's data: the book is about that trial
        import re  # the theme inserts the title as raw HTML and the page <title> escapes it: drop markup

        config["title"] = re.sub(r"[<>&\"'`{}]", "", f"{title}: an executable analysis (ruxbook)")
    if _vendor_mathjax(stage / "_static" / "mathjax"):
        sphinx = config.setdefault("sphinx", {}).setdefault("config", {})
        sphinx["mathjax_path"] = "mathjax/tex-chtml.js"
        sphinx["html_static_path"] = [*sphinx.get("html_static_path", []), "_static"]
    _write_if_changed(stage / "_config.yml", yaml.safe_dump(config, sort_keys=False).encode())


def _vendor_mathjax(dest: Path) -> bool:
    """Copy MathJax 3 (from the django-static-mathjax wheel) so that math renders offline."""
    try:
        import mathjax
    except ImportError:
        return False
    es5 = Path(mathjax.__file__).parent / "static" / "mathjax" / "es5"
    if not (es5 / "tex-chtml.js").exists():
        return False
    if not (dest / "tex-chtml.js").exists():  # kept in the stage between builds
        dest.mkdir(parents=True, exist_ok=True)
        shutil.copytree(es5 / "output" / "chtml" / "fonts", dest / "output" / "chtml" / "fonts", dirs_exist_ok=True)
        shutil.copy(es5 / "tex-chtml.js", dest / "tex-chtml.js")  # last: its presence means complete
    return True


def glued_values(notebook: Path) -> dict:
    """Every value glued in an executed notebook, by name (numbers parsed, else text)."""
    nb = json.loads(Path(notebook).read_text(encoding="utf-8"))  # nbformat 4, as written by papermill
    values = {}
    for cell in nb["cells"]:
        for output in cell.get("outputs", []):
            meta = output.get("metadata", {}).get("scrapbook")
            if not meta:
                continue
            prefix = meta.get("mime_prefix", "application/papermill.record/")
            text = output.get("data", {}).get(prefix + "text/plain")
            try:
                value = ast.literal_eval(text) if text is not None else None
            except (ValueError, SyntaxError):
                value = text
            values[meta["name"]] = value
    return values


def _execute_all(pages: list[str], stage: Path, cache: PageCache, keys: dict[str, str], params: dict,
                 jobs: int, progress: bool, force: bool, snapshot: Path | None = None) -> dict[str, float | None]:
    """Execute the pages whose key is not in ``cache`` (all with ``force``), ``jobs`` at a time.

    Each executed notebook is stored in ``cache``. Returns each page's execution seconds, ``None``
    for a page reused from the cache. Every page runs in parallel with the others (the status
    page's timings are filled in by :func:`publish`). ``snapshot``: the validated study
    (:func:`ruxlib.io.save_snapshot`) the pages load. The workers are started by a fork server,
    so they do not inherit this process's memory (a large study loaded for its check).
    """
    import multiprocessing

    from tqdm import tqdm

    timings: dict[str, float | None] = {} if force else {p: None for p in pages if cache.get(p, keys[p])}
    todo = [p for p in pages if p not in timings]
    bar = tqdm(total=len(pages), desc="executing pages", unit="page", disable=not progress, file=sys.stderr)
    bar.set_postfix_str(f"{len(timings)} cached")
    bar.update(len(timings))
    errors = []
    with ProcessPoolExecutor(max_workers=max(1, min(jobs, len(todo) or 1)),
                             mp_context=multiprocessing.get_context("forkserver")) as pool:
        futures = [pool.submit(_execute, page, REPO / f"{page}.md", stage, params, snapshot) for page in todo]
        for fut in as_completed(futures):
            try:
                page, notebook, seconds = fut.result()
            except BuildError as e:
                errors.append(str(e))
            else:
                cache.put(page, keys[page], notebook)
                timings[page] = seconds
            bar.update(1)
    bar.close()
    if errors:
        raise BuildError("\n".join(sorted(errors)))
    return timings


def _publish_all(pages: list[str], stage: Path, cache: PageCache, keys: dict[str, str],
                 timings: dict[str, float | None], *, publication: bool, params: dict,
                 folder: str) -> dict[str, dict]:
    """Publish each cached notebook into the stage; return the glued values by page.

    A page is published again only when what its published form is made of changed: its cache
    key, the inputs every page shares (:func:`_shared_inputs`, with ``publication``, ``params``
    and ``folder``) and, for the status page, the timings it shows. The stage's
    ``_run/published.json`` records these per page. The status page shows each page's execution
    time as recorded in its cached notebook (papermill's ``duration``), so that its HTML does not
    change when a rebuild reuses pages.
    """
    import hashlib

    from . import pins
    from .publish import publish

    shown = {page: _duration(cache.get(page, keys[page])) for page in pages}
    shared = json.dumps([_shared_inputs(), publication, params, folder], sort_keys=True, default=str)
    record = stage / "_run" / "published.json"
    try:
        published = json.loads(record.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        published = {}
    glued, ensemble = {}, None
    for page in pages:
        made_of = json.dumps([keys[page], shared, shown if page == STATUS_PAGE else None], default=str)
        digest = hashlib.sha256(made_of.encode()).hexdigest()
        staged = stage / f"{page}.ipynb"
        if published.get(page) != digest or not staged.is_file():
            if ensemble is None and publication:
                ensemble = pins.load()
            work = stage / "_run" / f"{page}.ipynb"
            work.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(cache.get(page, keys[page]), work)
            publish(work, publication=publication, params=params, folder=folder, glued=glued_values(work),
                    timings=shown if page == STATUS_PAGE else None, ensemble=ensemble)
            _write_if_changed(staged, work.read_bytes())
            published[page] = digest
        glued[page] = glued_values(staged)
    record.parent.mkdir(parents=True, exist_ok=True)
    _write_atomic(record, json.dumps(published, indent=1, sort_keys=True))
    return glued


def _duration(notebook: Path) -> float | None:
    """Seconds papermill recorded for executing ``notebook`` (``None`` if absent)."""
    meta = json.loads(notebook.read_text(encoding="utf-8")).get("metadata", {}).get("papermill", {})
    seconds = meta.get("duration")
    return round(float(seconds), 1) if isinstance(seconds, (int, float)) else None


def _shared_inputs() -> dict:
    """Hashes of the repository files that staging and publishing read besides the pages.

    ``_toc.yml``, ``_config.yml``, ``references.bib``, the files under ``book/`` other than the
    pages' sources (which are in each page's own key), the glossary (every page links its
    terms) and the pins files (``ensemble.json``, ``assumptions.yml``).
    """
    import hashlib

    from .paths import DATA
    from .publish import GLOSSARY

    def file_hash(path: Path) -> str:
        return hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else "absent"

    others = sorted(p for p in (REPO / "book").rglob("*")
                    if p.is_file() and p.suffix != ".md" and "__pycache__" not in p.parts)
    return {
        "book": [[p.relative_to(REPO).as_posix(), file_hash(p)] for p in others] + [["glossary", file_hash(GLOSSARY)]],
        "files": {name: file_hash(REPO / name) for name in ("_toc.yml", "_config.yml", "references.bib")},
        "pins": [file_hash(DATA / "published" / name) for name in ("ensemble.json", "assumptions.yml")],
    }


def _fingerprint(pages: list[str], keys: dict[str, str]) -> str:
    """Hash of every input the staged book is made from, to recognise a build with nothing to do.

    Algorithm
    ---------
    Hash, as sorted JSON: each page's cache key in reading order (page source, library,
    study folder with its ``study.yml``, parameters, environment: :mod:`ruxlib.cache`) and
    :func:`_shared_inputs`. Equal fingerprints give byte-identical staged sources, because
    staging and publishing are deterministic functions of these (the library's code included).
    """
    import hashlib

    parts = {"pages": [[p, keys[p]] for p in pages], **_shared_inputs()}
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()


def _unchanged(out: Path, fingerprint: str) -> dict | None:
    """The record of ``out`` when it was built from the inputs ``fingerprint`` names, else ``None``."""
    try:
        record = json.loads((out / FINGERPRINT).read_text(encoding="utf-8"))
        results = json.loads((out / "results.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not owned(out) or not isinstance(record, dict) or record.get("fingerprint") != fingerprint:
        return None
    return {"record": record, "results": results}


def _write_atomic(path: Path, text: str) -> None:
    import tempfile

    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}-", dir=path.parent)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
    os.replace(tmp, path)


def build(data: Path, out: Path | None = None, params: dict | None = None, jobs: int = 1,
          progress: bool = True, force: bool = False) -> Path:
    """Validate, execute (what changed, or everything with ``force``) and build the book.

    Returns the HTML folder. ``results.json`` in it lists the pages executed and those reused
    from the cache (see :mod:`ruxlib.cache`).
    """
    params = parse_params(params)  # ParamError before anything runs
    data = Path(data).resolve()
    inputs = {"the study folder": data, "the book's pages": REPO / "book", "the library": REPO / "ruxlib"}
    out = check_target(Path(out) if out else REPO / "_build" / "html", inputs)
    with BuildLock(out):  # a second build into the same OUT is refused here
        return _build_locked(data, out, inputs, params, jobs, progress, force)


def _build_locked(data: Path, out: Path, inputs: dict, params: dict, jobs: int, progress: bool,
                  force: bool) -> Path:
    """:func:`build` once ``out`` is locked."""
    stage = check_target(_stage_dir(out), inputs, label="stage folder")
    cache = PageCache(check_target(REPO / "_build" / "cache", inputs, label="cache folder"))
    pages = toc_pages(REPO)
    shared = inputs_key(REPO / "ruxlib", data, params, REPO)
    keys = {p: page_key(REPO / f"{p}.md", shared) for p in pages}
    fingerprint = _fingerprint(pages, keys)
    same = None if force or not all(cache.get(p, keys[p]) for p in pages) else _unchanged(out, fingerprint)
    if same is not None:  # OUT is this build already: the same study folder passed the same checks
        if progress:
            print(same["record"].get("coverage", ""), file=sys.stderr)
            for warning in same["record"].get("warnings", []):
                print(f"warning: {warning}", file=sys.stderr)
            print(f"nothing changed: all {len(pages)} pages reused, {out} is up to date", file=sys.stderr)
        results = {**same["results"], "timings": {}, "cache": {"executed": [], "reused": pages}}
        _write_atomic(out / "results.json", json.dumps(results, indent=1, default=str))
        return out

    from .io import _load_checked, coverage, save_snapshot

    study, check = _load_checked(data)  # raises DataError with every problem
    report = coverage(check) if progress else ""
    if progress:
        print(report, file=sys.stderr)
        for warning in study.warnings:
            print(f"warning: {warning}", file=sys.stderr)
    _stage(stage, pages, title=None if study.publication else study.title)
    # the pages load this snapshot of the validated study instead of validating the folder again
    snapshot = save_snapshot(study, stage / "_run" / "study.pickle")
    publication, warnings = study.publication, list(study.warnings)
    del study, check  # a large trial's tables are not kept here while the pages run
    try:
        timings = _execute_all(pages, stage, cache, keys, {**params, "data_dir": str(data)}, jobs, progress, force,
                               snapshot=snapshot)
    finally:
        snapshot.unlink(missing_ok=True)
    glued = _publish_all(pages, stage, cache, keys, timings, publication=publication, params=params,
                         folder=data.name)
    _sphinx(stage)
    results = {
        "data": data.name,
        "parameters": params,
        "timings": {p: round(s, 2) for p, s in timings.items() if s is not None},
        "cache": {"executed": [p for p in pages if timings[p] is not None],
                  "reused": [p for p in pages if timings[p] is None]},
        "pages": glued,
    }
    with Replacement(out) as new:
        shutil.copytree(stage / "_out" / "_build" / "html", new, dirs_exist_ok=True)
        (new / "results.json").write_text(json.dumps(results, indent=1, default=str), encoding="utf-8")
        record = {"fingerprint": fingerprint, "coverage": report, "warnings": warnings}
        (new / FINGERPRINT).write_text(json.dumps(record, indent=1) + "\n", encoding="utf-8")
    return out


def _sphinx(stage: Path) -> None:
    """Build the staged notebooks with Jupyter Book, incrementally (its environment is kept)."""
    result = subprocess.run(
        [str(Path(sys.executable).parent / "jupyter-book"), "build", str(stage), "--path-output", str(stage / "_out"),
         "-W", "-n", "--keep-going"],
        capture_output=True, text=True,
    )
    (stage / "logs").mkdir(exist_ok=True)
    (stage / "logs" / "sphinx.log").write_text(result.stdout + result.stderr, encoding="utf-8")
    if result.returncode != 0:
        shutil.rmtree(stage / "_out", ignore_errors=True)  # else the next, incremental build hides the warnings
        lines = (result.stdout + result.stderr).splitlines()
        bad = [line for line in lines if "WARNING" in line or "ERROR" in line or "Error" in line]
        raise BuildError("Jupyter Book failed:\n" + "\n".join((bad or lines)[-30:]))
    _sync_static(stage / "book" / "_static", stage / "_out" / "_build" / "html" / "_static")


def _sync_static(source: Path, target: Path) -> None:
    """Copy the book's own static files (``html_static_path``) that differ into the output.

    Sphinx copies static files only when some page is out of date, so a rebuild after a change
    to ``custom.css`` alone would keep the old stylesheet.
    """
    if not source.is_dir():
        return
    for path in source.rglob("*"):
        dest = target / path.relative_to(source)
        if path.is_file() and (not dest.is_file() or dest.read_bytes() != path.read_bytes()):
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, dest)
