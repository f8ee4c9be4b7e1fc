"""The pipeline behind ``ruxlib build``.

Algorithm
---------
1. Validate the study folder (:func:`ruxlib.io.load_study`); a data problem stops here.
2. Read the pages from ``_toc.yml``; convert each jupytext MyST page to a notebook.
3. Execute the pages with papermill, ``--jobs`` at a time, injecting ``data_dir`` and any
   ``-p NAME VALUE`` into each page's ``parameters`` cell. The status page runs last, with
   the others' execution times.
4. Build the executed notebooks with Jupyter Book (execution off, ``-W -n --keep-going``:
   any warning, broken reference or missing figure fails the build).
5. Copy the HTML and ``results.json`` (every glued value by page and name) into a marked
   sibling of OUT and swap it in (:mod:`ruxlib.outdir`). OUT and its stage are checked before
   step 1: a folder that ``ruxlib build`` did not make, the study folder, or a folder that
   cannot be written is refused, and nothing is deleted.
"""

from __future__ import annotations

import ast
import json
import shutil
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

import yaml

from .io import load_study
from .outdir import OutputError, Replacement, check_target, clear, mark
from .params import ParamError
from .params import parse as parse_params
from .paths import REPO
from .publish import publish

STATUS_PAGE = "book/status"


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


def _execute(page: str, stage: Path, params: dict) -> tuple[str, float]:
    """Execute one staged page in place; return (page, seconds).

    Kernel chatter on stderr goes to ``stage/logs/PAGE.log`` instead of the terminal.
    """
    import os

    import nbformat
    import papermill as pm

    nb = stage / f"{page}.ipynb"
    log = stage / "logs" / f"{page.replace('/', '_')}.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    saved = os.dup(2)
    start = time.perf_counter()
    try:
        with open(log, "w") as fh:
            os.dup2(fh.fileno(), 2)
            pm.execute_notebook(
                str(nb), str(nb), parameters=params, kernel_name="python3",
                cwd=str(nb.parent), progress_bar=False, log_output=False,
            )
    except pm.PapermillExecutionError as e:
        executed = nbformat.read(str(nb), as_version=4)
        failed = [c for c in executed.cells if any(o.get("output_type") == "error" for o in c.get("outputs", []))]
        lines = failed[0].source.strip().splitlines() if failed else []
        first = next((line for line in lines if not line.startswith(("#", ":"))), "")
        raise BuildError(f"{page}.md: code cell `{first[:70]}` raised {e.ename}: {e.evalue}") from None
    finally:
        os.dup2(saved, 2)
        os.close(saved)
    return page, time.perf_counter() - start


def _stage_dir(out: Path) -> Path:
    """Where the executed notebooks of a build into ``out`` are kept (under the repo's ``_build``)."""
    import hashlib

    key = hashlib.sha256(str(out).encode()).hexdigest()[:10]
    return REPO / "_build" / "stage" / f"{out.name}-{key}"


def _stage(stage: Path, pages: list[str], title: str | None = None) -> None:
    import jupytext

    clear(stage)  # only a stage that ruxlib build made (marked) is removed
    stage.mkdir(parents=True)
    mark(stage)
    toc = yaml.safe_load((REPO / "_toc.yml").read_text(encoding="utf-8"))
    toc["parts"] = [part for part in toc.get("parts", []) if part.get("chapters")]  # skip empty parts
    (stage / "_toc.yml").write_text(yaml.safe_dump(toc, sort_keys=False), encoding="utf-8")
    for name in ("_config.yml", "references.bib"):
        if (REPO / name).exists():
            shutil.copy(REPO / name, stage / name)
    for src in (REPO / "book").rglob("*"):
        if src.is_file() and src.suffix not in {".md", ".ipynb"} and "__pycache__" not in src.parts:
            dst = stage / src.relative_to(REPO)
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(src, dst)
    for page in pages:
        src = REPO / f"{page}.md"
        if not src.exists():
            raise BuildError(f"_toc.yml lists {page}, but {src.relative_to(REPO)} does not exist")
        nb = jupytext.read(src)
        nb.metadata["kernelspec"] = {"display_name": "Python 3", "language": "python", "name": "python3"}
        for cell in nb.cells:  # the injected cell shows the values used; hide the defaults
            if "parameters" in cell.metadata.get("tags", []):
                cell.metadata["tags"] = [*cell.metadata["tags"], "remove-cell"]
        dst = stage / f"{page}.ipynb"
        dst.parent.mkdir(parents=True, exist_ok=True)
        jupytext.write(nb, dst)
    config = yaml.safe_load((stage / "_config.yml").read_text(encoding="utf-8"))
    config.setdefault("execute", {})["execute_notebooks"] = "off"
    if title:  # another trial's data: the book is about that trial
        import re  # the theme inserts the title as raw HTML and the page <title> escapes it: drop markup

        config["title"] = re.sub(r"[<>&\"'`{}]", "", f"{title}: an executable analysis (ruxbook)")
    if _vendor_mathjax(stage / "_static" / "mathjax"):
        sphinx = config.setdefault("sphinx", {}).setdefault("config", {})
        sphinx["mathjax_path"] = "mathjax/tex-chtml.js"
        sphinx["html_static_path"] = ["_static"]
    (stage / "_config.yml").write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")


