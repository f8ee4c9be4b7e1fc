"""Benchmark `ruxlib build` against the targets of issue 14; record the figures in results.json.

Run: PYTHONPATH=. .venv/bin/python benchmarks/bench_build.py [--sizes 1000 10000 100000] [--build-max N]

Everything is measured in one run, on this machine, each figure beside its target:

- **floor**: (pages × one minimal page execution) / cores + a Sphinx build, execution off, of
  this run's executed pages in a fresh folder. The minimal page imports the library and loads
  the study folder (``from ruxlib import book, io; io.load_study(data_dir)``), run by papermill.
- **cold**: ``build(force=True)`` into a new OUT (new stage: Sphinx from scratch). Target ≤ 1.5 × floor.
- **no-op**: the same build again. Target ≤ 3 s.
- **one page changed**: a comment never seen before appended to one page's source (restored
  afterwards), then the build. Target ≤ that page's own execution + 3 s.
- **scale**: study folders resampled from the shipped one (``bench_scale.resample``) to each
  size: ``ruxlib check`` and, up to ``--build-max`` subjects, a ``--force`` build, each in its own
  process, with its peak resident memory (``ru_maxrss`` of the process and, separately, the
  largest of its descendants: ``getrusage(RUSAGE_CHILDREN)``, which is per process, not summed
  over the kernels running at once). Target: build ≤ 3 × the 16-subject build, peak ≤ 4 GiB.

The build figures are wall-clock seconds from Python (``build()``), not counting the
interpreter's start; the no-op is also timed as a command (``ruxlib build``), start included.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from ruxlib.build import REPO, _sphinx, _stage_dir, build, toc_pages

CHANGED_PAGE = "book/lnr"

MINIMAL_PAGE = (
    "---\njupytext:\n  text_representation: {extension: .md, format_name: myst}\n"
    "kernelspec: {display_name: Python 3, language: python, name: python3}\n---\n\n"
    "# Minimal\n\n```{code-cell} ipython3\n:tags: [parameters]\ndata_dir = '.'\n```\n\n"
    "```{code-cell} ipython3\nfrom ruxlib import book, io\nstudy = io.load_study(data_dir)\n```\n"
)

ONE_BUILD = """
import json, resource, sys, time  # noqa: E401
from pathlib import Path
from ruxlib.build import build
start = time.perf_counter()
build(data=Path(sys.argv[1]), out=Path(sys.argv[2]), jobs=int(sys.argv[3]), progress=False, force=True)
seconds = time.perf_counter() - start
kib = lambda who: resource.getrusage(who).ru_maxrss
print(json.dumps({"seconds": round(seconds, 1), "peak_rss_mib": round(kib(resource.RUSAGE_SELF) / 1024),
                  "peak_rss_children_mib": round(kib(resource.RUSAGE_CHILDREN) / 1024)}))
