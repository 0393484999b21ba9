"""The report declarations (notebooks/reports.yml) turned into a checked list of jobs.

Everything a build could trip over later is checked here, before any kernel starts: unknown
keys, missing notebooks, parameters the notebook does not declare or of the wrong type, values
outside a declared set (a province is resolved to its canonical name, with the closest names
suggested), unknown formats, output-name templates with unknown fields, and two jobs that would
write the same file. Every error names the file and line, the entry and the field.

Schema (one mapping):

    defaults:                      # optional, applies to every entry
      formats: [html, html-nocode, pdf]
      timeout: 600                 # seconds per cell
    reports:
      - notebook: 02_province.ipynb          # relative to this file's folder
        name: "{stem}_{province}_{lang}"     # output-name template (default: stem + each param)
        title: "{province}"                  # optional report title (raw values)
        parameters:                          # lists expand to a grid; [[a, b]] passes one list
          province: [Phú Yên, Hải Dương]
          lang: [vi, en]
        parameter_sets:                      # optional explicit sets, crossed with the grid
          - {year: 2016}
        allowed: {province: provinces}       # optional: a list, or `provinces` (the 63 names)
        formats: [html, pdf]                 # optional
        timeout: 120                         # optional

Template fields are `stem` and the entry's parameter names; each gives a safe slug
(`province` through `analysis.data.provinces.province_slug`, others ASCII-folded), so a name never
escapes reports/. A notebook may also declare allowed values in its metadata under
`analysis: {allowed: {parameter: [...] | provinces}}`.
"""

from __future__ import annotations

import ast
import difflib
import itertools
import json
import re
import string
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from analysis.data import paths
from analysis.data.files import yaml_error
from analysis.data.provinces import province_slug, resolve_province
from analysis.errors import UserError

FORMATS = ("html", "html-nocode", "pdf")
#: The languages a report can be written in (translations exist for each).
LANGS = ("vi", "en")
DEFAULT_TIMEOUT = 600.0
DEFAULT_CONFIG = paths.NOTEBOOKS / "reports.yml"
ENTRY_KEYS = ("notebook", "name", "title", "parameters", "parameter_sets", "allowed", "formats",
              "timeout")
TOP_KEYS = ("reports", "defaults")
DEFAULT_KEYS = ("formats", "timeout")
PROVINCES = "provinces"  # the `allowed` shorthand for the 63 province names
_NO_DEFAULT = object()


@dataclass(frozen=True)
class Job:
    """One notebook run with one parameter set, written under one output name."""

    name: str
    notebook: Path
    parameters: dict[str, Any]
    formats: tuple[str, ...]
    timeout: float
    entry: int  # 0-based position in `reports:`
    title: str | None = None
    lang: str = "vi"
    where: str = field(default="", compare=False)  # "reports.yml:12: reports[0]" for messages
    defaults: dict[str, Any] = field(default_factory=dict, compare=False)  # the parameters cell


@dataclass
class _Yaml:
    """The loaded data plus its node tree, so errors can give line numbers."""

    path: Path
    data: Any
    root: yaml.Node | None

    def line(self, *keys: str | int) -> int | None:
        """1-based line of `keys` in the file (or of the deepest part of it that exists)."""
        node, mark = self.root, None
        if node is None:
            return None
        mark = node.start_mark
        for k in keys:
            child = None
            if isinstance(node, yaml.MappingNode):
                pair = next(((kn, v) for kn, v in node.value if kn.value == k), None)
                if pair:
                    child, mark = pair[1], pair[0].start_mark
            elif isinstance(node, yaml.SequenceNode) and isinstance(k, int) \
                    and 0 <= k < len(node.value):
                child = node.value[k]
                mark = child.start_mark
            if child is None:
                break
            node = child
        return mark.line + 1

    def where(self, *keys: str | int, entry: int | None = None, nb: str | None = None) -> str:
        line = self.line(*keys) if keys else None
        loc = f"{self.path}:{line}" if line else str(self.path)
        dotted = ""
        for k in keys:
            dotted += f"[{k}]" if isinstance(k, int) else (f".{k}" if dotted else str(k))
        label = f" ({nb})" if nb else ""
        return f"{loc}: {dotted}{label}" if dotted else loc


