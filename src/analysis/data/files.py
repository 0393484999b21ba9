"""Writing files so that a build killed at any moment leaves the old file or the new one,
never half of one (reports, caches, processed tables, figures)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

from analysis.errors import UserError


def write_atomic(path: Path, data: bytes | str) -> None:
    """Write `data` to `path` so readers see the old file or the new one, never half of one.

    A temporary file in the same folder is written and fsynced, then os.replace()d over the
    target (atomic on POSIX and Windows); the folder is fsynced too where supported.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        # mkstemp makes 0600 files; a report should keep the target's mode (new: rw-r--r--)
        os.fchmod(fd, path.stat().st_mode & 0o777 if path.exists() else 0o644)
        with os.fdopen(fd, "wb") as fh:
            fh.write(payload)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    try:
        dir_fd = os.open(path.parent, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(dir_fd)
    except OSError:
        pass
    finally:
        os.close(dir_fd)


def yaml_error(error: Exception, path: Path) -> UserError:
    """The one-line error for a YAML file that does not parse: file:line:column and the problem."""
    mark = getattr(error, "problem_mark", None)
    where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark is not None else str(path)
    problem = getattr(error, "problem", None) or str(error).splitlines()[0]
    return UserError(f"invalid YAML ({problem})", where=where,
                     fix="check indentation and quoting near that line")


def load_yaml(path: Path, *, what: str, missing_fix: str) -> Any:
    """Parse a UTF-8 YAML file; a missing, undecodable or malformed file is a `UserError`."""
    import yaml

    path = Path(path)
    if not path.is_file():
        raise UserError(f"{what} not found", where=str(path), fix=missing_fix)
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as e:
        raise UserError(f"{what} is not UTF-8", where=str(path), fix="save it as UTF-8") from e
    except yaml.YAMLError as e:
        raise yaml_error(e, path) from e
