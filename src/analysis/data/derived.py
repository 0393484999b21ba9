"""Derived data files and their records: tables and shapes computed from data/external once
per build (not once per report) and kept in data/processed, each beside its record
`<stem>.meta.json`.

- `province_shapes.geojson`: the geoBoundaries file dissolved to 63 provinces and simplified
  (`analysis.compute.maps.province_shapes`); read by `external.load_province_shapes`.
- `gso_ranks.csv`: each province's GSO rank per year (`analysis.compute.context.rank_provinces`);
  read by `processed.load_ranks`.

The record says what the file was made from and how: every input (path relative to the data
folder, the parent of the file's folder) with its SHA-256, the parameters, a few counts, and
the file's own SHA-256. `analysis.build.derive` writes both (`write_derived`) and makes a file
again when its record no longer matches (`staleness`); the loaders refuse such a file
(`check_fresh`), so an edited input never reaches a report through an old derived file.

Standard library only: a build checks the records before it plans any report, and a build
with nothing to do imports no pandas.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from analysis.data.files import sha256_file, write_files
from analysis.errors import UserError

#: A derived file's record sits beside it: province_shapes.geojson → province_shapes.meta.json.
META_SUFFIX = ".meta.json"
#: How to bring a derived file up to date (a build does it too, before any report is planned).
FIX = "run `python -m analysis extract`"


def meta_path(path: Path) -> Path:
    """Where the record of the derived file `path` is (for another file: a path that does not
    exist)."""
    path = Path(path)
    return path.with_name(f"{path.stem}{META_SUFFIX}")


def read_meta(path: Path) -> dict[str, Any] | None:
    """The record of the derived file `path`, or None when it is missing or unreadable."""
    try:
        meta = json.loads(meta_path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    ok = (isinstance(meta, dict) and isinstance(meta.get("inputs"), dict)
          and isinstance(meta.get("sha256"), str))
    return meta if ok else None


def staleness(path: Path, parameters: Mapping[str, Any] | None = None,
              inputs: list[str] | None = None) -> str | None:
    """Why the derived file `path` cannot be used as it is, or None when its record matches:
    the file and its record exist, every recorded input still has its SHA-256, the file is
    the one recorded, and (when given) the parameters and the input names are the recorded
    ones."""
    path = Path(path)
    if not path.is_file():
        return "the file is missing"
    meta = read_meta(path)
    if meta is None:
        return f"its record {meta_path(path).name} is missing or unreadable"
    data = path.parent.parent
    for rel, digest in meta["inputs"].items():
        source = data / rel
        if not source.is_file():
            return f"its input {rel} is missing"
        if sha256_file(source) != digest:
            return f"its input {rel} changed since it was derived"
    if sha256_file(path) != meta["sha256"]:
        return "the file was edited since it was derived"
    if parameters is not None and meta.get("parameters") != dict(parameters):
        return "its parameters changed"
    if inputs is not None and sorted(meta["inputs"]) != sorted(inputs):
        return "its inputs changed"
    return None


def check_fresh(path: Path) -> dict[str, Any]:
    """The record of the derived file `path`; a UserError when the file is missing or out of
    date with its inputs (`staleness`)."""
    why = staleness(path)
    if why is not None:
        raise UserError(f"derived file out of date: {why}", where=str(path), fix=FIX)
    return read_meta(path) or {}


def write_derived(files: Mapping[Path, tuple[str, Mapping[str, Any]]]) -> None:
    """Write each derived file with its record (the given record plus the file's name and
    SHA-256), all atomically and as one unit (`files.write_files`)."""
    out: dict[Path, str] = {}
    for path, (text, record) in files.items():
        path = Path(path)
        meta = {"file": path.name, **record,
                "sha256": hashlib.sha256(text.encode("utf-8")).hexdigest()}
        out[path] = text
        out[meta_path(path)] = json.dumps(meta, ensure_ascii=False, indent=1) + "\n"
    write_files(out)
