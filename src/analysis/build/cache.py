"""What a report depends on, hashed; and the crash-safe writes that record it.

A report's cache key is sha256 over: the notebook's bytes, its parameters (canonical JSON),
every file under data/, every file of the `analysis` package (code and package data), the
installed distributions with their versions, the Python version and this engine's version.
The notebook could read any data file and import any helper module, so all of them count: the
gaps of Quarto's freeze (data) and Ploomber (imported modules) do not exist here.

The key is content only. Whether a file the build wrote (a report, an executed notebook) or a
step read is still what its record says is decided first by its size and mtime, kept in the
record next to its sha256 (`verified_stat`): a build with nothing changed reads none of them.

Writes go through `analysis.data.files.write_files`: a job's files are first all staged, then
all renamed, and its cache record is written last: a build killed at any moment leaves
complete old or complete new files, and a record that is either absent or describes files
that exist.
"""

from __future__ import annotations

import email
import hashlib
import json
import os
import re
import subprocess
import sys
import sysconfig
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from stat import S_ISREG
from typing import Any

# sha256_file (memoised on size and mtime) lives in the data layer: its loaders check the
# recorded inputs of derived files with it too.
from analysis.data.files import TEMP_SUFFIX, sha256_file, write_atomic

ENGINE_VERSION = 1
SKIP_DIRS = {"__pycache__", ".ipynb_checkpoints", ".pytest_cache", ".ruff_cache"}
SKIP_SUFFIXES = (".pyc", ".pyo", TEMP_SUFFIX)


def canonical_json(obj: Any) -> str:
    """One spelling per value: sorted keys, no spaces, UTF-8 kept."""
    return json.dumps(obj, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def hashed(path: Path) -> tuple[str, list[int]]:
    """(SHA-256, [size, mtime_ns]) of a file, the stat taken before the bytes are read: what a
    record keeps, so that a change made while hashing shows as another mtime next time."""
    st = os.stat(path)
    return sha256_file(path), [st.st_size, st.st_mtime_ns]


def stat_of(path: Path) -> list[int]:
    """[size, mtime_ns] of a file the build has just written, for its record."""
    st = os.stat(path)
    return [st.st_size, st.st_mtime_ns]


def verified_stat(path: Path, sha256: str | None,
                  stat: Sequence[int] | None = None) -> list[int] | None:
    """The file's [size, mtime_ns] if it still holds the content `sha256` names; None if it is
    missing, not a regular file, or holds other content.

    A file whose size and mtime_ns are still the recorded `stat` is trusted without being read,
    as make, ninja and git trust a file's stat: a nothing-changed build then reads none of its
    ~600 outputs. The accepted trade-off: a file rewritten in place with the same size and the
    same mtime_ns (a tool that restores the time, or an edit within the clock's resolution right
    after the stat was recorded) passes as unchanged. Another size is other content; another
    mtime alone (a touch, a copy) is settled by hashing, and the caller may record the new stat.
    """
    try:
        st = os.stat(path)
    except OSError:
        return None
    if not sha256 or not S_ISREG(st.st_mode):
        return None
    now = [st.st_size, st.st_mtime_ns]
    if stat is not None and list(stat) == now:
        return now
    if stat is not None and stat[0] != st.st_size:
        return None
    return now if sha256_file(path) == sha256 else None


def verified_stats(digests: Mapping[str, str],
                   stats: Mapping[str, Sequence[int]]) -> dict[str, list[int]] | None:
    """[size, mtime_ns] of every file of `digests` ({path: sha256}) if each still holds the
    recorded content (`verified_stat`, trusting the recorded `stats`), else None."""
    found = {}
    for path, digest in digests.items():
        if (now := verified_stat(Path(path), digest, stats.get(path))) is None:
            return None
        found[path] = now
    return found


def tree_files(root: Path) -> list[Path]:
    """Every file under `root` that could be read, in a stable order (caches excluded)."""
    out = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS)
        out.extend(Path(dirpath) / f for f in sorted(filenames) if not f.endswith(SKIP_SUFFIXES))
    return out


def tree_digest(root: Path) -> str:
    """sha256 over the relative path and content of every file under `root` ('' if absent)."""
    root = Path(root)
    if not root.exists():
        return sha256_bytes(b"<absent>")
    h = hashlib.sha256()
    for p in tree_files(root):
        h.update(p.relative_to(root).as_posix().encode() + b"\0")
        h.update(sha256_file(p).encode() + b"\n")
    return h.hexdigest()


def files_digest(root: Path, inputs: Iterable[Path]) -> str:
    """sha256 over the path (relative to `root`) and content of each input file or folder."""
    root = Path(root).resolve()
    files: set[Path] = set()
    for p in inputs:
        p = Path(p).resolve()
        files.update(tree_files(p) if p.is_dir() else [p])
    h = hashlib.sha256()
    for p in sorted(files):
        h.update(p.relative_to(root).as_posix().encode() + b"\0")
        h.update((sha256_file(p) if p.exists() else "<absent>").encode() + b"\n")
    return h.hexdigest()


def installed_packages() -> dict[str, str]:
    """{distribution name: version} of this interpreter, sorted by name.

    Read as `Distribution.metadata` reads them (the same files, the same parser), but from the
    header block alone: it ends at the first blank line, before the long description, whose
    parsing made up most of the time (60–90 ms for the 170 distributions here; now 15 ms)."""
    found: dict[str, str] = {}
    for dist in metadata.distributions():
        text = dist.read_text("METADATA") or dist.read_text("PKG-INFO") or dist.read_text("")
        headers = email.message_from_string((text or "").split("\n\n", 1)[0])
        name = (headers["Name"] or "").lower().replace("_", "-")
        if name:
            found.setdefault(name, headers["Version"])
    return dict(sorted(found.items()))


