"""Where things live. Every module takes its default paths from here, so notebooks,
tests and the CLI agree on one layout (cookiecutter-data-science style).

A build tells the notebooks it runs where its data and reports folders are through the
environment (`DATA_ENV`, `REPORTS_ENV`); a notebook names its data files relative to the data
folder and resolves them with `data_file`, and writes figures under `figures_dir()`, so a
notebook copied elsewhere, or a build into another reports folder, reads and writes the same
places as the build says."""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parents[1]
PROJ_ROOT = PACKAGE_DIR.parents[1]

DATA = PROJ_ROOT / "data"
RAW = DATA / "raw"
EXTERNAL = DATA / "external"
PROCESSED = DATA / "processed"
CODEBOOK = DATA / "codebook.yml"

NOTEBOOKS = PROJ_ROOT / "notebooks"
REPORTS = PROJ_ROOT / "reports"
FIGURES = REPORTS / "figures"

ARTICLE = RAW / "000_e03e84a75c12cd48.txt"
ARTICLE_META = RAW / "000_e03e84a75c12cd48.meta.yml"
PROVINCES = EXTERNAL / "vietnam_provinces_63_codes.csv"
GSO_PROVINCES = EXTERNAL / "gso_poverty_rate_by_province_2006_2016.csv"
BOUNDARIES = (EXTERNAL / "boundaries" / "geoboundaries_VNM_ADM1_build_2023-12-12"
              / "geoBoundaries-VNM-ADM1.geojson")
#: Derived from those two once per build (`analysis.build.derive`), not once per report.
PROVINCE_SHAPES = PROCESSED / "province_shapes.geojson"
GSO_RANKS = PROCESSED / "gso_ranks.csv"
#: The article's lessons: the provinces it reports on, in its order, are read from them.
LESSONS = PROCESSED / "lessons.csv"

FONTS = PACKAGE_DIR / "build" / "fonts"

#: Environment variables a build sets for the kernels it starts.
DATA_ENV = "ANALYSIS_DATA_DIR"
REPORTS_ENV = "ANALYSIS_REPORTS_DIR"


def data_dir() -> Path:
    """The data folder of the running build (its --data-dir), else the project's data/."""
    return Path(os.environ.get(DATA_ENV) or DATA)


def reports_dir() -> Path:
    """The reports folder of the running build (its --reports-dir), else the project's
    reports/."""
    return Path(os.environ.get(REPORTS_ENV) or REPORTS)


def figures_dir() -> Path:
    """Where notebooks write their figures: reports/figures of the running build."""
    return reports_dir() / "figures"


def data_file(name: str | Path) -> Path:
    """A notebook's data parameter as a path: relative names ("processed/claims.csv") are
    under the data folder of the running build; absolute paths stay as given."""
    path = Path(name)
    return path if path.is_absolute() else data_dir() / path

