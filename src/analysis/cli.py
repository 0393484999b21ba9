"""`python -m analysis <command>`: one entry point for readers and CI.

A `UserError` prints one line `error: ...` on stderr and exits 2 (no traceback); Ctrl-C (or
SIGTERM) exits 130 after the current state is written safely.
"""

from __future__ import annotations

import argparse
import signal
import sys
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from analysis.build import cache
from analysis.data import paths
from analysis.errors import UserError


def _check(layout: object) -> None:
    """Every input the notebooks read (data/) validated before any kernel starts."""
    from analysis.data.inputs import check_inputs

    check_inputs(layout.data)


def _annotate(layout: object) -> None:
    """The annotated article, which reports and the index link into (reports/source/)."""
    from analysis.show.annotate import main_annotate

    main_annotate(out_dir=layout.reports / "source")


_annotate.outputs = lambda layout: [layout.reports / "source" / f"{paths.ARTICLE.stem}{suffix}.html"
                                    for suffix in ("", "_en")]


def _replication(args: argparse.Namespace) -> list:
    """The replication documents, assembled from the executed notebooks after a full build:
    cached like every step (on the notebooks and figures they read, the data, the code and
    the git commit their cover prints), so a build with nothing changed renders nothing."""
    formats = [f for f in (args.formats or ["html", "pdf"]) if f in ("html", "pdf")]

    def replication(layout: object) -> None:
        from analysis.build.replication import build_replication, declares_all

        for lang in ("vi", "en"):
            if declares_all(lang, layout.config):  # a configuration of other notebooks has none
                build_replication(layout.reports, lang, formats=formats, config=layout.config)

    replication.outputs = lambda layout: [layout.reports / f"replication_{lang}.{fmt}"
                                          for lang in ("vi", "en") for fmt in formats]
    replication.key = lambda layout: {"formats": formats,
                                      "commit": cache.git_commit(paths.PROJ_ROOT)}
    # a partial build (--only) may lack some of notebooks 01-05
    return [] if args.only or not formats else [replication]


def _cmd_build(args: argparse.Namespace) -> int:
    from analysis.build import engine

    engine.skip_slow_imports()
    layout = engine.Layout()
    if args.config:
        layout = replace(layout, config=Path(args.config).resolve())
    if args.reports_dir:
        layout = replace(layout, reports=Path(args.reports_dir).resolve())
    if args.data_dir:
        layout = replace(layout, data=Path(args.data_dir).resolve())
    if args.src_dir:
        layout = replace(layout, src=Path(args.src_dir).resolve())
    summary = engine.build(layout=layout, only=args.only, workers=args.workers, force=args.force,
                          formats=args.formats, dry_run=args.dry_run, timeout=args.timeout,
                          scheduler=args.scheduler, before=[_check, _annotate],
                          after=_replication(args), fork_kernels=not args.fresh_kernels)
    print(engine.format_summary(summary))
    if not args.dry_run:
        print(f"reports: {layout.reports}/ — open {layout.index}")
    return summary.exit_code


