"""Shared test set-up.

- Writable homes for matplotlib/IPython/Jupyter so kernels started by tests print no warnings,
  whoever runs pytest (make, an IDE, CI).
- A reports folder of the test session's own (`paths.REPORTS_ENV`): every notebook a test
  executes writes its figures there, never into the repository's reports/.
- The article of record, read once per session by the real reading layer. Tests must not mutate
  these objects (derive frames with .assign / .copy).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

from analysis.data import paths
from analysis.data.codebook import load_codebook
from analysis.reading.article import load_article
from analysis.reading.claims import extract_article_claims
from analysis.reading.lessons import extract_article_lessons

_home = Path(tempfile.gettempdir()) / "giamngheo-test-homes"
for var, sub in (("MPLCONFIGDIR", "matplotlib"), ("IPYTHONDIR", "ipython"),
                 ("JUPYTER_RUNTIME_DIR", "jupyter-runtime")):
    (_home / sub).mkdir(parents=True, exist_ok=True)
    os.environ.setdefault(var, str(_home / sub))
os.environ[paths.REPORTS_ENV] = tempfile.mkdtemp(prefix="giamngheo-test-reports-")


@pytest.fixture(scope="session")
def article():
    return load_article()


@pytest.fixture(scope="session")
def claims(article):
    return extract_article_claims(article)


@pytest.fixture(scope="session")
def lessons(article):
    return extract_article_lessons(article)


@pytest.fixture(scope="session")
def codebook():
    return load_codebook()


@pytest.fixture(scope="session")
def data():
    """Every data/external table, loaded and validated once."""
    from analysis.data import external

    return external.load_all()


@pytest.fixture(scope="session")
def shapes():
    """The derived province shapes (data/processed/province_shapes.geojson), loaded once."""
    from analysis.data import external

    return external.load_province_shapes()


@pytest.fixture(scope="session")
def ranks():
    """The derived GSO ranks (data/processed/gso_ranks.csv), loaded once."""
    from analysis.data.processed import load_ranks

    return load_ranks()


@pytest.fixture(scope="session")
def traj(claims):
    """The article's Phú Yên poor-household trajectory (`metrics.trajectory`)."""
    from analysis.compute import metrics

    return metrics.trajectory(claims, "Phú Yên")


# ------------------------------------------------------------------------------ the built grid

#: The reports the suite builds once and shares: every notebook at least once, every province
#: of the article, both languages, two context provinces; then the replication reports.
GRID = ["00_article_overview_vi", "00_article_overview_en",
        "01_poverty_trajectory_phu-yen_vi", "01_poverty_trajectory_phu-yen_en",
        "01_poverty_trajectory_hai-duong_vi", "01_poverty_trajectory_an-giang_en",
        "02_repoverty_phu-yen_vi", "02_repoverty_phu-yen_en", "02_repoverty_hai-duong_en",
        "02_repoverty_an-giang_vi",
        "03_lessons_phu-yen_vi", "03_lessons_phu-yen_en", "03_lessons_hai-duong_en",
        "03_lessons_an-giang_en",
        "04_claims_audit_vi", "04_claims_audit_en",
        "05_national_context_phu-yen_vi", "05_national_context_phu-yen_en",
        "05_national_context_quang-nam_en"]


@pytest.fixture(scope="session")
def grid(tmp_path_factory) -> Path:
    """A reports folder with `GRID` built by the engine (HTML with and without code, PDF) and
    the replication reports in both languages: built once per test run, shared by every test
    and every pytest-xdist worker (a lock; the engine's cache makes a second build a no-op)."""
    from filelock import FileLock

    from analysis.build import engine
    from analysis.build.replication import build_replication
    from analysis.show.annotate import main_annotate

    base = tmp_path_factory.getbasetemp()
    root = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base  # this run's own
    reports = root / "grid-reports"
    with FileLock(str(root / "grid.lock")):
        done = reports / ".grid-done"
        if not done.exists():
            layout = engine.Layout(reports=reports, work=root / "grid-work")
            main_annotate(out_dir=reports / "source")
            summary = engine.build(layout=layout, only=GRID, progress=False, log=lambda m: None)
            assert summary.exit_code == 0, engine.format_summary(summary)
            for lang in ("vi", "en"):
                build_replication(reports, lang)
            engine.refresh_index(layout)  # the landing pages link the replication reports
            done.write_text("ok\n")
    return reports


@pytest.fixture(scope="session")
def executed(grid):
    """An executed notebook of the shared grid, by report name."""
    import nbformat

    def read(name: str) -> nbformat.NotebookNode:
        return nbformat.read(grid / "executed" / f"{name}.ipynb", as_version=4)

    return read