"""


def _timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return round(time.perf_counter() - start, 2)


def floor(tmp: Path, data: Path, jobs: int, stage: Path) -> dict:
    """The floor: pages × one minimal page execution / cores + Sphinx of executed pages, from scratch."""
    from ruxlib.build import _execute

    src = tmp / "minimal.md"
    src.write_text(MINIMAL_PAGE, encoding="utf-8")
    _execute("book/minimal", src, tmp / "minimal-stage", {"data_dir": str(data)})  # warm the disk cache
    _, _, page = _execute("book/minimal", src, tmp / "minimal-stage", {"data_dir": str(data)})
    fresh = tmp / "sphinx-only"
    shutil.copytree(stage, fresh, ignore=shutil.ignore_patterns("_out", "_run", "logs"))
    sphinx = _timed(lambda: _sphinx(fresh))
    n = len(toc_pages())
    return {"minimal_page_seconds": round(page, 2), "pages": n, "cores": jobs,
            "sphinx_seconds": sphinx, "floor_seconds": round(n * page / jobs + sphinx, 1)}


def _one_build(data: Path, out: Path, jobs: int) -> dict:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    run = subprocess.run([sys.executable, "-c", ONE_BUILD, str(data), str(out), str(jobs)],
                         capture_output=True, text=True, env=env)
    if run.returncode != 0:
        return {"failed": (run.stderr.strip().splitlines() or ["?"])[-1][:300]}
    return json.loads(run.stdout.strip().splitlines()[-1])


def scale(tmp: Path, sizes: list[int], build_max: int, jobs: int, checkpoint) -> dict:
    sys.path.insert(0, str(Path(__file__).parent))
    from bench_scale import resample

    rows = {}
    for n in [16, *sizes]:
        folder = REPO / "data" if n == 16 else resample(REPO / "data", tmp / f"n{n}", n)
        row = {"check_seconds": _timed(lambda f=folder: subprocess.run(
            [sys.executable, "-m", "ruxlib", "check", str(f)], check=True, capture_output=True))}
        if n <= build_max:
            row.update(_one_build(folder, tmp / f"html{n}", jobs))
        rows[n] = row
        print("scale", n, row, flush=True)
        if n != 16:
            shutil.rmtree(folder, ignore_errors=True)
        checkpoint(_scale_table(rows))
    return _scale_table(rows)


def _scale_table(rows: dict) -> dict:
    base = rows[16].get("seconds")
    out = {}
    for n, row in rows.items():
        out[f"{n} subjects"] = {
            **row,
            "target": "build ≤ 3 × 16-subject build, peak RSS ≤ 4096 MiB" if n != 16 else "reference",
            **({"ratio_to_16": round(row["seconds"] / base, 2)} if base and "seconds" in row and n != 16 else {}),
        }
        if n != 16:
            out[f"{n} subjects"]["met"] = _scale_met(out[f"{n} subjects"])
    return out


def _scale_met(row: dict) -> bool:
    """Whether a scale point meets its target: built, ≤ 3 × the 16-subject build, peak RSS ≤ 4 GiB."""
    peak = max(row.get("peak_rss_mib", 0), row.get("peak_rss_children_mib", 0))
    return "ratio_to_16" in row and row["ratio_to_16"] <= 3 and peak <= 4096


def save(figures: dict) -> None:
    """Write ``figures`` as the ``build`` entry of benchmarks/results.json (after every stage)."""
    figures["machine"] = {"cpus": os.cpu_count(), "python": platform.python_version(),
                          "load_average": [round(x, 1) for x in os.getloadavg()]}
    path = REPO / "benchmarks" / "results.json"
    results = json.loads(path.read_text()) if path.exists() else {}
    results["build"] = figures
    path.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="*", default=[1000, 10000, 100000])
    ap.add_argument("--build-max", type=int, default=100000, help="largest size that gets a full build")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    args = ap.parse_args()
    jobs, data = args.jobs, REPO / "data"
    figures: dict = {}
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        out = tmp / "html"
        cold = _timed(lambda: build(data=data, out=out, jobs=jobs, progress=False, force=True))
        fl = floor(tmp, data, jobs, _stage_dir(out.resolve()))
        figures["floor"] = fl
        figures["cold"] = {"seconds": cold, "target_seconds": round(1.5 * fl["floor_seconds"], 1),
                           "target": "≤ 1.5 × floor", "met": cold <= 1.5 * fl["floor_seconds"]}
        noop = _timed(lambda: build(data=data, out=out, jobs=jobs, progress=False))
        command = _timed(lambda: subprocess.run(
            [str(Path(sys.executable).parent / "ruxlib"), "build", "--out", str(out)], check=True,
            capture_output=True, env={**os.environ, "PYTHONPATH": str(REPO)}))
        figures["no-op rebuild"] = {"seconds": noop, "command_seconds": command, "target_seconds": 3.0,
                                    "target": "≤ 3 s", "met": command <= 3.0}
        source = REPO / f"{CHANGED_PAGE}.md"
        original = source.read_bytes()
        try:
            source.write_bytes(original + f"\n<!-- benchmark {time.time_ns()} -->\n".encode())  # new: no cache hit
            one = _timed(lambda: build(data=data, out=out, jobs=jobs, progress=False))
        finally:
            source.write_bytes(original)
        page = json.loads((out / "results.json").read_text())["timings"].get(CHANGED_PAGE, 0.0)
        figures["one page changed"] = {"page": CHANGED_PAGE, "seconds": one, "page_seconds": page,
                                       "target_seconds": round(page + 3, 1), "target": "≤ page + 3 s",
                                       "met": one <= page + 3}
        print(json.dumps(figures, indent=1), flush=True)
        save(figures)
        figures["scale"] = scale(tmp, args.sizes, args.build_max, jobs,
                                 lambda table: save({**figures, "scale": table}))
    save(figures)
    print(json.dumps(figures, indent=1, ensure_ascii=False))


if __name__ == "__main__":
    main()
