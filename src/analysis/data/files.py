"""Files: the one crash-safe writer (a build killed at any moment leaves the old file or the
new one, never half of one), the one file hash, the one slug for file names, and the one YAML
reader."""

from __future__ import annotations

import functools
import hashlib
import os
import re
import tempfile
import unicodedata
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from analysis.errors import UserError

#: YAML's safe loader, in C where PyYAML has libyaml (several times faster: every build reads
#: the translations and the report grid).
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

#: The suffix of every temporary file a write leaves while it runs: ".<name>.<random>.tmp".
#: A build killed mid-write leaves at most such files, which the next build sweeps away.
TEMP_SUFFIX = ".tmp"
#: The mode of a new file, as an ordinary write gives it (rw-r--r--): a web server or a
#: colleague's account can read reports. An existing file keeps its own mode.
NEW_FILE_MODE = 0o644


def _stage(path: Path, data: bytes | str) -> Path:
    """`data` in a hidden temporary file beside `path`, flushed to disk, with the mode the
    target will have (mkstemp alone makes 0600 files)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=TEMP_SUFFIX, dir=path.parent)
    try:
        os.fchmod(fd, path.stat().st_mode & 0o777 if path.exists() else NEW_FILE_MODE)
        with os.fdopen(fd, "wb") as fh:
            fh.write(payload)
            fh.flush()
            os.fsync(fh.fileno())
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return Path(tmp)


def _fsync_folder(folder: Path) -> None:
    try:
        dir_fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(dir_fd)
    except OSError:
        pass
    finally:
        os.close(dir_fd)


def write_files(files: Mapping[Path, bytes | str]) -> None:
    """Write several files as one unit, each atomically: all are staged first, so if any
    staging write fails (disk full) none of the targets changes; then each staged file is
    renamed over its target (`os.replace`, atomic on POSIX and Windows)."""
    staged: list[tuple[Path, Path]] = []
    try:
        for target, data in files.items():
            staged.append((_stage(Path(target), data), Path(target)))
        for tmp, target in staged:
            os.replace(tmp, target)
    except BaseException:
        for tmp, _ in staged:
            tmp.unlink(missing_ok=True)
        raise
    for folder in dict.fromkeys(target.parent for _, target in staged):
        _fsync_folder(folder)


def write_atomic(path: Path, data: bytes | str) -> None:
    """Write `data` to `path` so readers see the old file or the new one, never half of one."""
    write_files({Path(path): data})


def sha256_file(path: Path) -> str:
    """The file's SHA-256, computed once per process for a given size and modification time
    (a build hashes the same data file for every report that reads it)."""
    st = os.stat(path)
    return _sha256_file(str(path), st.st_size, st.st_mtime_ns)


@functools.lru_cache(maxsize=8192)
def _sha256_file(path: str, size: int, mtime_ns: int) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def sweep_temporary(root: Path) -> int:
    """Remove the temporary files a killed write left under `root`; return how many."""
    n = 0
    if Path(root).exists():
        for p in Path(root).rglob(f".*{TEMP_SUFFIX}"):
            p.unlink(missing_ok=True)
            n += 1
    return n


def yaml_error(error: Exception, path: Path) -> UserError:
    """The one-line error for a YAML file that does not parse: file:line:column and the problem."""
    mark = getattr(error, "problem_mark", None)
    where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark is not None else str(path)
    problem = getattr(error, "problem", None) or str(error).splitlines()[0]
    return UserError(f"invalid YAML ({problem})", where=where,
                     fix="check indentation and quoting near that line")


def load_yaml(path: Path, *, what: str, missing_fix: str) -> Any:
    """Parse a UTF-8 YAML file; a missing, undecodable or malformed file is a `UserError`."""
    path = Path(path)
    if not path.is_file():
        raise UserError(f"{what} not found", where=str(path), fix=missing_fix)
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=SAFE_LOADER)
    except UnicodeDecodeError as e:
        raise UserError(f"{what} is not UTF-8", where=str(path), fix="save it as UTF-8") from e
    except yaml.YAMLError as e:
        raise yaml_error(e, path) from e


def slugify(value: object) -> str:
    """The ASCII file-name part of any value: 'Phú Yên' → 'phu-yen', 'Hà Nội/../x' →
    'ha-noi-x', True → 'true'. Reports, figures and lesson ids are all named with it."""
    if isinstance(value, bool) or value is None:
        value = str(value).lower()
    text = str(value).replace("Đ", "D").replace("đ", "d")
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")

