"""Shared test set-up: writable homes for matplotlib/IPython/Jupyter so kernels started by tests
print no warnings, whoever runs pytest (make, an IDE, CI)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

_home = Path(tempfile.gettempdir()) / "giamngheo-test-homes"
for var, sub in (("MPLCONFIGDIR", "matplotlib"), ("IPYTHONDIR", "ipython"),
                 ("JUPYTER_RUNTIME_DIR", "jupyter-runtime")):
    (_home / sub).mkdir(parents=True, exist_ok=True)
    os.environ.setdefault(var, str(_home / sub))
