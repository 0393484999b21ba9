"""Where things live. Every module takes its default paths from here, so notebooks,
tests and the CLI agree on one layout (cookiecutter-data-science style)."""

from __future__ import annotations

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
#: The article's lessons: the provinces it reports on, in its order, are read from them.
LESSONS = PROCESSED / "lessons.csv"

FONTS = PACKAGE_DIR / "build" / "fonts"
