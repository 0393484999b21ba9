"""Derived data: work every report of notebook 05 shares, done once and kept as files in
data/processed, keyed on the SHA-256 of their inputs.

`DERIVED` lists each file with its inputs (relative to the data folder), its parameters and
the function that makes it. `refresh` makes again exactly those whose record
(`analysis.data.derived`) no longer matches — missing, an input changed, the parameters
changed, the file edited — and writes nothing otherwise. `python -m analysis extract` runs it,
and so does every build before it plans the reports, so their cache keys see the new files;
the loaders refuse a stale file. Checking the records reads no table: the libraries that make
a file are imported only when one is stale.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from analysis.build.cache import sha256_file
from analysis.data import derived, paths

#: Simplification tolerance of the province shapes, in degrees (`shapely.coverage_simplify`,
#: Visvalingam–Whyatt: about the square root of the area of the triangles removed). The map is
#: printed 6.69 in wide, some 4 in tall for Vietnam's 15° of latitude: 1 pt ≈ 0.05° (the map is
#: an SVG, so the printed point is the unit). At 0.01° a boundary moves at most 0.011° (Hausdorff
#: distance between each province's boundary before and after), a fifth of a point, under the
#: 0.3 pt white line drawn along every edge; a province's area changes by at most 0.6 %, and the
#: file's 15,830 vertices drop to 5,826. Shared edges stay shared: no gap, no overlap.
SIMPLIFY_TOLERANCE_DEG = 0.01
#: Decimals kept of each coordinate: 1e-5° ≈ 1 m, far below the tolerance; a smaller file whose
#: bytes do not depend on floating-point noise.
COORDINATE_DECIMALS = 5


@dataclass(frozen=True)
class Derivation:
    """One derived file: where it goes, what it is made from and how."""

    output: str  # relative to the data folder, as a record names its inputs
    inputs: tuple[str, ...]
    parameters: Mapping[str, Any]
    #: (data folder, parameters) → (the file's text, counts for its record)
    make: Callable[[Path, Mapping[str, Any]], tuple[str, dict[str, int]]]


def _in_data(path: Path) -> str:
    return path.relative_to(paths.DATA).as_posix()


def _shapes(data: Path, parameters: Mapping[str, Any]) -> tuple[str, dict[str, int]]:
    from analysis.compute import maps  # deferred import (README: Architecture)
    from analysis.data import external  # deferred import (README: Architecture)

    folder = data / "external"
    boundaries = external.load_boundaries(folder / external.BOUNDARIES,
                                          external.load_province_codes(folder / external.CODES))
    shapes = maps.province_shapes(boundaries, parameters["tolerance_deg"],
                                  parameters["coordinate_decimals"])
    return external.shapes_text(shapes), {
        "features_in": len(boundaries), "shapes": len(shapes),
        "vertices_in": maps.vertex_count(boundaries), "vertices_out": maps.vertex_count(shapes)}


def _ranks(data: Path, parameters: Mapping[str, Any]) -> tuple[str, dict[str, int]]:
    from analysis.compute import context  # deferred import (README: Architecture)
    from analysis.data import external, processed  # deferred import (README: Architecture)

    folder = data / "external"
    gso = external.load_gso_provinces(folder / external.GSO_PROVINCE,
                                      external.load_province_codes(folder / external.CODES))
    ranks = context.rank_provinces(gso)
    return processed.ranks_text(ranks), {"rows": len(ranks),
                                         "provinces": int(ranks["province"].nunique()),
                                         "years": int(ranks["year"].nunique())}


DERIVED: tuple[Derivation, ...] = (
    Derivation(_in_data(paths.PROVINCE_SHAPES), (_in_data(paths.BOUNDARIES),),
               {"method": "shapely.coverage_simplify", "tolerance_deg": SIMPLIFY_TOLERANCE_DEG,
                "coordinate_decimals": COORDINATE_DECIMALS}, _shapes),
    Derivation(_in_data(paths.GSO_RANKS), (_in_data(paths.GSO_PROVINCES),),
               {"method": "analysis.compute.context.rank_provinces"}, _ranks),
)


def stale(data_dir: Path = paths.DATA) -> list[tuple[Derivation, str]]:
    """The derived files of `data_dir` that must be made again, each with the reason."""
    data_dir = Path(data_dir)
    out = []
    for d in DERIVED:
        why = derived.staleness(data_dir / d.output, d.parameters, list(d.inputs))
        if why is not None:
            out.append((d, why))
    return out


def refresh(data_dir: Path = paths.DATA,
            log: Callable[[str], None] | None = None) -> list[Path]:
    """Make the stale derived files of `data_dir` again (written together, atomically, each
    with its record) and return their paths; nothing stale, nothing written."""
    data_dir = Path(data_dir)
    files: dict[Path, tuple[str, dict[str, Any]]] = {}
    for d, why in stale(data_dir):
        digests = {rel: sha256_file(data_dir / rel) for rel in d.inputs}  # before reading
        text, counts = d.make(data_dir, d.parameters)
        files[data_dir / d.output] = (text, {
            "made_by": "analysis.build.derive (python -m analysis extract, or a build)",
            "parameters": dict(d.parameters), "inputs": digests, "counts": counts})
        if log is not None:
            log(f"derived data/{d.output} ({why})")
    if files:
        derived.write_derived(files)
    return list(files)
