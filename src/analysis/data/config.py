"""The report declarations (notebooks/reports.yml) turned into a checked list of jobs.

Everything a build could trip over later is checked here, before any kernel starts: unknown
keys, missing notebooks, parameters the notebook does not declare or of the wrong type, values
outside a declared set (names from a set of places are resolved to their canonical
spelling, with the closest names suggested), unknown formats, output-name templates with unknown
fields, and two jobs that would write the same file. Every error names the file and line, the entry
and the field.

Schema (one mapping):

    defaults:                      # optional, applies to every entry
      formats: [html, html-nocode, pdf]
      timeout: 600                 # seconds per cell
    reports:
      - notebook: 02_province.ipynb          # relative to this file's folder
        name: "{stem}_{province}_{lang}"     # output-name template (default: stem + each param)
        title: "{province}"                  # optional report title (raw values)
        parameters:                          # lists expand to a grid; [[a, b]] passes one list
          province: [Phú Yên, Hải Dương]     # or every value of a named set: {set: provinces}
          lang: [vi, en]
        parameter_sets:                      # optional explicit sets, crossed with the grid
          - {year: 2016}
        allowed: {province: provinces}       # optional: a list or a named set (`VALUE_SETS`)
        formats: [html, pdf]                 # optional
        timeout: 120                         # optional

Template fields are `stem` and the entry's parameter names; each gives a safe slug
(`analysis.data.files.slugify`), so a name never escapes reports/. A notebook declares the
values its parameters accept in its metadata, `analysis: {allowed: {parameter: [...] | SET}}`;
an entry's `allowed` narrows or replaces them. `allowed` alone decides what a value may be: no
parameter is treated differently because of its name.

Loading runs in named steps: read the entries (`_read_entries`), read each entry and its
notebook (`_read_entry`), expand the grid (`_expand`), check each parameter set
(`_check_parameters`), name the job (`_name_job`).
"""

from __future__ import annotations

import ast
import difflib
import itertools
import json
import re
import string
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from analysis.data import paths
from analysis.data.files import slugify, yaml_error
from analysis.data.provinces import article_provinces, province_names, resolve_province
from analysis.errors import UserError

#: Report formats: `pdf` is the reader's PDF (no code); `pdf-code` keeps the code (off by default).
FORMATS = ("html", "html-nocode", "pdf", "pdf-code")
DEFAULT_FORMATS = ("html", "html-nocode", "pdf")
#: The languages a report can be written in (translations exist for each).
LANGS = ("vi", "en")
DEFAULT_TIMEOUT = 600.0
#: The cell tag of a notebook's parameters, and of the cell papermill injects after it.
PARAMETERS_TAG = "parameters"
INJECTED_TAG = "injected-parameters"
DEFAULT_CONFIG = paths.NOTEBOOKS / "reports.yml"
ENTRY_KEYS = ("notebook", "name", "title", "parameters", "parameter_sets", "allowed", "formats",
              "timeout")
TOP_KEYS = ("reports", "defaults")
DEFAULT_KEYS = ("formats", "timeout")
#: Named sets an `allowed:` entry may give instead of a list: name → (values, whether a value is
#: matched by its spelling as people type it, accents and case aside, like province names).
VALUE_SETS: dict[str, tuple[Callable[[], list[str]], bool]] = {
    "provinces": (province_names, True),                 # the 63 provinces
    "article_provinces": (article_provinces, True),      # the provinces the article reports on
    "langs": (lambda: list(LANGS), False),               # the report languages
}
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
             if PARAMETERS_TAG in (c.get("metadata") or {}).get("tags", [])]
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


def _allowed_values(allowed: object) -> tuple[list[Any] | None, bool]:
    """The values `allowed` admits (None: any) and whether they are matched by spelling."""
    if allowed is None:
        return None, False
    if isinstance(allowed, str):
        values, by_spelling = VALUE_SETS[allowed]
        return values(), by_spelling
    return list(allowed), False  # type: ignore[call-overload]


def _check_value(name: str, value: Any, allowed: object, where: str) -> Any:
    """`value` checked against its allowed set (a name resolved to its canonical spelling)."""
    values, by_spelling = _allowed_values(allowed)
    try:
        if by_spelling:
            return resolve_province(value, allowed=values, parameter=name)
        if values is not None and value not in values:
            close = difflib.get_close_matches(str(value), [str(a) for a in values], n=3,
                                              cutoff=0.4)
            hint = ", ".join(close or [str(a) for a in values[:6]])
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


def _value_set(y: _Yaml, value: dict, *keys: str | int, nb: str) -> list[Any]:
    """The values of a named set written as a grid axis: `province: {set: provinces}`."""
    if list(value) != ["set"] or value["set"] not in VALUE_SETS:
        raise UserError(f"a mapping here names a set of values, got {value!r}",
                        where=y.where(*keys, nb=nb),
                        fix=f"write {{set: NAME}} with NAME one of: {', '.join(VALUE_SETS)}")
    return VALUE_SETS[value["set"]][0]()