def _check_duplicate_keys(node: yaml.Node | None, path: Path) -> None:
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for k, v in node.value:
            if k.value in seen:
                raise UserError(f"key {k.value!r} appears twice in one mapping",
                                where=f"{path}:{k.start_mark.line + 1}",
                                fix="keep one of them (YAML would silently use the last)")
            seen.add(k.value)
            _check_duplicate_keys(v, path)
    elif isinstance(node, yaml.SequenceNode):
        for v in node.value:
            _check_duplicate_keys(v, path)


def _read_yaml(path: Path) -> _Yaml:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UserError("report configuration not found", where=str(path),
                        fix="create it or pass --config PATH") from None
    except (OSError, UnicodeDecodeError) as e:
        raise UserError(f"cannot read report configuration ({e})", where=str(path),
                        fix="save it as UTF-8 text") from None
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as e:
        raise yaml_error(e, path) from None
    _check_duplicate_keys(root, path)
    return _Yaml(path, data, root)


def slugify(value: object) -> str:
    """ASCII file-name part of any parameter value: 'Hà Nội/../x' → 'ha-noi-x'."""
    if isinstance(value, bool) or value is None:
        value = str(value).lower()
    text = str(value).replace("Đ", "D").replace("đ", "d")
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def safe_name(name: str) -> str:
    """A single safe path component: only [A-Za-z0-9._-], no leading dot, never '..'."""
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", name)
    name = re.sub(r"\.{2,}", ".", name).strip(".-")
    return name


# ---------------------------------------------------------------- notebook parameters


def _source(cell: dict) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else str(src)


def notebook_parameters(nb: dict) -> dict[str, Any] | None:
    """Names and literal defaults of the `parameters` cell (None when there is no such cell).

    A default that is not a literal maps to `_NO_DEFAULT` (no type check for it).
    """
    cells = [c for c in nb.get("cells", [])
             if "parameters" in (c.get("metadata") or {}).get("tags", [])]
    if not cells:
        return None
    out: dict[str, Any] = {}
    tree = ast.parse(_source(cells[0]))
    for stmt in tree.body:
        targets, value = [], None
        if isinstance(stmt, ast.Assign):
            targets, value = stmt.targets, stmt.value
        elif isinstance(stmt, ast.AnnAssign):
            targets, value = [stmt.target], stmt.value
        for t in targets:
            if isinstance(t, ast.Name):
                try:
                    out[t.id] = ast.literal_eval(value) if value is not None else _NO_DEFAULT
                except (ValueError, SyntaxError, TypeError):
                    out[t.id] = _NO_DEFAULT
    return out


def _type_name(v: object) -> str:
    if isinstance(v, bool):
        return "true/false"
    if isinstance(v, int | float):
        return "a number"
    if isinstance(v, str):
        return "text"
    if isinstance(v, list | tuple):
        return "a list"
    if isinstance(v, dict):
        return "a mapping"
    return type(v).__name__


def _same_kind(default: object, value: object) -> bool:
    if default is _NO_DEFAULT or default is None:
        return True
    if isinstance(default, bool) or isinstance(value, bool):
        return isinstance(default, bool) and isinstance(value, bool)
    if isinstance(default, int):
        return isinstance(value, int)
    if isinstance(default, float):
        return isinstance(value, int | float)
    if isinstance(default, list | tuple):
        return isinstance(value, list | tuple)
    return isinstance(value, type(default))


def _check_value(name: str, value: Any, allowed: object, where: str) -> Any:
    """Value resolved against its allowed set (canonical province name), else a UserError."""
    try:
        if allowed == PROVINCES or (name == "province" and allowed is None):
            return resolve_province(value, parameter=name)
        if name == "province" and isinstance(allowed, list):
            return resolve_province(value, allowed=allowed, parameter=name)
        if name == "lang" and allowed is None:
            allowed = list(LANGS)
        if allowed is not None and value not in allowed:
            close = difflib.get_close_matches(str(value), [str(a) for a in allowed], n=3,
                                              cutoff=0.4)
            hint = ", ".join(close or [str(a) for a in allowed[:6]])
            raise UserError(f"unknown {name} {value!r}", fix=f"use one of: {hint}")
    except UserError as e:
        raise UserError(e.what, where=where, fix=e.fix) from None
    return value


