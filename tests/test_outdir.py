"""`ruxlib build` and `ruxlib reconstruct` never delete or change what they did not create.

One test per case of the data-loss report: the user's files survive byte-identical, the
message is one clear line, and nothing runs (no stage folder appears).
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ruxlib import cli
from ruxlib.build import _stage_dir
from ruxlib.outdir import MARKER, BuildLock, OutputError, Replacement, check_target, mark, owned


def snapshot(folder: Path) -> dict:
    """Every file under ``folder`` with its bytes (folders as None)."""
    return {
        str(p.relative_to(folder)): (p.read_bytes() if p.is_file() else None)
        for p in sorted(folder.rglob("*"))
    }


@pytest.fixture
def study(tmp_path):
    folder = tmp_path / "study"
    (folder / "published").mkdir(parents=True)
    (folder / "adsl.csv").write_text("USUBJID,AGE,SEX\n1,50,M\n2,60,F\n", encoding="utf-8")
    (folder / "study.yml").write_text("title: My trial\n", encoding="utf-8")
    (folder / "published" / "claims.csv").write_text("id,value\n", encoding="utf-8")
    return folder


def refused(capsys, argv, *keep: Path) -> str:
    before = [snapshot(k) for k in keep]
    code = cli.main(argv)
    err = capsys.readouterr().err
    assert code == 1
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1, err
    assert [snapshot(k) for k in keep] == before
    return err


def test_out_is_the_study_folder(study, capsys):
    err = refused(capsys, ["build", "--data", str(study), "--out", str(study)], study)
    assert "refusing to write to" in err and "is the study folder" in err
    assert not _stage_dir(study.resolve()).exists()


def test_out_is_a_folder_with_the_users_files(study, tmp_path, capsys):
    docs = tmp_path / "mydocs"
    (docs / "photos").mkdir(parents=True)
    (docs / "thesis.txt").write_text("chapter 1", encoding="utf-8")
    (docs / "photos" / "a.jpg").write_bytes(b"\xff\xd8")
    err = refused(capsys, ["build", "--data", str(study), "--out", str(docs)], docs, study)
    assert f"refusing to overwrite {docs}: it was not made by ruxlib build (3 files)" in err
    assert "choose an empty or new folder" in err


def test_out_is_the_working_folder(study, tmp_path, capsys, monkeypatch):
    work = tmp_path / "work"
    work.mkdir()
    (work / "notes.txt").write_text("keep me", encoding="utf-8")
    monkeypatch.chdir(work)
    err = refused(capsys, ["build", "--data", str(study), "--out", "."], work, study)
    assert "refusing to overwrite .: it was not made by ruxlib build (1 file)" in err


def test_out_inside_the_study_folder(study, capsys):
    err = refused(capsys, ["build", "--data", str(study), "--out", str(study / "html")], study)
    assert "lies inside the study folder" in err


def test_out_containing_the_study_folder(study, tmp_path, capsys):
    err = refused(capsys, ["build", "--data", str(study), "--out", str(tmp_path)], study)
    assert "contains the study folder" in err


def test_out_is_a_file(study, tmp_path, capsys):
    target = tmp_path / "report.html"
    target.write_text("<p>mine</p>", encoding="utf-8")
    err = refused(capsys, ["build", "--data", str(study), "--out", str(target)], study)
    assert "is a file, not a folder" in err
    assert target.read_text(encoding="utf-8") == "<p>mine</p>"


@pytest.mark.parametrize("place", ["/proc/ruxbook-test/html", "/sys/ruxbook-test/html"])
def test_out_on_a_virtual_file_system(study, capsys, place):
    err = refused(capsys, ["build", "--data", str(study), "--out", place], study)
    assert err.startswith("cannot write to /")
    assert not Path(place).parent.exists()


def _as_user(argv: list[str]) -> subprocess.CompletedProcess:
    """Run ``python -m ruxlib ARGV`` as an unprivileged user (root writes through permissions)."""
    cmd = [sys.executable, "-m", "ruxlib", *argv]
    if os.geteuid() == 0:
        cmd = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", *cmd]
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120, env=env)


@pytest.fixture
def open_tmp():
    """A temporary folder every user can enter (pytest's own is private to its owner)."""
    import shutil
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="ruxbook-perm-"))
    folder.chmod(0o755)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def test_out_under_an_unwritable_parent(open_tmp):
    study = open_tmp / "study"
    study.mkdir()
    (study / "adsl.csv").write_text("USUBJID,AGE,SEX\n1,50,M\n", encoding="utf-8")
    locked = open_tmp / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    run = _as_user(["build", "--data", str(study), "--out", str(locked / "html")])
    assert run.returncode == 1, run.stderr
    assert "Traceback" not in run.stderr
    assert run.stderr.strip() == f"cannot write to {locked} (for --out {locked}/html): Permission denied"
    assert list(locked.iterdir()) == []


