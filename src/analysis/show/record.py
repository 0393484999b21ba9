"""What a notebook records of what it shows: its key computed values as plain JSON, attached to
the output of the cell tagged `key-values` (application/json for tests and the replication
report, one text line for a reader of the exports)."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping

import pandas as pd
from IPython.display import display

from analysis.show.i18n import t


def _clean(v: object) -> object:
    if isinstance(v, float) and math.isnan(v):
        return None
    if hasattr(v, "item"):
        return _clean(v.item())
    return v


def records(**frames: pd.DataFrame | Mapping | float | str) -> dict[str, object]:
    """The values a notebook computed, as plain JSON (NaN → null) for tests and readers."""
    out: dict[str, object] = {}
    for name, value in frames.items():
        if isinstance(value, pd.DataFrame):
            out[name] = [{k: _clean(v) for k, v in row.items()}
                         for row in value.to_dict(orient="records")]
        elif isinstance(value, Mapping):
            out[name] = {k: _clean(v) for k, v in value.items()}
        else:
            out[name] = _clean(value)
    return out


def show_key_values(values: dict[str, object], lang: str) -> None:
    """Record `values` in the executed notebook as JSON (application/json) for tests and the
    replication report; readers of the exports see one line naming what was recorded."""
    note = f"{t('context_values_title', lang)}: {', '.join(map(str, values))}"
    display({"application/json": json.loads(json.dumps(values)), "text/plain": note}, raw=True)