def _add_build(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("build", help="execute the declared notebooks and export the reports",
                       description="Build every report declared in notebooks/reports.yml that is "
                       "out of date (cache key: notebook, parameters, data/, src/analysis, "
                       "installed packages).")
    p.add_argument("--only", action="append", metavar="PATTERN",
                   help="only reports whose name or notebook matches (glob or substring); "
                   "repeatable")
    p.add_argument("--workers", type=int, metavar="N",
                   help="parallel kernels (default: number of cores)")
    p.add_argument("--force", action="store_true", help="ignore the cache, rebuild everything")
    p.add_argument("--formats", nargs="+", metavar="FMT",
                   help="restrict to these formats: html html-nocode pdf")
    p.add_argument("--dry-run", action="store_true",
                   help="show what would be built and why; run nothing, write nothing")
    p.add_argument("--timeout", type=float, metavar="S",
                   help="per-cell timeout in seconds (default: per report, else 600)")
    p.add_argument("--fresh-kernels", action="store_true",
                   help="start every kernel as a new Python process instead of forking it "
                   "from the worker's zygote, which has the notebooks' libraries imported "
                   "(slower; the reports are the same)")
    p.add_argument("--scheduler", metavar="tcp://HOST:PORT",
                   help="run the notebooks on this Dask distributed scheduler")
    p.add_argument("--config", metavar="PATH", help="report declarations "
                   "(default: notebooks/reports.yml)")
    p.add_argument("--reports-dir", metavar="DIR", help="output folder (default: reports/)")
    p.add_argument("--data-dir", metavar="DIR", help="data hashed into the cache key "
                   "(default: data/)")
    p.add_argument("--src-dir", metavar="DIR", help="helper code hashed into the cache key "
                   "(default: src/analysis)")
    p.set_defaults(func=_cmd_build)


def _cmd_extract(args: argparse.Namespace) -> int:
    from analysis.build.derive import DERIVED, refresh
    from analysis.build.extract import extract, extraction_statement

    out = Path(args.out) if args.out else paths.PROCESSED
    written = extract(Path(args.article) if args.article else paths.ARTICLE, out)
    for path in written:
        print(path)
    print(extraction_statement(written))
    if out.resolve() == paths.PROCESSED.resolve():  # the derived files live in data/processed
        for path in refresh(paths.DATA):
            print(path)
        print(f"derived files up to date: {', '.join(d.output for d in DERIVED)}")
    return 0


def _cmd_check(args: argparse.Namespace) -> int:
    from analysis.data.inputs import check_inputs

    for line in check_inputs(Path(args.data_dir) if args.data_dir else paths.DATA):
        print(f"ok  {line}")
    return 0


def _add_check(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("check", help="validate every data file (external, processed, codebook, "
                       "audit checks)", description="Validate every input the notebooks read; "
                       "the first problem is reported with its file, row and column.")
    p.add_argument("--data-dir", metavar="DIR", help="data folder (default: data/)")
    p.set_defaults(func=_cmd_check)


def _add_extract(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("extract", help="read the article into data/processed (claims, lessons, "
                       "theme coding) and bring its derived files up to date",
                       description="Extract every quantitative claim and "
                       "enumerated lesson of an article, code the lessons' themes, and write "
                       "claims.csv, lessons.csv and lesson_themes.csv (a coder's overrides in an "
                       "existing lesson_themes.csv are kept). Writing into data/processed, also "
                       "make again the derived files whose inputs in data/external changed "
                       "(province_shapes.geojson, gso_ranks.csv).")
    p.add_argument("--article", metavar="PATH",
                   help="article text file (default: the article of record in data/raw)")
    p.add_argument("--out", metavar="DIR", help="output folder (default: data/processed)")
    p.set_defaults(func=_cmd_extract)


def _cmd_annotate(args: argparse.Namespace) -> int:
    from analysis.show.annotate import main_annotate

    for path in main_annotate(Path(args.path) if args.path else None, Path(args.out),
                              args.lang):
        print(path)
    return 0


def _add_annotate(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("annotate", help="write the article as an HTML page with every claim "
                       "and lesson marked", description="Read a text file (default: the "
                       "article in data/raw), extract its claims and lessons and write "
                       "reports/source/<name>.html (and <name>_en.html).")
    p.add_argument("path", nargs="?", help="text file (default: the article of record)")
    p.add_argument("--out", default=str(paths.REPORTS / "source"), metavar="DIR",
                   help="output folder (default: reports/source/)")
    p.add_argument("--lang", choices=["vi", "en"],
                   help="only this language's page (default: both)")
    p.set_defaults(func=_cmd_annotate)


def _cmd_replicate(args: argparse.Namespace) -> int:
    from analysis.build.replication import build_replication
    from analysis.show.i18n import check_lang

    for lang in args.lang or ["vi", "en"]:
        for path in build_replication(Path(args.reports_dir), check_lang(lang, "--lang"),
                                      province=args.province, formats=args.formats):
            print(path)
    return 0


def _add_replicate(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("replicate", help="assemble the replication report (HTML and PDF, vi "
                       "and en) from the executed notebooks 01-05",
                       description="Assemble the replication report per language from the "
                       "executed notebooks 01-05 (run `make reports` first).")
    p.add_argument("--lang", action="append", metavar="LANG",
                   help="vi or en (repeatable; default both)")
    p.add_argument("--province", help="focus province (default: the article's first)")
    p.add_argument("--reports-dir", metavar="DIR", default=str(paths.REPORTS),
                   help="reports folder with executed/ (default: reports/)")
    p.add_argument("--formats", nargs="+", default=["html", "pdf"], metavar="FMT",
                   help="html and/or pdf")
    p.set_defaults(func=_cmd_replicate)


# Subcommands register here. Each adds its parser with set_defaults(func=...).
SUBCOMMANDS = [_add_build, _add_extract, _add_annotate, _add_check, _add_replicate]


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m analysis",
                                     description="Reproduce and audit the article's figures.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for add in SUBCOMMANDS:
        add(sub)
    return parser


def _sigterm(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; return the process exit code."""
    args = make_parser().parse_args(argv)
    previous = signal.signal(signal.SIGTERM, _sigterm)
    try:
        return args.func(args)
    except UserError as e:
        print(f"error: {e}", file=sys.stderr)
        return e.exit_code
    except KeyboardInterrupt:
        print("interrupted: finished reports and the cache are kept; run the build again to "
              "continue", file=sys.stderr)
        return 130
    finally:
        signal.signal(signal.SIGTERM, previous)