# ---------------------------------------------------------------- the configuration


def _as_list(y: _Yaml, value: object, *keys: str | int, nb: str | None = None) -> list:
    if not isinstance(value, list):
        raise UserError(f"must be a list, got {_type_name(value)}", where=y.where(*keys, nb=nb),
                        fix="write it as [a, b] or one '- item' per line")
    return value


def _check_formats(y: _Yaml, value: object, *keys: str | int, nb: str | None = None
                   ) -> tuple[str, ...]:
    items = [value] if isinstance(value, str) else _as_list(y, value, *keys, nb=nb)
    for f in items:
        if f not in FORMATS:
            raise UserError(f"unknown format {f!r}", where=y.where(*keys, nb=nb),
                            fix=f"use some of: {', '.join(FORMATS)}")
    if not items:
        raise UserError("no format given", where=y.where(*keys, nb=nb),
                        fix=f"use some of: {', '.join(FORMATS)}")
    return tuple(dict.fromkeys(items))


def _check_timeout(y: _Yaml, value: object, *keys: str | int, nb: str | None = None) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        raise UserError(f"timeout must be a positive number of seconds, got {value!r}",
                        where=y.where(*keys, nb=nb), fix="e.g. timeout: 600")
    return float(value)


def _template_fields(y: _Yaml, template: object, allowed: list[str], key: str, i: int,
                     nb: str) -> str:
    if not isinstance(template, str) or not template.strip():
        raise UserError("must be a non-empty text template such as '{stem}_{lang}'",
                        where=y.where("reports", i, key, nb=nb))
    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError as e:
        raise UserError(f"malformed template {template!r} ({e})",
                        where=y.where("reports", i, key, nb=nb),
                        fix="write fields as {name}; {{ and }} for literal braces") from None
    for literal, fname, spec, conv in parsed:
        if key == "name" and re.search(r"[/\\]|\.\.", literal):
            raise UserError(f"template {template!r} contains a path separator or '..'",
                            where=y.where("reports", i, key, nb=nb),
                            fix="an output name is one file name; the folder is chosen per format")
        if fname is None:
            continue
        if fname not in allowed or spec or conv:
            raise UserError(f"unknown template field {{{fname}}}" if fname not in allowed
                            else f"template field {{{fname}}} takes no format or conversion",
                            where=y.where("reports", i, key, nb=nb),
                            fix="fields available here: " + ", ".join(f"{{{a}}}" for a in allowed))
    return template


def _expand(y: _Yaml, entry: dict, i: int, nb: str) -> list[dict[str, Any]]:
    grid = entry.get("parameters") or {}
    if not isinstance(grid, dict):
        raise UserError(f"must be a mapping name: value(s), got {_type_name(grid)}",
                        where=y.where("reports", i, "parameters", nb=nb))
    names = list(grid)
    axes = []
    for k in names:
        v = grid[k]
        if isinstance(v, list):
            if not v:
                raise UserError(f"parameter {k!r} has an empty list of values",
                                where=y.where("reports", i, "parameters", k, nb=nb),
                                fix="give at least one value")
            axes.append(v)
        else:
            axes.append([v])
    points = [dict(zip(names, combo, strict=True)) for combo in itertools.product(*axes)]
    sets = entry.get("parameter_sets")
    if sets is None:
        return points
    sets = _as_list(y, sets, "reports", i, "parameter_sets", nb=nb)
    out = []
    for j, s in enumerate(sets):
        if not isinstance(s, dict):
            raise UserError(f"each parameter set must be a mapping, got {_type_name(s)}",
                            where=y.where("reports", i, "parameter_sets", j, nb=nb))
        both = set(s) & set(names)
        if both:
            raise UserError(f"parameter {sorted(both)[0]!r} is given in both parameters and "
                            "parameter_sets",
                            where=y.where("reports", i, "parameter_sets", j, nb=nb),
                            fix="give each parameter in one place")
        out.extend({**p, **s} for p in points)
    return out


