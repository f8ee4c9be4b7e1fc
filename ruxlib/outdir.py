"""Output folders that ``ruxlib`` owns: it replaces only what it made, never the input.

Every folder a ``ruxlib`` command writes (the HTML book, its stage) carries a marker file,
:data:`MARKER`. A command may replace a folder only when the marker is there, or when the
folder is empty or new. Anything else is refused, in one line, before any work starts.

Algorithm (``ruxlib build --out OUT``)
--------------------------------------
1. :func:`check_target` (no side effects but a probe folder it removes at once):

   - ``OUT`` must not be, lie inside, or contain an input (the study folder, the book's
     sources);
   - an existing ``OUT`` must be a folder, and empty or marked as ours;
   - the nearest existing ancestor of ``OUT`` must take a new folder (a real write probe,
     so that read-only and virtual file systems such as ``/proc`` are caught).

2. :class:`Replacement` builds the new output in a marked sibling ``.OUT.new-XXXX`` and
   swaps it in with two renames on the same file system. A failed or interrupted build leaves
   the previous ``OUT`` whole; leftovers of a killed build carry the marker and are removed by
   the next build into the same ``OUT``.

3. :class:`BuildLock` serialises builds into one ``OUT``: the whole build holds an exclusive
   ``fcntl.flock`` on the sibling file ``OUT.lock`` (which names the holder's process id). A
   second build is refused at once, in one line. The kernel drops the lock when its process
   dies, so a killed build leaves no stale lock: the next build takes it.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from pathlib import Path

MARKER = ".ruxbook-build"
_TOOL = "ruxlib build"


class OutputError(Exception):
    """The output folder cannot be used; the message is one line for the user."""


def _version() -> str:
    try:
        from importlib.metadata import version

        return version("ruxlib")
    except Exception:  # pragma: no cover - not installed as a distribution
        return "unknown"


def mark(folder: Path) -> None:
    """Write the ownership marker into ``folder``."""
    info = {"tool": _TOOL, "version": _version(), "created": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
    (folder / MARKER).write_text(json.dumps(info) + "\n", encoding="utf-8")


def owned(folder: Path) -> bool:
    """True when ``folder`` holds a marker written by :func:`mark`."""
    marker = Path(folder) / MARKER
    if marker.is_symlink() or not marker.is_file():
        return False
    try:
        return json.loads(marker.read_text(encoding="utf-8")).get("tool") == _TOOL
    except (OSError, ValueError, AttributeError):
        return False


def reconstruction(folder: Path) -> bool:
    """True when ``folder`` holds a study folder written by ``ruxlib reconstruct``.

    Its ``study.yml`` says ``reconstructed: true`` and carries the ``seed`` it was made with.
    """
    import yaml

    try:
        meta = yaml.safe_load((Path(folder) / "study.yml").read_text(encoding="utf-8"))
    except (OSError, ValueError, yaml.YAMLError):
        return False
    return isinstance(meta, dict) and meta.get("reconstructed") is True and "seed" in meta


def check_writable_folder(out: Path, *, label: str = "--out") -> Path:
    """For commands that write named files into ``out``: it must be new, empty or ``reconstruction``."""
    path = _resolve(out, label)
    if path.exists() or path.is_symlink():
        if not path.is_dir():
            raise OutputError(f"{label} {out} is a file, not a folder; choose a new or empty folder")
        if any(path.iterdir()) and not (owned(path) or reconstruction(path)):
            n = _count_files(path)
            raise OutputError(
                f"refusing to write into {out}: it is not a folder made by ruxlib reconstruct "
                f"({n} file{'s' if n != 1 else ''}); choose an empty or new folder"
            )
    return path


def _count_files(folder: Path, cap: int = 100_000) -> int:
    n = 0
    for _, dirs, files in os.walk(folder):
        n += len(files) + len(dirs)
        if n >= cap:
            break
    return n


def _resolve(path: Path, what: str) -> Path:
    try:
        return Path(os.path.abspath(Path(path).expanduser())).resolve()
    except (RuntimeError, OSError) as e:  # symlink loop
        raise OutputError(f"{what} {path}: cannot be resolved ({e})") from None


def _relation(out: Path, other: Path) -> str | None:
    if out == other:
        return "is"
    if other in out.parents:
        return "lies inside"
    if out in other.parents:
        return "contains"
    return None


def check_target(out: Path, inputs: dict[str, Path], *, label: str = "--out") -> Path:
    """Refuse an output folder that a command may not replace; return its resolved path.

    Parameters
    ----------
    out : Path
        The requested output folder.
    inputs : dict[str, Path]
        Folders read by the command, by description (``{"the study folder": data}``); ``out``
        may not be any of them, lie inside one, or contain one.
    label : str
        How the message names ``out``.

    Raises
    ------
    OutputError
        With one line naming the folder and what to do instead.
    """
    raw = out
    out = _resolve(out, label)
    for what, path in inputs.items():
        rel = _relation(out, _resolve(path, what))
        if rel:
            raise OutputError(
                f"refusing to write to {raw}: it {rel} {what} ({path}); choose a folder outside it"
            )
    if out.exists() or out.is_symlink():
        if not out.is_dir():
            raise OutputError(f"{label} {raw} is a file, not a folder; choose a new or empty folder")
        try:
            entries = list(out.iterdir())
        except OSError as e:
            raise OutputError(f"cannot read {label} {raw}: {e.strerror}") from None
        if entries and not owned(out):
            n = _count_files(out)
            raise OutputError(
                f"refusing to overwrite {raw}: it was not made by ruxlib build ({n} file{'s' if n != 1 else ''}); "
                "choose an empty or new folder"
            )
    anchor = out.parent
    while not anchor.exists() and anchor != anchor.parent:
        anchor = anchor.parent
    if not anchor.is_dir():
        raise OutputError(f"cannot create {raw}: {anchor} is a file, not a folder")
    try:
        probe = tempfile.mkdtemp(prefix=".ruxbook-probe-", dir=anchor)
        os.rmdir(probe)
    except OSError as e:
        raise OutputError(f"cannot write to {anchor} (for {label} {raw}): {e.strerror or e}") from None
    return out


def _make_parents(path: Path, made: list[Path]) -> None:
    """Create the missing parent folders of ``path``, outermost first, appending each to ``made``
    (so that a failure can remove exactly what was created)."""
    missing, parent = [], path.parent
    while not parent.exists():
        missing.append(parent)
        parent = parent.parent
    for folder in reversed(missing):
        folder.mkdir()
        made.append(folder)


class Replacement:
    """Build a new version of ``out`` beside it, then swap it in atomically.

    Use as a context manager: ``path`` is the marked temporary folder to fill; on a clean exit
    it replaces ``out``, on an exception it is removed and ``out`` is left as it was.
    """

    def __init__(self, out: Path):
        self.out = Path(out)
        self.path: Path | None = None
        self._made: list[Path] = []

    def __enter__(self) -> Path:
        try:
            _make_parents(self.out, self._made)
            for stale in [*self.out.parent.glob(f".{self.out.name}.new-*"),
                          *self.out.parent.glob(f".{self.out.name}.old-*")]:
                if owned(stale):  # left by a killed build
                    shutil.rmtree(stale, ignore_errors=True)
            self.path = Path(tempfile.mkdtemp(prefix=f".{self.out.name}.new-", dir=self.out.parent))
            mark(self.path)
        except OSError as e:
            self._cleanup()
            raise OutputError(f"cannot write to {self.out.parent}: {e.strerror or e}") from None
        return self.path

    def _cleanup(self) -> None:
        if self.path is not None and self.path.exists():
            shutil.rmtree(self.path, ignore_errors=True)
        for folder in reversed(self._made):
            try:
                folder.rmdir()  # only if still empty
            except OSError:
                pass

    def __exit__(self, exc_type, exc, tb) -> bool:
        if exc_type is not None:
            self._cleanup()
            return False
        self.commit()
        return False

    def commit(self) -> None:
        out, new = self.out, self.path
        assert new is not None
        old = None
        if out.exists() or out.is_symlink():
            if owned(out):
                old = out.parent / f".{out.name}.old-{os.getpid()}-{time.monotonic_ns()}"
                os.rename(out, old)
            else:
                out.rmdir()  # empty (check_target saw to that); fails loudly otherwise
        try:
            os.rename(new, out)
        except OSError:
            if old is not None:
                os.rename(old, out)
            raise
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)


class BuildLock:
    """An exclusive lock on building into ``out``: the file ``OUT.lock`` beside it, held by flock.

    Use as a context manager around the whole build. A second holder is refused with
    :class:`OutputError` (one line, naming the other process). The lock file is removed on
    release; missing parent folders made for it are removed again if still empty.

    Algorithm
    ---------
    1. Open (create) ``OUT.lock`` and try ``flock(LOCK_EX | LOCK_NB)``; failure means another
       live process holds it (a dead one's lock is released by the kernel).
    2. Having the lock, check that the path still names the locked file (a releasing build
       may have unlinked it in between); if not, start again.
    3. Write our process id into it; on release unlink it, then unlock and close.
    """

    def __init__(self, out: Path):
        self.out = Path(out)
        self.path = self.out.parent / f"{self.out.name}.lock"
        self._fd: int | None = None
        self._made: list[Path] = []

    def __enter__(self) -> BuildLock:
        import fcntl

        try:
            _make_parents(self.path, self._made)
            while True:
                fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    holder = os.read(fd, 64).decode(errors="replace").strip()
                    os.close(fd)
                    self._rmdirs()
                    who = f" (process {holder})" if holder.isdigit() else ""
                    raise OutputError(
                        f"another ruxlib build{who} is writing to {self.out}; wait for it to finish "
                        f"or choose another --out (lock: {self.path})"
                    ) from None
                try:
                    same = os.path.samestat(os.fstat(fd), os.stat(self.path))
                except FileNotFoundError:
                    same = False
                if same:
                    break
                os.close(fd)  # unlinked by a build that just finished: lock the new file
            os.ftruncate(fd, 0)
            os.write(fd, str(os.getpid()).encode())
            self._fd = fd
        except OSError as e:
            self._rmdirs()
            raise OutputError(f"cannot lock {self.path}: {e.strerror or e}") from None
        return self

    def _rmdirs(self) -> None:
        for folder in reversed(self._made):  # innermost first
            try:
                folder.rmdir()  # only if still empty
            except OSError:
                break

    def __exit__(self, exc_type, exc, tb) -> bool:
        if self._fd is not None:
            try:
                os.unlink(self.path)
            except OSError:
                pass
            os.close(self._fd)  # releases the flock
            self._fd = None
        self._rmdirs()
        return False