def _vendor_mathjax(dest: Path) -> bool:
    """Copy MathJax 3 (from the django-static-mathjax wheel) so that math renders offline."""
    try:
        import mathjax
    except ImportError:
        return False
    es5 = Path(mathjax.__file__).parent / "static" / "mathjax" / "es5"
    if not (es5 / "tex-chtml.js").exists():
        return False
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copy(es5 / "tex-chtml.js", dest / "tex-chtml.js")
    shutil.copytree(es5 / "output" / "chtml" / "fonts", dest / "output" / "chtml" / "fonts", dirs_exist_ok=True)
    return True


def glued_values(notebook: Path) -> dict:
    """Every value glued in an executed notebook, by name (numbers parsed, else text)."""
    import nbformat

    nb = nbformat.read(str(notebook), as_version=4)
    values = {}
    for cell in nb.cells:
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


def build(data: Path, out: Path | None = None, params: dict | None = None, jobs: int = 1,
          progress: bool = True) -> Path:
    """Validate, execute and build the book; return the HTML folder."""
    from tqdm import tqdm

    params = parse_params(params)  # ParamError before anything runs
    data = Path(data).resolve()
    inputs = {"the study folder": data, "the book's pages": REPO / "book", "the library": REPO / "ruxlib"}
    out = check_target(Path(out) if out else REPO / "_build" / "html", inputs)
    stage = check_target(_stage_dir(out), inputs, label="stage folder")
    study = load_study(data)  # raises DataError with every problem
    if progress:
        from .io import check_study, coverage

        print(coverage(check_study(data)), file=sys.stderr)
        for warning in study.warnings:
            print(f"warning: {warning}", file=sys.stderr)
    pages = toc_pages()
    _stage(stage, pages, title=None if study.publication else study.title)

    shown = dict(params)
    params["data_dir"] = str(data)
    first = [p for p in pages if p != STATUS_PAGE]
    timings: dict[str, float] = {}
    with ProcessPoolExecutor(max_workers=max(1, jobs)) as pool:
        futures = {pool.submit(_execute, page, stage, params): page for page in first}
        bar = tqdm(total=len(pages), desc="executing pages", unit="page", disable=not progress, file=sys.stderr)
        errors = []
        for fut in as_completed(futures):
            try:
                page, seconds = fut.result()
                timings[page] = seconds
            except BuildError as e:
                errors.append(str(e))
            bar.update(1)
        if errors:
            bar.close()
            raise BuildError("\n".join(sorted(errors)))
        if STATUS_PAGE in pages:
            timing_file = stage / "timings.json"
            timing_file.write_text(json.dumps({p: round(timings[p], 2) for p in first}, indent=1))
            _, timings[STATUS_PAGE] = _execute(STATUS_PAGE, stage, {**params, "timings_path": str(timing_file)})
            bar.update(1)
        bar.close()

    glued = {p: glued_values(stage / f"{p}.ipynb") for p in pages}
    for page in pages:
        publish(stage / f"{page}.ipynb", publication=study.publication, params=shown, folder=data.name,
                glued=glued[page])
    result = subprocess.run(
        [str(Path(sys.executable).parent / "jupyter-book"), "build", str(stage), "--path-output", str(stage / "_out"),
         "-W", "-n", "--keep-going"],
        capture_output=True, text=True,
    )
    if result.returncode != 0:
        lines = (result.stdout + result.stderr).splitlines()
        bad = [line for line in lines if "WARNING" in line or "ERROR" in line or "Error" in line]
        raise BuildError("Jupyter Book failed:\n" + "\n".join((bad or lines)[-30:]))
    html = stage / "_out" / "_build" / "html"
    results = {
        "data": data.name,
        "parameters": {k: v for k, v in params.items() if k != "data_dir"},
        "timings": {p: round(s, 2) for p, s in timings.items()},
        "pages": glued,
    }
    with Replacement(out) as new:
        shutil.copytree(html, new, dirs_exist_ok=True)
        (new / "results.json").write_text(json.dumps(results, indent=1, default=str), encoding="utf-8")
    return out
