"""The book on a 10,000-subject study folder (issue 14): it builds, and no page grows with the study."""

import sys

import pytest
from conftest import DATA, REPO

pytestmark = pytest.mark.slow


def test_a_10000_subject_folder_builds_and_no_html_page_exceeds_the_documented_size(tmp_path):
    from ruxlib.build import MAX_HTML_BYTES, build

    sys.path.insert(0, str(REPO / "benchmarks"))
    from bench_scale import resample

    folder = resample(DATA, tmp_path / "study", 10_000)
    out = build(data=folder, out=tmp_path / "html", jobs=2, progress=False)
    pages = sorted(out.rglob("*.html"))
    assert len(pages) >= 20
    sizes = {p.relative_to(out).as_posix(): p.stat().st_size for p in pages}
    assert {name: size for name, size in sizes.items() if size > MAX_HTML_BYTES} == {}
    # the per-patient views switched to summaries: 10,000 subject ids are nowhere listed
    listed = {name: text.count("RS-0") for name in sizes
              if (text := (out / name).read_text(encoding="utf-8")).count("RS-0") > 200}
    assert listed == {}