def _expand(y: _Yaml, entry: dict, i: int, nb: str) -> list[dict[str, Any]]:
    grid = entry.get("parameters") or {}
    if not isinstance(grid, dict):
        raise UserError(f"must be a mapping name: value(s), got {_type_name(grid)}",
                        where=y.where("reports", i, "parameters", nb=nb))
    names = list(grid)
    axes = []
    for k in names:
        v = grid[k]
        if isinstance(v, dict):
            v = _value_set(y, v, "reports", i, "parameters", k, nb=nb)
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


@dataclass(frozen=True)
class _Defaults:
    formats: tuple[str, ...]
    timeout: float


@dataclass(frozen=True)
class _Entry:
    """One `reports:` entry, checked, with what its notebook declares."""

    index: int
    label: str                       # the notebook as written, for messages
    notebook: Path
    declared: dict[str, Any] | None  # the parameters cell (None: no such cell)
    formats: tuple[str, ...]
    timeout: float
    allowed: dict[str, Any]
    template: str
    title: str | None
    sets: list[dict[str, Any]]
    group: str                       # "parameters" or "parameter_sets", for messages


def _read_entries(y: _Yaml) -> tuple[_Defaults, list]:
    """The top level: known keys only, the defaults, and a non-empty `reports:` list."""
    data = y.data
    if not isinstance(data, dict):
        raise UserError("the configuration must be a mapping with a 'reports:' list",
                        where=y.where(), fix="see the schema in analysis/data/config.py")
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
    d = _Defaults(
        formats=(_check_formats(y, defaults["formats"], "defaults", "formats")
                 if "formats" in defaults else DEFAULT_FORMATS),
        timeout=(_check_timeout(y, defaults["timeout"], "defaults", "timeout")
                 if "timeout" in defaults else DEFAULT_TIMEOUT))
    entries = _as_list(y, data.get("reports"), "reports") if "reports" in data else None
    if not entries:
        raise UserError("no reports declared", where=y.where("reports") if entries is not None
                        else y.where(), fix="add a 'reports:' list with at least one notebook")
    return d, entries


def _read_notebook(nb_path: Path) -> dict:
    try:
        nb = json.loads(nb_path.read_text(encoding="utf-8"))  # nbformat: slow import
        if not isinstance(nb, dict) or not isinstance(nb.get("cells"), list):
            raise ValueError("not a Jupyter notebook (no cells)")
        return nb
    except Exception as e:  # noqa: BLE001 — any unreadable notebook is a user error here
        raise UserError(f"cannot read notebook ({e.__class__.__name__}: {e})",
                        where=str(nb_path), fix="open and re-save it in Jupyter") from None


def _check_allowed(y: _Yaml, allowed: dict, i: int, nb: str) -> dict[str, Any]:
    for k, v in allowed.items():
        if not (isinstance(v, list) or (isinstance(v, str) and v in VALUE_SETS)):
            raise UserError(f"allowed values of {k!r} must be a list or one of: "
                            f"{', '.join(VALUE_SETS)}",
                            where=y.where("reports", i, "allowed", k, nb=nb))
    return allowed


def _read_entry(y: _Yaml, i: int, entry: object, base: Path, d: _Defaults) -> _Entry:
    """One entry: known keys, an existing notebook, formats, timeout, allowed values, the
    name and title templates, and its grid expanded to parameter sets."""
    if not isinstance(entry, dict) or "notebook" not in entry:
        raise UserError("each report needs at least 'notebook: NAME.ipynb'",
                        where=y.where("reports", i))
    nb_field = entry["notebook"]
    label = str(nb_field)
    for k in entry:
        if k not in ENTRY_KEYS:
            close = difflib.get_close_matches(str(k), ENTRY_KEYS, n=1)
            raise UserError(f"unknown key {k!r}", where=y.where("reports", i, k, nb=label),
                            fix=f"did you mean {close[0]!r}?" if close
                            else f"allowed: {', '.join(ENTRY_KEYS)}")
    if not isinstance(nb_field, str) or not nb_field.endswith(".ipynb"):
        raise UserError(f"notebook must be a .ipynb file name, got {nb_field!r}",
                        where=y.where("reports", i, "notebook", nb=label))
    nb_path = (base / nb_field).resolve()
    if not nb_path.is_file():
        found = sorted(p.name for p in base.glob("*.ipynb"))
        close = difflib.get_close_matches(nb_field, found, n=3)
        raise UserError(f"notebook {nb_field!r} not found in {base}",
                        where=y.where("reports", i, "notebook", nb=label),
                        fix=f"did you mean: {', '.join(close)}?" if close
                        else "check the file name (paths are relative to the YAML's folder)")
    nb = _read_notebook(nb_path)
    allowed = dict(((nb.get("metadata") or {}).get("analysis") or {}).get("allowed") or {})
    if "allowed" in entry:
        if not isinstance(entry["allowed"], dict):
            raise UserError("must be a mapping parameter: [values] or parameter: SET",
                            where=y.where("reports", i, "allowed", nb=label))
        allowed.update(entry["allowed"])
    sets = _expand(y, entry, i, label)
    pnames = list(dict.fromkeys(k for s in sets for k in s))
    template = entry.get("name", "{stem}" + "".join(f"_{{{k}}}" for k in pnames))
    _template_fields(y, template, ["stem", *pnames, *(f"{k}_slug" for k in pnames)], "name",
                     i, label)
    title = entry.get("title")
    if title is not None:
        _template_fields(y, title, ["stem", *pnames], "title", i, label)
    return _Entry(
        index=i, label=label, notebook=nb_path, declared=notebook_parameters(nb),
        formats=(_check_formats(y, entry["formats"], "reports", i, "formats", nb=label)
                 if "formats" in entry else d.formats),
        timeout=(_check_timeout(y, entry["timeout"], "reports", i, "timeout", nb=label)
                 if "timeout" in entry else d.timeout),
        allowed=_check_allowed(y, allowed, i, label), template=template, title=title,
        sets=sets,
        group="parameter_sets" if entry.get("parameter_sets") is not None else "parameters")


