import os
import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
DATA = REPO / "data"


@pytest.fixture(scope="session")
def built_book(tmp_path_factory):
    """Build the whole book once on the shipped study folder; return the HTML folder."""
    from ruxlib.build import build

    out = tmp_path_factory.mktemp("book") / "html"
    return build(data=DATA, out=out, jobs=os.cpu_count() or 1, progress=False)


@pytest.fixture(scope="session")
def chromium():
    """Path to a Chromium binary; CI must have one (it installs Debian's), elsewhere skip."""
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        if os.environ.get("CI"):
            pytest.fail("CI must provide chromium (.ci/run installs Debian's package)")
        pytest.skip("chromium not installed")
    return path
