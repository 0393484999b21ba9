"""Loaders for the official data in data/external, each checked against a pandera schema.

Every file is read as text first and then typed by its schema, so a bad cell is reported as
"file:line (row N), column 'c': what is wrong" instead of a pandas traceback. The checks are the
ones the analysis relies on: the columns exist, numbers are numbers, each key appears once,
percentages lie in 0–100, counts are not negative, provinces are among the 63, and the boundary
file holds one or more polygons for every province's ISO 3166-2 code.

The three poverty measures in these files (GSO's survey poverty rate, MOLISA/DOLISA's
poor-household list rate, the GSO/UNDP VHLSS multidimensional rate) are kept in their own
columns (`measure_type`, `standard`) and never merged here: see data/external/SOURCES.md.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pandera.pandas as pa
import shapely
from shapely.geometry import mapping

from analysis.data import derived, paths
from analysis.errors import UserError

GSO_PROVINCE = paths.GSO_PROVINCES.name
GSO_REGION = "gso_general_poverty_rate_by_region_residence_1998_2016.csv"
NATIONAL = "national_poverty_statistics.csv"
TARGETS = "poverty_reduction_targets.csv"
STANDARDS = "poverty_standards.csv"
PROVINCIAL = "provincial_poverty_other_sources.csv"
CODES = "vietnam_provinces_63_codes.csv"
BOUNDARIES = paths.BOUNDARIES.relative_to(paths.EXTERNAL).as_posix()

#: Units whose values are percentages (must lie in 0–100) and counts (must be >= 0).
RATE_UNITS = ("percent", "percent_per_year")
COUNT_UNITS = ("households", "persons")

N_PROVINCES = 63


# --------------------------------------------------------------------------- checks

def _rate_in_range(df: pd.DataFrame) -> pd.Series:
    """True where the row is not a percentage or its value lies in 0–100."""
    return ~df["unit"].isin(RATE_UNITS) | df["value"].between(0, 100)


def _count_not_negative(df: pd.DataFrame) -> pd.Series:
    return ~df["unit"].isin(COUNT_UNITS) | (df["value"] >= 0)


# Dataframe-wide checks, by name: (column they judge, what a failure means, how to fix it).
_WIDE = {
    "rate_0_100": ("value", "rate outside 0–100", "percentages must lie between 0 and 100"),
    "count_not_negative": ("value", "negative count", "counts cannot be negative"),
}
_VALUE_CHECKS = [
    pa.Check(_rate_in_range, name="rate_0_100"),
    pa.Check(_count_not_negative, name="count_not_negative"),
]


def _text(nullable: bool = False, **kw: object) -> pa.Column:
    return pa.Column(str, nullable=nullable, **kw)


def _isin(values: list[str] | tuple[str, ...], nullable: bool = False) -> pa.Column:
    return pa.Column(str, pa.Check.isin(list(values)), nullable=nullable)


_SOURCE = pa.Column(str, pa.Check.str_matches(r"^[a-z0-9_]+(;[a-z0-9_]+)*$"))
_VALUE = pa.Column(float, coerce=True)
_YEAR = pa.Column(int, pa.Check.in_range(1990, 2030), coerce=True)
_PERIOD = pa.Column(str, pa.Check.str_matches(r"^\d{4}(-\d{4})?$"))

SCHEMAS: dict[str, pa.DataFrameSchema] = {
    GSO_PROVINCE: pa.DataFrameSchema(
        {
            "geo_level": _isin(("country", "region", "province", "former_province")),
            "province": _text(nullable=True),
            "province_name_in_source": _text(),
            "province_code": _text(nullable=True),
            "region": _text(nullable=True),
            "year": _YEAR,
            "indicator": _isin(("poverty_rate",)),
            "value": _VALUE,
            "unit": _isin(RATE_UNITS),
            "status": _isin(("final", "preliminary")),
            "standard": _text(),
            "source_id": _SOURCE,
        },
        checks=_VALUE_CHECKS, unique=["province_name_in_source", "year"],
        name=GSO_PROVINCE),
    GSO_REGION: pa.DataFrameSchema(
        {
            "geo": _text(), "year": _YEAR, "indicator": _text(), "value": _VALUE,
            "unit": _isin(RATE_UNITS), "status": _isin(("final", "preliminary")),
            "standard": _text(), "source_id": _SOURCE,
        },
        checks=_VALUE_CHECKS, unique=["geo", "year", "indicator"], name=GSO_REGION),
    NATIONAL: pa.DataFrameSchema(
        {
            "geo": _text(), "year": _PERIOD,
            "timepoint": _isin(("year", "end_of_year", "start_of_year", "period_average")),
            "indicator": _text(), "value": _VALUE, "qualifier": _text(), "unit": _text(),
            "standard": _text(), "measure_type": _text(), "source_id": _SOURCE,
            "note": _text(nullable=True),
        },
        checks=_VALUE_CHECKS,
        unique=["geo", "year", "timepoint", "indicator", "qualifier", "measure_type"],
        name=NATIONAL),
    TARGETS: pa.DataFrameSchema(
        {
            "instrument": _text(), "instrument_date": _text(nullable=True), "issuer": _text(),
            "target_period": _text(), "scope": _text(), "indicator": _text(),
            "value_low": pa.Column(float, pa.Check.ge(0), coerce=True, nullable=True),
            "value_high": pa.Column(float, pa.Check.ge(0), coerce=True, nullable=True),
            "unit": _text(), "comparator": _text(), "standard": _text(nullable=True),
            "source_id": _SOURCE, "note": _text(nullable=True),
        },
        checks=[pa.Check(lambda d: ~d["unit"].isin(RATE_UNITS)
                         | (d["value_high"].fillna(0) <= 100), name="target_rate_0_100")],
        unique=["instrument", "target_period", "scope", "indicator"], name=TARGETS),
    STANDARDS: pa.DataFrameSchema(
        {
            "standard": _text(), "period": _text(), "area": _text(), "threshold": _text(),
            "value": pa.Column(float, pa.Check.ge(0), coerce=True), "unit": _text(),
            "source_id": _SOURCE, "note": _text(nullable=True),
        },
        unique=["standard", "area", "threshold"], name=STANDARDS),
    PROVINCIAL: pa.DataFrameSchema(
        {
            "province": _text(), "province_code": pa.Column(str, pa.Check.str_matches(r"^\d{2}$")),
            "year": _PERIOD, "timepoint": _text(), "indicator": _text(), "value": _VALUE,
            "qualifier": _text(), "unit": _text(), "standard": _text(),
            "measure_type": _text(), "source_id": _SOURCE, "note": _text(nullable=True),
        },
        checks=_VALUE_CHECKS,
        unique=["province", "year", "timepoint", "indicator", "measure_type"], name=PROVINCIAL),
    CODES: pa.DataFrameSchema(
        {
            "gso_code": pa.Column(str, pa.Check.str_matches(r"^\d{2}$"), unique=True),
            "name_vi": pa.Column(str, unique=True),
            "name_ascii": pa.Column(str, unique=True),
            "name_in_gso_poverty_table": pa.Column(str, unique=True),
            "region_gso": _text(),
            "iso_3166_2": pa.Column(str, pa.Check.str_matches(r"^VN-[0-9A-Z]{2}$"), unique=True),
            "geoboundaries_shapeName": _text(),
            "geoboundaries_shapeID": pa.Column(str, unique=True),
            "source_id": _SOURCE,
        },
        name=CODES),
}

_BOUNDARY_SCHEMA = pa.DataFrameSchema(
    {
        "shapeName": _text(),
        "shapeISO": pa.Column(str, pa.Check.str_matches(r"^VN-[0-9A-Z]{2}$")),
        "shapeID": pa.Column(str, unique=True),
    },
    name="boundaries")

_SHAPES_SCHEMA = pa.DataFrameSchema(
    {"iso_3166_2": pa.Column(str, pa.Check.str_matches(r"^VN-[0-9A-Z]{2}$"), unique=True)},
    strict=True, name="province shapes")


# --------------------------------------------------------------------------- errors

# Order in which failures are reported: structural problems first, values last.
_PRIORITY = ["column_in_dataframe", "coerce_dtype", "dtype", "not_nullable"]


def _first_failure(cases: pd.DataFrame) -> pd.Series:
    def rank(check: str) -> int:
        for i, prefix in enumerate(_PRIORITY):
            if str(check).startswith(prefix):
                return i
        return len(_PRIORITY) + ("uniqueness" not in str(check))  # then duplicates, then values
    cases = cases.assign(_rank=cases["check"].map(rank),
                         _row=pd.to_numeric(cases["index"], errors="coerce"))
    # a wide check that crashed on an untyped column reports an exception, not a row: skip it
    real = cases[~cases["failure_case"].map(lambda v: isinstance(v, str) and "Error(" in v)]
    cases = real if len(real) else cases
    return cases.sort_values(["_rank", "_row"], na_position="first").iloc[0]


def _describe(check: str, value: object) -> tuple[str, str]:
    """(what, fix) for a pandera check name and the offending value."""
    if check.startswith("coerce_dtype") or check.startswith("dtype"):
        kind = check.split("'")[1] if "'" in check else check
        return (f"wrong type: {value!r} is not {kind.replace('64', '')}",
                "write a plain number (dot as decimal separator) or leave the cell empty")
    if check == "not_nullable":
        return "missing value", "fill the cell"
    if check.startswith("isin"):
        return f"unexpected value {value!r}", f"use one of {check[len('isin('):-1]}"
    if check.startswith("str_matches"):
        return f"malformed value {value!r}", f"must match {check[len('str_matches('):-1]}"
    if check.startswith(("in_range", "greater_than")):
        return f"value {value!r} out of range", f"must satisfy {check}"
    return f"failed check {check} with {value!r}", "see data/external/SOURCES.md"


def _where(path: Path, row: float, column: str, row_label: str) -> str:
    if pd.isna(row):
        return f"{path}, column {column!r}"
    r = int(row)
    if row_label == "row":  # data row r+1 is line r+2 of the file (line 1 is the header)
        return f"{path}:{r + 2} (row {r + 1}), column {column!r}"
    return f"{path}, {row_label} {r + 1}, column {column!r}"


def _raise(cases: pd.DataFrame, df: pd.DataFrame, schema: pa.DataFrameSchema, path: Path,
           row_label: str = "row") -> None:
    case = _first_failure(cases)
    check, value, column = str(case["check"]), case["failure_case"], case["column"]
    if check == "column_in_dataframe":
        raise UserError(f"missing column {value!r}", where=f"{path}, column {value!r}",
                        fix="restore the column (compare with git)")
    if check in ("multiple_fields_uniqueness", "field_uniqueness"):
        keys = list(schema.unique or []) if check == "multiple_fields_uniqueness" else [column]
        dup = df.duplicated(keys, keep="first")
        later = int(dup[dup].index[0])
        same = df[keys].eq(df.loc[later, keys]).all(axis=1)
        first = int(same[same].index[0])
        key = ", ".join(f"{k}={df.at[later, k]!r}" for k in keys)
        raise UserError(f"duplicated key ({key}), already in {row_label} {first + 1}",
                        where=_where(path, later, "+".join(keys), row_label),
                        fix="each key must appear once; delete or fix the copy")
    if check in _WIDE:  # a rule across columns (unit decides the range): name the value cell
        column, what, fix = _WIDE[check]
        what = f"{what} (got {df.at[int(case['_row']), column]!r})"
    else:
        what, fix = _describe(check, value)
    raise UserError(what, where=_where(path, case["_row"], column, row_label), fix=fix)


def validate(df: pd.DataFrame, schema: pa.DataFrameSchema, path: Path,
             row_label: str = "row") -> pd.DataFrame:
    """`schema.validate(df)`, turning the first failure into a UserError naming `path`, the
    column and the row (the file line for CSVs, or "`row_label` N")."""
    try:
        return schema.validate(df, lazy=True)
    except pa.errors.SchemaErrors as e:
        _raise(e.failure_cases, df, schema, path, row_label)
    raise AssertionError("unreachable")  # pragma: no cover


def read_csv(path: Path) -> pd.DataFrame:
    """A CSV as text columns (empty cells → NaN), or a UserError if missing or unreadable."""
    path = Path(path)
    if not path.is_file():
        raise UserError("file not found", where=str(path),
                        fix="restore it from git (data/external is committed; see SOURCES.md)")
    try:
        return pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""],
                           encoding="utf-8")
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as e:
        raise UserError(f"not a readable UTF-8 CSV ({e.__class__.__name__}: "
                        f"{str(e).splitlines()[0] if str(e) else ''})", where=str(path),
                        fix="restore the file from git") from e


# analysis.data.processed imported these under their former private names
_read_csv, _validate = read_csv, validate


def load_csv(name: str, path: Path | None = None) -> pd.DataFrame:
    """One data/external CSV (by its file name in `SCHEMAS`), typed and validated."""
    path = Path(path) if path is not None else paths.EXTERNAL / name
    return validate(read_csv(path), SCHEMAS[name], path)


# --------------------------------------------------------------------------- loaders

def load_province_codes(path: Path = paths.PROVINCES) -> pd.DataFrame:
    """The 63-province table: GSO code, names, GSO region, ISO 3166-2, geoBoundaries ids."""
    df = load_csv(CODES, path)
    if len(df) != N_PROVINCES:
        raise UserError(f"{len(df)} provinces instead of {N_PROVINCES}", where=str(path),
                        fix="the table lists the 63 provinces before the 2025 reform")
    return df


def _check_provinces(df: pd.DataFrame, mask: pd.Series, column: str, path: Path,
                     codes: pd.DataFrame) -> None:
    unknown = mask & ~df[column].isin(set(codes["name_vi"]))
    if unknown.any():
        i = int(unknown.idxmax())
        raise UserError(f"unknown province {df.at[i, column]!r}",
                        where=f"{path}:{i + 2} (row {i + 1}), column {column!r}",
                        fix=f"use the name_vi spelling of {CODES}")


def load_gso_provinces(path: Path | None = None,
                       codes: pd.DataFrame | None = None) -> pd.DataFrame:
    """GSO "poverty rate by province" 2006–2016: country, 6 regions, 63 provinces (+ Hà Tây).

    Measure: GSO survey poverty rate; poverty line not stated in the source file; 2016 is
    preliminary. Province rows carry the `name_vi` spelling and GSO code of the province table.
    """
    path = Path(path) if path is not None else paths.EXTERNAL / GSO_PROVINCE
    df = load_csv(GSO_PROVINCE, path)
    codes = load_province_codes() if codes is None else codes
    is_prov = df["geo_level"].eq("province")
    _check_provinces(df, is_prov, "province", path, codes)
    expected = df.loc[is_prov, "province"].map(codes.set_index("name_vi")["gso_code"])
    wrong = expected.ne(df.loc[is_prov, "province_code"])
    if wrong.any():
        i = int(wrong[wrong].index[0])
        raise UserError(f"code {df.at[i, 'province_code']!r} does not match "
                        f"{df.at[i, 'province']!r} ({expected[i]})",
                        where=f"{path}:{i + 2} (row {i + 1}), column 'province_code'",
                        fix=f"use the gso_code of {CODES}")
    return df


def load_gso_regions(path: Path | None = None) -> pd.DataFrame:
    """GSO "general poverty rate" by region and urban/rural, 1998–2016."""
    path = Path(path) if path is not None else paths.EXTERNAL / GSO_REGION
    return load_csv(GSO_REGION, path)


def load_national(path: Path | None = None) -> pd.DataFrame:
    """National figures: MOLISA list rates, GSO/UNDP VHLSS multidimensional rates, re-poverty."""
    path = Path(path) if path is not None else paths.EXTERNAL / NATIONAL
    return load_csv(NATIONAL, path)


def load_targets(path: Path | None = None) -> pd.DataFrame:
    """Poverty-reduction targets (Res. 80/NQ-CP, QĐ 1722/QĐ-TTg, ...)."""
    path = Path(path) if path is not None else paths.EXTERNAL / TARGETS
    return load_csv(TARGETS, path)


def load_standards(path: Path | None = None) -> pd.DataFrame:
    """Poverty standards: income lines for 2016–2020 and 2022–2025, deprivation dimensions."""
    path = Path(path) if path is not None else paths.EXTERNAL / STANDARDS
    return load_csv(STANDARDS, path)


def load_provincial(path: Path | None = None,
                    codes: pd.DataFrame | None = None) -> pd.DataFrame:
    """Province figures from provincial governments and news (DOLISA lists, GSO 2018 MPI)."""
    path = Path(path) if path is not None else paths.EXTERNAL / PROVINCIAL
    df = load_csv(PROVINCIAL, path)
    codes = load_province_codes() if codes is None else codes
    _check_provinces(df, pd.Series(True, index=df.index), "province", path, codes)
    return df


def read_features(path: Path, *, what: str, fix: str, name_key: str) -> gpd.GeoDataFrame:
    """A GeoJSON FeatureCollection of polygons as a GeoDataFrame (EPSG:4326, text properties
    as str). A missing file, bad JSON, another GeoJSON type, a feature without a polygon (named
    by its `name_key` property) or unreadable coordinates is a UserError naming `path`; `fix`
    says how to repair it."""
    if not path.is_file():
        raise UserError(f"{what} not found", where=str(path), fix=fix)
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as e:
        raise UserError(f"malformed GeoJSON: {e.msg} at line {e.lineno} column {e.colno}"
                        " (truncated or edited file?)", where=str(path), fix=fix) from e
    except UnicodeDecodeError as e:
        raise UserError("not UTF-8 text", where=str(path), fix=fix) from e
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection" \
            or not isinstance(doc.get("features"), list):
        raise UserError("not a GeoJSON FeatureCollection", where=str(path), fix=fix)
    for i, feat in enumerate(doc["features"]):
        geom = feat.get("geometry") if isinstance(feat, dict) else None
        if not geom or geom.get("type") not in ("Polygon", "MultiPolygon") \
                or not geom.get("coordinates"):
            name = (feat.get("properties") or {}).get(name_key) \
                if isinstance(feat, dict) else None
            raise UserError(f"feature without a polygon geometry ({name!r})",
                            where=f"{path}, feature {i + 1}, column 'geometry'", fix=fix)
    try:
        gdf = gpd.GeoDataFrame.from_features(doc["features"], crs="EPSG:4326")
    except Exception as e:  # shapely/geopandas raise several types for bad coordinates
        raise UserError(f"unreadable geometry ({e.__class__.__name__}: {e})", where=str(path),
                        fix=fix) from e
    for col in gdf.columns.drop("geometry"):
        if gdf[col].dtype == object:
            gdf[col] = gdf[col].astype("str").where(gdf[col].notna())
    return gdf


def load_boundaries(path: Path | None = None,
                    codes: pd.DataFrame | None = None) -> gpd.GeoDataFrame:
    """geoBoundaries VNM ADM1 as published (64 features: Côn Đảo is separate, also VN-43).

    Checks that the file is a complete GeoJSON FeatureCollection whose features all have a
    polygon geometry and an ISO code, and that every one of the 63 provinces is present.
    """
    path = Path(path) if path is not None else paths.EXTERNAL / BOUNDARIES
    gdf = read_features(path, what="boundary file", name_key="shapeName",
                        fix="restore data/external/boundaries from git (SHA-256 in SOURCES.md)")
    validate(pd.DataFrame(gdf.drop(columns="geometry")), _BOUNDARY_SCHEMA, path,
             row_label="feature")
    codes = load_province_codes() if codes is None else codes
    missing = sorted(set(codes["iso_3166_2"]) - set(gdf["shapeISO"]))
    if missing:
        names = codes.set_index("iso_3166_2").loc[missing, "name_vi"].tolist()
        raise UserError(f"partial boundary file: no feature for {len(missing)} province(s): "
                        f"{', '.join(f'{n} ({c})' for n, c in zip(names, missing, strict=True))}",
                        where=f"{path}, column 'shapeISO'", fix="restore the file from git")
    extra = sorted(set(gdf["shapeISO"]) - set(codes["iso_3166_2"]))
    if extra:
        i = int(gdf.index[gdf["shapeISO"] == extra[0]][0])
        raise UserError(f"ISO code {extra[0]!r} is not one of the 63 provinces",
                        where=f"{path}, feature {i + 1}, column 'shapeISO'",
                        fix=f"check {CODES}")
    return gdf


def shapes_text(shapes: gpd.GeoDataFrame) -> str:
    """`shapes` (`iso_3166_2`, geometry) as a GeoJSON FeatureCollection, one feature per line so
    a diff shows which province changed; coordinates as given (already rounded)."""
    features = [json.dumps({"type": "Feature", "properties": {"iso_3166_2": iso},
                            "geometry": mapping(geom)}, separators=(",", ":"))
                for iso, geom in zip(shapes["iso_3166_2"], shapes.geometry, strict=True)]
    return '{"type":"FeatureCollection","features":[\n' + ",\n".join(features) + "\n]}\n"


def load_province_shapes(path: Path = paths.PROVINCE_SHAPES) -> gpd.GeoDataFrame:
    """The province shapes the map draws (`iso_3166_2`, geometry; EPSG:4326): the derived file
    data/processed/province_shapes.geojson, checked against the boundary file it was made
    from (`derived.check_fresh`); every shape a valid, non-empty polygon, each code once."""
    path = Path(path)
    derived.check_fresh(path)
    gdf = read_features(path, what="derived file", fix=derived.FIX, name_key="iso_3166_2")
    validate(pd.DataFrame(gdf.drop(columns="geometry")), _SHAPES_SCHEMA, path,
             row_label="feature")
    bad = ~shapely.is_valid(gdf.geometry.to_numpy()) | gdf.geometry.is_empty.to_numpy()
    if bad.any():
        i = int(bad.argmax())
        raise UserError(f"invalid or empty shape for {gdf['iso_3166_2'].iloc[i]!r}",
                        where=f"{path}, feature {i + 1}, column 'geometry'", fix=derived.FIX)
    return gdf[["iso_3166_2", "geometry"]]


@dataclass(frozen=True)
class External:
    """Every data/external table, loaded and validated once."""

    codes: pd.DataFrame
    gso: pd.DataFrame
    gso_regions: pd.DataFrame
    national: pd.DataFrame
    targets: pd.DataFrame
    standards: pd.DataFrame
    provincial: pd.DataFrame
    boundaries: gpd.GeoDataFrame


def load_all(folder: Path | str = paths.EXTERNAL) -> External:
    """Load and validate every file of `folder` (default data/external)."""
    folder = Path(folder)
    codes = load_province_codes(folder / CODES)
    return External(
        codes=codes,
        gso=load_gso_provinces(folder / GSO_PROVINCE, codes),
        gso_regions=load_gso_regions(folder / GSO_REGION),
        national=load_national(folder / NATIONAL),
        targets=load_targets(folder / TARGETS),
        standards=load_standards(folder / STANDARDS),
        provincial=load_provincial(folder / PROVINCIAL, codes),
        boundaries=load_boundaries(folder / BOUNDARIES, codes),
    )
