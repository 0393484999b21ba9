"""The declared checks of the claims audit (data/audit_checks.yml), validated on load.

Each check has an id, a kind and the fields its kind needs (`FIELDS`); errors name the file,
the entry (index and id) and the field. The checks are run by `analysis.compute.audit`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from analysis.data import paths
from analysis.data.files import load_yaml
from analysis.errors import UserError

CHECKS = paths.DATA / "audit_checks.yml"
_ID = re.compile(r"^[a-z][a-z0-9_]*$")
_SELECTOR_KEYS = ("claim_id", "indicator", "unit", "period", "timepoint", "status", "place",
                  "qualifier")


@dataclass(frozen=True)
class Check:
    """One declared check: its id, kind, parameters (validated) and a free note."""

    id: str
    kind: str
    params: dict = field(default_factory=dict)
    note: str = ""


def _selector(value: object, where: str, name: str) -> dict:
    if not isinstance(value, dict) or not value:
        raise UserError(f"field {name!r} must be a claim selector such as "
                        "{indicator: poor_household_rate}", where=where,
                        fix=f"selector keys: {', '.join(_SELECTOR_KEYS)}")
    for key, v in value.items():
        if key not in _SELECTOR_KEYS:
            raise UserError(f"field {name!r} selects by unknown column {key!r}", where=where,
                            fix=f"selector keys: {', '.join(_SELECTOR_KEYS)}")
        items = v if isinstance(v, list) else [v]
        if not items or not all(isinstance(i, str | int | float) for i in items):
            raise UserError(f"field {name!r}: {key} must be a value or a list of values",
                            where=where, fix="write e.g. period: \"2011-2015\"")
    return {k: ([str(i) for i in v] if isinstance(v, list) else str(v))
            for k, v in value.items()}


def _number(value: object, where: str, name: str, low: float = 0.0,
            high: float = math.inf) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or \
            not low <= value <= high:
        raise UserError(f"field {name!r} must be a number between {low} and {high}, got "
                        f"{value!r}", where=where, fix="write a number")
    return float(value)


def _pair(value: object, where: str, name: str) -> tuple[float, float]:
    if not isinstance(value, list) or len(value) != 2:
        raise UserError(f"field {name!r} must be a [low, high] pair, got {value!r}",
                        where=where, fix="write e.g. [0.0, 3.0]")
    low = _number(value[0], where, name, -math.inf)
    high = _number(value[1], where, name, -math.inf)
    if low > high:
        raise UserError(f"field {name!r}: low {low} is above high {high}", where=where,
                        fix="write [low, high]")
    return low, high


def _text(value: object, where: str, name: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise UserError(f"field {name!r} must be a non-empty text, got {value!r}", where=where,
                        fix="quote the text")
    return value


def _texts(value: object, where: str, name: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise UserError(f"field {name!r} must be a list of texts, got {value!r}", where=where,
                        fix="write e.g. [national]")
    return list(value)


def _measure(value: object, where: str, name: str) -> str:
    if value not in ("similarity", "containment"):
        raise UserError(f"field {name!r} must be similarity or containment, got {value!r}",
                        where=where, fix="write measure: containment")
    return str(value)


def _flag(value: object, where: str, name: str) -> bool:
    if not isinstance(value, bool):
        raise UserError(f"field {name!r} must be true or false, got {value!r}", where=where,
                        fix="write true or false")
    return value


Validator = Callable[[object, str, str], object]
# kind → {field: (validator, required, default)}
FIELDS: dict[str, dict[str, tuple[Validator, bool, object]]] = {
    "restatement": {"tolerance": (_number, False, 0.0)},
    "difference": {"a": (_selector, True, None), "b": (_selector, True, None),
                   "stated": (_selector, True, None), "tolerance": (_number, False, 0.005)},
    "implied_total": {"count": (_selector, True, None), "rate": (_selector, True, None),
                      "growth_per_year": (_pair, True, None)},
    "unit": {"unit": (_text, True, None), "written": (_text, True, None),
             "accepted": (_texts, False, [])},
    "target": {"scopes": (_texts, False, ["national"]), "places": (_texts, False, None)},
    "foreign_place": {"ignore": (_texts, False, [])},
    "typo": {"pattern": (_text, True, None), "correction": (_text, True, None),
             "regex": (_flag, False, False)},
    "verbatim_reuse": {"threshold": (lambda v, w, n: _number(v, w, n, 0.0, 1.0), True, None),
                       "measure": (_measure, False, "containment")},
}


def parse_checks(entries: object, source: str = "checks") -> list[Check]:
    """Validated checks from the YAML structure `{checks: [...]}` (or the list itself).

    Errors name the file, the entry (index and id) and the field.
    """
    if isinstance(entries, dict):
        if "checks" not in entries:
            raise UserError("no 'checks' list", where=source,
                            fix="write checks: followed by a list of entries")
        entries = entries["checks"]
    if not isinstance(entries, list) or not entries:
        raise UserError("'checks' must be a non-empty list", where=source,
                        fix="declare at least one check")
    out: list[Check] = []
    seen: set[str] = set()
    for i, entry in enumerate(entries):
        where = f"{source}: checks[{i}]"
        if not isinstance(entry, dict):
            raise UserError(f"entry is {type(entry).__name__}, not a mapping", where=where,
                            fix="write id:, kind: and the kind's fields")
        cid = entry.get("id")
        if not isinstance(cid, str) or not _ID.match(cid):
            raise UserError(f"field 'id' must be snake_case text, got {cid!r}",
                            where=f"{where}, field id", fix="write e.g. id: typo_so_so")
        where = f"{source}: checks[{i}] ({cid})"
        if cid in seen:
            raise UserError(f"id {cid!r} is used twice", where=f"{where}, field id",
                            fix="give every check its own id")
        seen.add(cid)
        kind = entry.get("kind")
        if kind not in FIELDS:
            raise UserError(f"unknown kind {kind!r}", where=f"{where}, field kind",
                            fix=f"use one of: {', '.join(FIELDS)}")
        spec = FIELDS[kind]
        unknown = [k for k in entry if k not in ("id", "kind", "note", *spec)]
        if unknown:
            raise UserError(f"field {unknown[0]!r} does not belong to a {kind} check",
                            where=f"{where}, field {unknown[0]}",
                            fix=f"a {kind} check takes: {', '.join(spec) or 'no fields'}")
        params: dict[str, object] = {}
        for name, (validate, required, default) in spec.items():
            if name not in entry:
                if required:
                    raise UserError(f"a {kind} check needs field {name!r}",
                                    where=f"{where}, field {name}", fix=f"add {name}:")
                params[name] = default
            else:
                params[name] = validate(entry[name], f"{where}, field {name}", name)
        note = entry.get("note", "")
        out.append(Check(id=cid, kind=kind, params=params, note=str(note or "")))
    return out


def load_checks(path: Path | str = CHECKS) -> list[Check]:
    """The declared checks in `path` (default data/audit_checks.yml), validated."""
    path = Path(path)
    data = load_yaml(path, what="checks file",
                     missing_fix="pass the path of a YAML file with a 'checks' list")
    return parse_checks(data, str(path))