def load_config(path: Path = DEFAULT_CONFIG, *, notebooks_dir: Path | None = None) -> list[Job]:
    """Every job declared in `path`, checked; notebooks are resolved against `notebooks_dir`
    (default: the configuration's folder). Raises `UserError` on the first problem."""
    path = Path(path)
    y = _read_yaml(path)
    base = Path(notebooks_dir) if notebooks_dir else path.parent
    data = y.data
    if not isinstance(data, dict):
        raise UserError("the configuration must be a mapping with a 'reports:' list",
                        where=y.where(), fix="see the schema in analysis/config.py")
    for k in data:
        if k not in TOP_KEYS:
            raise UserError(f"unknown key {k!r}", where=y.where(k),
                            fix=f"allowed at top level: {', '.join(TOP_KEYS)}")
    defaults = data.get("defaults") or {}
    if not isinstance(defaults, dict):
        raise UserError("must be a mapping", where=y.where("defaults"))
    for k in defaults:
        if k not in DEFAULT_KEYS:
            raise UserError(f"unknown key {k!r}", where=y.where("defaults", k),
                            fix=f"allowed in defaults: {', '.join(DEFAULT_KEYS)}")
    d_formats = (_check_formats(y, defaults["formats"], "defaults", "formats")
                 if "formats" in defaults else FORMATS)
    d_timeout = (_check_timeout(y, defaults["timeout"], "defaults", "timeout")
                 if "timeout" in defaults else DEFAULT_TIMEOUT)
    entries = _as_list(y, data.get("reports"), "reports") if "reports" in data else None
    if not entries:
        raise UserError("no reports declared", where=y.where("reports") if entries is not None
                        else y.where(), fix="add a 'reports:' list with at least one notebook")

    jobs: list[Job] = []
    names: dict[str, Job] = {}
    for i, entry in enumerate(entries):
        if not isinstance(entry, dict) or "notebook" not in entry:
            raise UserError("each report needs at least 'notebook: NAME.ipynb'",
                            where=y.where("reports", i))
        nb_field = entry["notebook"]
        nb_label = str(nb_field)
        for k in entry:
            if k not in ENTRY_KEYS:
                close = difflib.get_close_matches(str(k), ENTRY_KEYS, n=1)
                raise UserError(f"unknown key {k!r}", where=y.where("reports", i, k, nb=nb_label),
                                fix=f"did you mean {close[0]!r}?" if close
                                else f"allowed: {', '.join(ENTRY_KEYS)}")
        nb_path = (base / str(nb_field)).resolve()
        if not isinstance(nb_field, str) or not nb_field.endswith(".ipynb"):
            raise UserError(f"notebook must be a .ipynb file name, got {nb_field!r}",
                            where=y.where("reports", i, "notebook", nb=nb_label))
        if not nb_path.is_file():
            found = sorted(p.name for p in base.glob("*.ipynb"))
            close = difflib.get_close_matches(nb_field, found, n=3)
            raise UserError(f"notebook {nb_field!r} not found in {base}",
                            where=y.where("reports", i, "notebook", nb=nb_label),
                            fix=f"did you mean: {', '.join(close)}?" if close
                            else "check the file name (paths are relative to the YAML's folder)")
        try:
            nb = json.loads(nb_path.read_text(encoding="utf-8"))  # nbformat: slow import
            if not isinstance(nb, dict) or not isinstance(nb.get("cells"), list):
                raise ValueError("not a Jupyter notebook (no cells)")
            declared = notebook_parameters(nb)
        except Exception as e:  # noqa: BLE001 — any unreadable notebook is a user error here
            raise UserError(f"cannot read notebook ({e.__class__.__name__}: {e})",
                            where=str(nb_path), fix="open and re-save it in Jupyter") from None
        formats = (_check_formats(y, entry["formats"], "reports", i, "formats", nb=nb_label)
                   if "formats" in entry else d_formats)
        timeout = (_check_timeout(y, entry["timeout"], "reports", i, "timeout", nb=nb_label)
                   if "timeout" in entry else d_timeout)
        allowed = dict(((nb.get("metadata") or {}).get("analysis") or {}).get("allowed") or {})
        if "allowed" in entry:
            if not isinstance(entry["allowed"], dict):
                raise UserError("must be a mapping parameter: [values] or parameter: provinces",
                                where=y.where("reports", i, "allowed", nb=nb_label))
            allowed.update(entry["allowed"])
        for k, v in allowed.items():
            if v != PROVINCES and not isinstance(v, list):
                raise UserError(f"allowed values of {k!r} must be a list or 'provinces'",
                                where=y.where("reports", i, "allowed", k, nb=nb_label))

        sets = _expand(y, entry, i, nb_label)
        pnames = list(dict.fromkeys(k for s in sets for k in s))
        stem = nb_path.stem
        template = entry.get("name", "{stem}" + "".join(f"_{{{k}}}" for k in pnames))
        fields = ["stem", *pnames, *(f"{k}_slug" for k in pnames)]
        _template_fields(y, template, fields, "name", i, nb_label)
        title_t = entry.get("title")
        if title_t is not None:
            _template_fields(y, title_t, ["stem", *pnames], "title", i, nb_label)

        for params in sets:
            group = "parameter_sets" if entry.get("parameter_sets") is not None else "parameters"
            for k, v in list(params.items()):
                where = y.where("reports", i, group, k, nb=nb_label)
                if group == "parameter_sets":
                    where = y.where("reports", i, group, nb=nb_label) + f".{k}"
                if declared is None:
                    raise UserError(f"notebook has no cell tagged 'parameters' to receive {k!r}",
                                    where=where, fix="tag its first code cell 'parameters'")
                if k not in declared:
                    close = difflib.get_close_matches(k, list(declared), n=1)
                    raise UserError(f"notebook {stem} has no parameter {k!r}", where=where,
                                    fix=f"did you mean {close[0]!r}?" if close else
                                    f"its parameters are: {', '.join(declared) or 'none'}")
                if not _same_kind(declared[k], v):
                    raise UserError(f"parameter {k!r} is {_type_name(v)} ({v!r}) but the "
                                    f"notebook's default is {_type_name(declared[k])} "
                                    f"({declared[k]!r})", where=where,
                                    fix="quote text in YAML ('02139', 'no') or change the value")
                params[k] = _check_value(k, v, allowed.get(k), where)
            slugs = {"stem": safe_name(stem) or "report"}
            for k, v in params.items():
                s = province_slug(v) if (k == "province" or allowed.get(k) == PROVINCES) \
                    else slugify(v)
                if not s:
                    raise UserError(f"value {v!r} of {k!r} gives an empty file-name part",
                                    where=y.where("reports", i, group, nb=nb_label),
                                    fix="use a value with letters or digits, or another template")
                slugs[k] = slugs[f"{k}_slug"] = s
            name = safe_name(template.format(**slugs))
            if not name:
                raise UserError(f"template {template!r} gives an empty output name",
                                where=y.where("reports", i, "name", nb=nb_label))
            title = title_t.format(stem=stem, **{k: str(v) for k, v in params.items()}) \
                if title_t is not None else None
            lang = params.get("lang", "vi")
            job = Job(name=name, notebook=nb_path, parameters=params, formats=formats,
                      timeout=timeout, entry=i, title=title,
                      lang=lang if lang in LANGS else "vi",
                      where=y.where("reports", i, nb=nb_label), defaults=declared or {})
            clash = names.get(name.casefold())
            if clash is not None:
                raise UserError(f"output name {name!r} is produced twice: by {clash.where} "
                                f"{clash.parameters} and by this entry {params}",
                                where=y.where("reports", i, "name", nb=nb_label),
                                fix="put a field that differs, e.g. {lang} or {province}, "
                                    "in the name template")
            names[name.casefold()] = job
            jobs.append(job)
    return jobs
