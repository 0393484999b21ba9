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