def _check_parameters(y: _Yaml, e: _Entry, params: dict[str, Any]) -> dict[str, Any]:
    """One parameter set: each name declared by the notebook, of its default's kind, and
    within its allowed values (resolved to the canonical value)."""
    stem = e.notebook.stem
    out = {}
    for k, v in params.items():
        where = y.where("reports", e.index, e.group, k, nb=e.label)
        if e.group == "parameter_sets":
            where = y.where("reports", e.index, e.group, nb=e.label) + f".{k}"
        if e.declared is None:
            raise UserError(f"notebook has no cell tagged 'parameters' to receive {k!r}",
                            where=where, fix="tag its first code cell 'parameters'")
        if k not in e.declared:
            close = difflib.get_close_matches(k, list(e.declared), n=1)
            raise UserError(f"notebook {stem} has no parameter {k!r}", where=where,
                            fix=f"did you mean {close[0]!r}?" if close else
                            f"its parameters are: {', '.join(e.declared) or 'none'}")
        if not _same_kind(e.declared[k], v):
            raise UserError(f"parameter {k!r} is {_type_name(v)} ({v!r}) but the "
                            f"notebook's default is {_type_name(e.declared[k])} "
                            f"({e.declared[k]!r})", where=where,
                            fix="quote text in YAML ('02139', 'no') or change the value")
        out[k] = _check_value(k, v, e.allowed.get(k), where)
    return out


def _name_job(y: _Yaml, e: _Entry, params: dict[str, Any]) -> Job:
    """The job of one checked parameter set: its safe output name and its title."""
    stem = e.notebook.stem
    slugs = {"stem": safe_name(stem) or "report"}
    for k, v in params.items():
        s = slugify(v)
        if not s:
            raise UserError(f"value {v!r} of {k!r} gives an empty file-name part",
                            where=y.where("reports", e.index, e.group, nb=e.label),
                            fix="use a value with letters or digits, or another template")
        slugs[k] = slugs[f"{k}_slug"] = s
    name = safe_name(e.template.format(**slugs))
    if not name:
        raise UserError(f"template {e.template!r} gives an empty output name",
                        where=y.where("reports", e.index, "name", nb=e.label))
    title = (e.title.format(stem=stem, **{k: str(v) for k, v in params.items()})
             if e.title is not None else None)
    lang = params.get("lang")
    return Job(name=name, notebook=e.notebook, parameters=params, formats=e.formats,
               timeout=e.timeout, entry=e.index, title=title,
               lang=lang if lang in LANGS else LANGS[0],
               where=y.where("reports", e.index, nb=e.label), defaults=e.declared or {})


def load_config(path: Path = DEFAULT_CONFIG, *, notebooks_dir: Path | None = None) -> list[Job]:
    """Every job declared in `path`, checked; notebooks are resolved against `notebooks_dir`
    (default: the configuration's folder). Raises `UserError` on the first problem."""
    path = Path(path)
    y = _read_yaml(path)
    base = Path(notebooks_dir) if notebooks_dir else path.parent
    defaults, entries = _read_entries(y)
    jobs: list[Job] = []
    names: dict[str, Job] = {}
    for i, raw in enumerate(entries):
        entry = _read_entry(y, i, raw, base, defaults)
        for params in entry.sets:
            job = _name_job(y, entry, _check_parameters(y, entry, params))
            clash = names.get(job.name.casefold())
            if clash is not None:
                raise UserError(f"output name {job.name!r} is produced twice: by {clash.where} "
                                f"{clash.parameters} and by this entry {job.parameters}",
                                where=y.where("reports", i, "name", nb=entry.label),
                                fix="put a field that differs, e.g. {lang} or {province}, "
                                    "in the name template")
            names[job.name.casefold()] = job
            jobs.append(job)
    return jobs