@dataclass(frozen=True)
class Fingerprint:
    """The parts of the key shared by every job of one build, taken as it starts (the next
    build takes its own)."""

    data: str
    src: str
    packages: str
    package_list: dict[str, str]
    python: str
    _inputs: dict[tuple[str, ...], str] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def of(cls, data_dir: Path, src_dir: Path) -> Fingerprint:
        pkgs = installed_packages()
        return cls(data=tree_digest(data_dir), src=tree_digest(src_dir),
                   packages=sha256_bytes(canonical_json(pkgs).encode()), package_list=pkgs,
                   python=sys.version.split()[0])

    def key(self, notebook: bytes, parameters: dict[str, Any],
            data: str | None = None) -> tuple[str, dict[str, str]]:
        """The cache key of one job and the parts it was made from (kept for provenance).

        `data` is the digest of the data files the job reads (`files_digest`); default: all.
        """
        parts = {"engine": str(ENGINE_VERSION), "python": self.python,
                 "notebook_sha256": sha256_bytes(notebook),
                 "parameters_sha256": sha256_bytes(canonical_json(parameters).encode()),
                 "data_sha256": data or self.data, "src_sha256": self.src,
                 "packages_sha256": self.packages}
        return sha256_bytes(canonical_json(parts).encode()), parts

    def files_digest(self, root: Path, inputs: Sequence[Path]) -> str:
        """`files_digest(root, inputs)`, computed once per build for each set of inputs: most
        jobs read the same files (126 of the 148 jobs of the full grid)."""
        key = (str(root), *map(str, inputs))
        if key not in self._inputs:
            self._inputs[key] = files_digest(root, inputs)
        return self._inputs[key]


def changed_parts(old: dict[str, str] | None, new: dict[str, str]) -> list[str]:
    """Human names of what differs between two key-part dicts ('data', 'src', ...)."""
    if not old:
        return ["never built"]
    names = {"notebook_sha256": "notebook", "parameters_sha256": "parameters",
             "data_sha256": "data", "src_sha256": "src/analysis", "packages_sha256": "packages",
             "python": "python", "engine": "engine"}
    return [names.get(k, k) for k in new if old.get(k) != new[k]] or ["outputs"]


# ---------------------------------------------------------------- what a step read


def file_digests(paths: Iterable[Path]) -> tuple[dict[str, str], dict[str, list[int]]]:
    """({path: sha256}, {path: [size, mtime_ns]}) of each file (absolute paths, sorted)."""
    digests, stats = {}, {}
    for p in sorted({Path(p).resolve() for p in paths}):
        if p.is_file():
            digests[str(p)], stats[str(p)] = hashed(p)
    return digests, stats


def installed_roots() -> list[Path]:
    """Where the interpreter and installed packages live (their versions are in the key)."""
    paths = sysconfig.get_paths()
    return sorted({Path(p).resolve() for p in
                   (sys.prefix, sys.base_prefix, sys.exec_prefix, paths["stdlib"],
                    paths["platstdlib"], paths["purelib"], paths["platlib"]) if p})


class ReadRecorder:
    """The files this process opens for reading while the block runs, found with an audit
    hook on `open` (Python-level opens: pathlib, open(), pandas, nbformat, ...), except those
    under `skip` and anything not a regular file. Files read by subprocesses or native code
    are not seen: callers key on those by other means (code and package digests)."""

    _active: list[ReadRecorder] = []
    _installed = False
    _lock = threading.Lock()

    def __init__(self, skip: Iterable[Path] = ()) -> None:
        self.skip = tuple(str(Path(p).resolve()) + os.sep for p in skip)
        self.seen: set[str] = set()

    @classmethod
    def _hook(cls, event: str, args: tuple) -> None:
        if event != "open" or not cls._active:
            return
        path, mode, flags = args
        if not isinstance(path, str | bytes | os.PathLike):
            return
        if isinstance(mode, str):
            if any(ch in mode for ch in "wax+"):
                return
        elif (flags or 0) & (os.O_WRONLY | os.O_RDWR | os.O_CREAT):
            return
        for rec in cls._active:
            rec.seen.add(os.path.abspath(os.fsdecode(path)))

    def __enter__(self) -> ReadRecorder:
        with self._lock:
            if not ReadRecorder._installed:
                sys.addaudithook(ReadRecorder._hook)
                ReadRecorder._installed = True
            ReadRecorder._active.append(self)
        return self

    def __exit__(self, *exc: object) -> None:
        with self._lock:
            ReadRecorder._active.remove(self)

    def files(self, exclude: Iterable[Path] = ()) -> list[Path]:
        """The regular files read that still exist (temporary files are gone), minus
        `exclude` and whatever lies under `skip`."""
        out = {str(Path(p).resolve()) for p in exclude}
        found = []
        for path in sorted(self.seen):
            real = str(Path(path).resolve())
            if real in out or real.startswith(self.skip) or not Path(real).is_file():
                continue
            if real.startswith(("/proc/", "/sys/", "/dev/")):
                continue
            found.append(Path(real))
        return found


def git_commit(root: Path) -> str:
    """`git rev-parse HEAD` of the project, or 'unknown' (no git, not a checkout)."""
    try:
        done = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True,
                              text=True, timeout=10, check=False)
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    sha = done.stdout.strip()
    return sha if done.returncode == 0 and re.fullmatch(r"[0-9a-f]{40}", sha) else "unknown"


# ---------------------------------------------------------------- records


def write_json(path: Path, obj: Any) -> None:
    write_atomic(Path(path), json.dumps(obj, ensure_ascii=False, indent=1, sort_keys=False))


def read_json(path: Path) -> Any | None:
    """The JSON in `path`, or None when it is absent or unreadable (treated as 'no cache')."""
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