def test_out_on_a_read_only_file_system(study, tmp_path, capsys):
    ro = tmp_path / "ro"
    ro.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "ro,size=1m", "tmpfs", str(ro)], capture_output=True)
    if mounted.returncode != 0:
        pytest.skip("cannot mount a read-only file system here")
    try:
        err = refused(capsys, ["build", "--data", str(study), "--out", str(ro / "html")], study)
        assert "Read-only file system" in err
    finally:
        subprocess.run(["umount", str(ro)], check=False)


def test_reconstruct_refuses_a_folder_it_did_not_make(study, capsys):
    err = refused(capsys, ["reconstruct", "--out", str(study)], study)
    assert "not a folder made by ruxlib reconstruct" in err


def test_an_empty_folder_is_accepted_and_replaced(tmp_path):
    out = tmp_path / "empty"
    out.mkdir()
    assert check_target(out, {}) == out.resolve()
    with Replacement(out) as new:
        (new / "index.html").write_text("new", encoding="utf-8")
    assert owned(out) and (out / "index.html").read_text(encoding="utf-8") == "new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty"]  # no temporary folder left


def test_a_marked_folder_is_replaced_whole(tmp_path):
    out = tmp_path / "html"
    out.mkdir()
    mark(out)
    (out / "old.html").write_text("old", encoding="utf-8")
    check_target(out, {})
    with Replacement(out) as new:
        (new / "index.html").write_text("new", encoding="utf-8")
    assert sorted(p.name for p in out.iterdir()) == [MARKER, "index.html"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["html"]


def test_a_failed_build_leaves_the_previous_output_whole(tmp_path):
    out = tmp_path / "html"
    out.mkdir()
    mark(out)
    (out / "index.html").write_text("previous", encoding="utf-8")
    before = snapshot(out)
    with pytest.raises(RuntimeError), Replacement(out) as new:
        (new / "index.html").write_text("half", encoding="utf-8")
        raise RuntimeError("a page failed")
    assert snapshot(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["html"]


def test_a_forged_marker_is_not_ownership(tmp_path):
    out = tmp_path / "docs"
    out.mkdir()
    (out / MARKER).write_text("anything", encoding="utf-8")
    (out / "thesis.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(OutputError, match="not made by ruxlib build"):
        check_target(out, {})


def test_a_killed_build_leaves_the_previous_output_intact(study, tmp_path):
    out = tmp_path / "html"
    out.mkdir()
    mark(out)
    (out / "index.html").write_text("previous book", encoding="utf-8")
    before, study_before = snapshot(out), snapshot(study)
    stage = _stage_dir(out.resolve())
    proc = subprocess.Popen(
        [sys.executable, "-m", "ruxlib", "build", "--data", str(study), "--out", str(out), "--jobs", "1"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 120
        while not (stage / "logs").exists() and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.2)
        assert proc.poll() is None, "the build ended before it could be killed"
        time.sleep(1.0)  # pages are executing
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    assert snapshot(out) == before
    assert snapshot(study) == study_before  # the input was never written


HOLD = (
    "import sys, time\n"
    "from pathlib import Path\n"
    "from ruxlib.outdir import BuildLock\n"
    "with BuildLock(Path(sys.argv[1])):\n"
    "    print('locked', flush=True)\n"
    "    time.sleep(600)\n"
)


def _holder(out: Path) -> subprocess.Popen:
    """Another process that holds the build lock on ``out`` until killed."""
    proc = subprocess.Popen([sys.executable, "-c", HOLD, str(out)], stdout=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])})
    assert proc.stdout.readline().strip() == "locked"
    return proc


def test_a_concurrent_build_into_the_same_out_is_refused(study, tmp_path, capsys):
    out = tmp_path / "html"
    out.mkdir()
    mark(out)
    (out / "index.html").write_text("previous book", encoding="utf-8")
    proc = _holder(out)
    try:
        err = refused(capsys, ["build", "--data", str(study), "--out", str(out)], out, study)
    finally:
        proc.kill()
        proc.wait()
    assert err.startswith(f"another ruxlib build (process {proc.pid}) is writing to {out}")
    assert "choose another --out" in err
    assert not _stage_dir(out.resolve()).exists() or owned(_stage_dir(out.resolve()))


def test_the_lock_of_a_killed_build_is_not_stale(tmp_path):
    out = tmp_path / "html"
    proc = _holder(out)
    with pytest.raises(OutputError, match="another ruxlib build"):
        with BuildLock(out):
            pass
    os.kill(proc.pid, signal.SIGKILL)  # no chance to release anything
    proc.wait()
    assert (tmp_path / "html.lock").exists()  # the file stays, the lock does not
    with BuildLock(out):
        assert (tmp_path / "html.lock").read_text() == str(os.getpid())
    assert not (tmp_path / "html.lock").exists()


def test_the_lock_releases_and_removes_the_folders_it_made(tmp_path):
    out = tmp_path / "new" / "deeper" / "html"
    with BuildLock(out):
        assert (tmp_path / "new" / "deeper" / "html.lock").is_file()
        with pytest.raises(OutputError, match="another ruxlib build"), BuildLock(out):
            pass  # the same process, a second descriptor: refused too
    assert list(tmp_path.iterdir()) == []
    with BuildLock(out):  # and it can be taken again
        pass
