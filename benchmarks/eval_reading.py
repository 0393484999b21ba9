"""Reading benchmark (`make eval`): the reading layer against the hand-labelled corpus.

For every text in data/corpus (see its README) the claims and lessons the reading layer finds
are matched to the hand labels by span overlap — one to one, greedily by largest overlap — and
scored: per text and pooled precision, recall and F1 of claims and of lessons, and the accuracy
of each field (value, unit, indicator, period, timepoint, status, place, qualifier) over the
matched claims. Every mismatch is listed with ±60 characters of context: a wrong field of a
matched claim, a labelled claim not found (missed), a found claim with no label (spurious).
The seed article is a sanity row (its processed claims and lessons, which the same layer wrote).

Speed: the corpus texts, concatenated and repeated to 0.1, 0.2, 0.4, 0.8 and 10 MB, are read
each in its own process pinned to one core with a time limit; seconds per MB show whether
reading time grows linearly. A run that does not finish is reported as "> limit", and the
larger sizes after it are not started.

    python benchmarks/eval_reading.py                 # everything; writes benchmarks/results/
    python benchmarks/eval_reading.py --no-speed      # accuracy only (results still written)
    python benchmarks/eval_reading.py --text 07_nghean_2021_2025   # one text, nothing written
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pandas as pd

from analysis.data.corpus import load_corpus
from analysis.data.processed import load_claims, load_lessons
from analysis.reading.article import load_article
from analysis.reading.claims import extract_article_claims, extract_claims
from analysis.reading.lessons import extract_article_lessons, extract_lessons

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
FIELDS = ("value", "unit", "indicator", "period", "timepoint", "status", "place", "qualifier")
SIZES_MB = (0.1, 0.2, 0.4, 0.8, 10.0)
CONTEXT = 60


# --------------------------------------------------------------------------- matching

def match_spans(gold: list[tuple[int, int]], pred: list[tuple[int, int]]
                ) -> list[tuple[int, int]]:
    """One-to-one (gold index, predicted index) pairs, greedily by largest overlap."""
    pairs = []
    for gi, (gs, ge) in enumerate(gold):
        for pi, (ps, pe) in enumerate(pred):
            overlap = min(ge, pe) - max(gs, ps)
            if overlap > 0:
                pairs.append((-overlap, gi, pi))
    used_g, used_p, out = set(), set(), []
    for _, gi, pi in sorted(pairs):
        if gi not in used_g and pi not in used_p:
            used_g.add(gi)
            used_p.add(pi)
            out.append((gi, pi))
    return sorted(out)


def prf(tp: int, n_gold: int, n_pred: int) -> dict[str, float | int]:
    p = tp / n_pred if n_pred else (1.0 if not n_gold else 0.0)
    r = tp / n_gold if n_gold else (1.0 if not n_pred else 0.0)
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    return {"gold": n_gold, "pred": n_pred, "tp": tp, "precision": p, "recall": r, "f1": f1}


def _blank(x: Any) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x)) or (isinstance(x, str)
                                                                      and not x.strip())


def _norm(x: Any) -> str:
    return "" if _blank(x) else str(x).strip()


def _num(x: Any) -> float | None:
    return None if _blank(x) else float(x)


def _same_number(a: Any, b: Any) -> bool:
    a, b = _num(a), _num(b)
    if a is None or b is None:
        return a is b
    return math.isclose(a, b, rel_tol=1e-6, abs_tol=1e-9)


def field_equal(field: str, gold: pd.Series, pred: pd.Series) -> bool:
    if field == "value":
        return (_same_number(gold["value"], pred["value"])
                and _same_number(gold["value_max"], pred["value_max"]))
    if field == "qualifier":
        return _norm(gold[field]).lower() == _norm(pred[field]).lower()
    return _norm(gold[field]) == _norm(pred[field])


def _shown(field: str, row: pd.Series) -> str:
    if field == "value":
        lo, hi = _num(row["value"]), _num(row["value_max"])
        text = "" if lo is None else f"{lo:g}"
        return text + (f"–{hi:g}" if hi is not None else "")
    return _norm(row[field]) or "∅"


def _spans(frame: pd.DataFrame) -> list[tuple[int, int]]:
    return [(int(s), int(e)) for s, e in zip(frame["start"], frame["end"], strict=True)]


def context(text: str, start: int, end: int) -> str:
    left = text[max(0, start - CONTEXT):start]
    right = text[end:end + CONTEXT]
    return (left + "⟦" + text[start:end] + "⟧" + right).replace("\n", "⏎")


# --------------------------------------------------------------------------- scoring

def score_text(text_id: str, text: str, gold: pd.DataFrame, pred: pd.DataFrame,
               gold_lessons: pd.DataFrame, pred_lessons: pd.DataFrame) -> dict[str, Any]:
    gold = gold.reset_index(drop=True)
    pred = pred.reset_index(drop=True)
    pairs = match_spans(_spans(gold), _spans(pred))
    fields = {f: [0, 0] for f in FIELDS}  # correct, matched
    mismatches = []
    for gi, pi in pairs:
        g, p = gold.loc[gi], pred.loc[pi]
        for f in FIELDS:
            fields[f][1] += 1
            if field_equal(f, g, p):
                fields[f][0] += 1
            else:
                mismatches.append({"text_id": text_id, "kind": "field", "field": f,
                                   "quote": g["quote"], "gold": _shown(f, g),
                                   "pred": _shown(f, p),
                                   "context": context(text, int(g["start"]), int(g["end"]))})
    matched_g = {gi for gi, _ in pairs}
    matched_p = {pi for _, pi in pairs}
    for gi in sorted(set(range(len(gold))) - matched_g):
        g = gold.loc[gi]
        mismatches.append({"text_id": text_id, "kind": "missed", "field": "",
                           "quote": g["quote"], "gold": f"{_shown('value', g)} {g['unit']} "
                           f"{g['indicator']}", "pred": "",
                           "context": context(text, int(g["start"]), int(g["end"]))})
    for pi in sorted(set(range(len(pred))) - matched_p):
        p = pred.loc[pi]
        mismatches.append({"text_id": text_id, "kind": "spurious", "field": "",
                           "quote": p["quote"], "gold": "",
                           "pred": f"{_shown('value', p)} {p['unit']} {p['indicator']}",
                           "context": context(text, int(p["start"]), int(p["end"]))})
    lesson_pairs = match_spans(_spans(gold_lessons), _spans(pred_lessons))
    exact = sum(1 for gi, pi in lesson_pairs
                if (gold_lessons.iloc[gi]["start"], gold_lessons.iloc[gi]["end"])
                == (pred_lessons.iloc[pi]["start"], pred_lessons.iloc[pi]["end"]))
    lessons = prf(len(lesson_pairs), len(gold_lessons), len(pred_lessons))
    lessons["exact_spans"] = exact
    return {"text_id": text_id, "claims": prf(len(pairs), len(gold), len(pred)),
            "lessons": lessons, "fields": fields, "mismatches": mismatches}


def pooled(rows: list[dict[str, Any]]) -> dict[str, Any]:
    claims = prf(sum(r["claims"]["tp"] for r in rows), sum(r["claims"]["gold"] for r in rows),
                 sum(r["claims"]["pred"] for r in rows))
    lessons = prf(sum(r["lessons"]["tp"] for r in rows), sum(r["lessons"]["gold"] for r in rows),
                  sum(r["lessons"]["pred"] for r in rows))
    lessons["exact_spans"] = sum(r["lessons"]["exact_spans"] for r in rows)
    fields = {}
    for f in FIELDS:
        correct = sum(r["fields"][f][0] for r in rows)
        matched = sum(r["fields"][f][1] for r in rows)
        fields[f] = {"correct": correct, "matched": matched,
                     "accuracy": correct / matched if matched else float("nan")}
    return {"claims": claims, "lessons": lessons, "fields": fields}


def evaluate(only: str | None = None) -> dict[str, Any]:
    corpus = load_corpus()
    rows = []
    for text_id, text in corpus.texts.items():
        if only and text_id != only:
            continue
        rows.append(score_text(
            text_id, text,
            corpus.claims[corpus.claims["text_id"] == text_id],
            extract_claims(text),
            corpus.lessons[corpus.lessons["text_id"] == text_id],
            extract_lessons(text)))
    if only and not rows:
        raise SystemExit(f"no text {only!r} in data/corpus/texts.csv")
    article = load_article()
    seed = score_text("seed (000_e03e84a75c12cd48)", article.masked_text(), load_claims(),
                      extract_article_claims(article), load_lessons(),
                      extract_article_lessons(article))
    return {"texts": rows, "pooled": pooled(rows), "seed": seed}


# --------------------------------------------------------------------------- speed

def _speed_text(corpus_texts: list[str], n_bytes: int) -> str:
    unit = "\n\n".join(corpus_texts)
    reps = n_bytes // len(unit.encode("utf-8")) + 1
    text = "\n\n".join([unit] * reps)
    encoded = text.encode("utf-8")[:n_bytes]
    return encoded.decode("utf-8", errors="ignore")


def _speed_child(path: str) -> None:
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    text = Path(path).read_text(encoding="utf-8")
    t0 = time.perf_counter()
    claims = extract_claims(text)
    t1 = time.perf_counter()
    lessons = extract_lessons(text)
    t2 = time.perf_counter()
    print(json.dumps({"claims_s": t1 - t0, "lessons_s": t2 - t1, "claims": len(claims),
                      "lessons": len(lessons)}))


def speed(limit: float) -> dict[str, Any]:
    texts = list(load_corpus().texts.values())
    runs: list[dict[str, Any]] = []
    over = False
    env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1",
           "MKL_NUM_THREADS": "1"}
    with tempfile.TemporaryDirectory() as tmp:
        for mb in SIZES_MB:
            run: dict[str, Any] = {"mb": mb}
            if over:
                run.update(status="not run", note="a smaller size already exceeded the limit")
                runs.append(run)
                continue
            path = Path(tmp) / f"{mb}.txt"
            path.write_text(_speed_text(texts, int(mb * 1_000_000)), encoding="utf-8")
            run["bytes"] = path.stat().st_size
            t0 = time.perf_counter()
            try:
                done = subprocess.run([sys.executable, __file__, "--speed-child", str(path)],
                                      capture_output=True, text=True, timeout=limit, env=env,
                                      check=True)
            except subprocess.TimeoutExpired:
                run.update(status="> limit", seconds=None, note=f"> {limit:g} s")
                over = True
            except subprocess.CalledProcessError as e:
                tail = (e.stderr or "").strip().splitlines()[-1:] or ["no message"]
                run.update(status="failed", seconds=None, note=tail[0])
                over = True
            else:
                out = json.loads(done.stdout.strip().splitlines()[-1])
                seconds = out["claims_s"] + out["lessons_s"]
                run.update(status="ok", seconds=seconds, wall_s=time.perf_counter() - t0,
                           s_per_mb=seconds / (run["bytes"] / 1e6), **out)
            runs.append(run)
    done_runs = [r for r in runs if r["status"] == "ok"]
    verdict: dict[str, Any] = {"limit_s": limit, "runs": runs}
    if len(done_runs) >= 2:
        a, b = done_runs[0], done_runs[-1]
        exponent = math.log(b["seconds"] / a["seconds"]) / math.log(b["bytes"] / a["bytes"])
        verdict["growth_exponent"] = exponent
        verdict["linear"] = exponent <= 1.2 and all(r["status"] == "ok" for r in runs)
    return verdict


# --------------------------------------------------------------------------- report

def _pct(x: float) -> str:
    return "—" if x != x else f"{x:.3f}"


def claims_table(result: dict[str, Any]) -> list[str]:
    head = ("| text | claims gold | found | matched | P | R | F1 | lessons gold | found | "
            "F1 | field errors |")
    lines = [head, "|" + "---|" * 11]
    rows = [*result["texts"], {"text_id": "**pooled**", **result["pooled"],
                               "mismatches": [m for r in result["texts"]
                                              for m in r["mismatches"]]}]
    for r in rows + [result["seed"]]:
        c, le = r["claims"], r["lessons"]
        errors = sum(1 for m in r["mismatches"] if m["kind"] == "field")
        lines.append(f"| {r['text_id']} | {c['gold']} | {c['pred']} | {c['tp']} | "
                     f"{_pct(c['precision'])} | {_pct(c['recall'])} | {_pct(c['f1'])} | "
                     f"{le['gold']} | {le['pred']} | {_pct(le['f1'])} | {errors} |")
    return lines


def fields_table(result: dict[str, Any]) -> list[str]:
    lines = ["| field | correct | matched | accuracy |", "|---|---|---|---|"]
    for f, v in result["pooled"]["fields"].items():
        lines.append(f"| {f} | {v['correct']} | {v['matched']} | {_pct(v['accuracy'])} |")
    return lines


def speed_table(sp: dict[str, Any] | None) -> list[str]:
    if sp is None:
        return ["Not run (--no-speed)."]
    lines = ["| size (MB) | bytes | status | seconds | s per MB | claims | lessons |",
             "|---|---|---|---|---|---|---|"]
    for r in sp["runs"]:
        secs = f"{r['seconds']:.2f}" if r.get("seconds") is not None else r.get("note", "")
        per = f"{r['s_per_mb']:.2f}" if r.get("s_per_mb") is not None else "—"
        lines.append(f"| {r['mb']:g} | {r.get('bytes', '—')} | {r['status']} | {secs} | {per} | "
                     f"{r.get('claims', '—')} | {r.get('lessons', '—')} |")
    if "growth_exponent" in sp:
        lines.append("")
        lines.append(f"Growth exponent (log time / log size, smallest to largest finished run): "
                     f"{sp['growth_exponent']:.2f} — linear: {'yes' if sp['linear'] else 'no'} "
                     f"(limit {sp['limit_s']:g} s per run, one core).")
    return lines


def mismatch_summary(result: dict[str, Any]) -> list[str]:
    counts = Counter((m["kind"], m["field"]) for r in result["texts"] for m in r["mismatches"])
    lines = ["| kind | field | count |", "|---|---|---|"]
    for (kind, field), n in counts.most_common():
        lines.append(f"| {kind} | {field or '—'} | {n} |")
    return lines


def mismatch_list(result: dict[str, Any]) -> list[str]:
    lines = ["| text | kind | field | quote | label | read | context |",
             "|---|---|---|---|---|---|---|"]
    for r in [*result["texts"], result["seed"]]:
        for m in r["mismatches"]:
            cells = [m["text_id"], m["kind"], m["field"], m["quote"], m["gold"], m["pred"],
                     m["context"]]
            lines.append("| " + " | ".join(str(c).replace("|", "\\|") for c in cells) + " |")
    return lines


def markdown(result: dict[str, Any], sp: dict[str, Any] | None, meta: dict[str, Any]) -> str:
    p = result["pooled"]
    out = ["# Reading benchmark", "",
           f"`make eval` on {meta['date']} (Python {meta['python']}, commit {meta['commit']}): "
           f"{len(result['texts'])} corpus texts, "
           f"{p['claims']['gold']} labelled claims, {p['lessons']['gold']} labelled lessons. "
           "Generated by `benchmarks/eval_reading.py`; do not edit.", "",
           f"Pooled claims: P {_pct(p['claims']['precision'])}, R {_pct(p['claims']['recall'])}, "
           f"F1 {_pct(p['claims']['f1'])}. Lessons: P {_pct(p['lessons']['precision'])}, "
           f"R {_pct(p['lessons']['recall'])}, F1 {_pct(p['lessons']['f1'])} "
           f"({p['lessons']['exact_spans']} of {p['lessons']['tp']} matched spans exact).", "",
           "## Claims and lessons per text", "", *claims_table(result), "",
           "## Field accuracy over matched claims (pooled)", "", *fields_table(result), "",
           "## Speed", "", *speed_table(sp), "",
           "## Mismatches by kind", "", *mismatch_summary(result), "",
           "## Every mismatch", "",
           "`label` is the hand label, `read` what the reading layer gave; the quote is marked "
           "⟦…⟧ in its context, ⏎ is a line break.", "", *mismatch_list(result), ""]
    return "\n".join(out)


def _commit() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, check=True,
                              capture_output=True, text=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--no-speed", action="store_true", help="skip the speed runs")
    ap.add_argument("--text", metavar="ID", help="evaluate one corpus text; nothing is written")
    ap.add_argument("--limit", type=float, default=120.0, help="seconds per speed run (120)")
    ap.add_argument("--speed-child", metavar="PATH", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.speed_child:
        _speed_child(args.speed_child)
        return 0
    result = evaluate(args.text)
    sp = None if (args.no_speed or args.text) else speed(args.limit)
    meta = {"date": dt.date.today().isoformat(), "python": platform.python_version(),
            "commit": _commit()}
    report = markdown(result, sp, meta)
    p = result["pooled"]
    print("\n".join(claims_table(result)))
    print()
    print("\n".join(fields_table(result)))
    print()
    print("\n".join(speed_table(sp)))
    print()
    print("\n".join(mismatch_summary(result)))
    print(f"\npooled claims F1 {_pct(p['claims']['f1'])}, lessons F1 {_pct(p['lessons']['f1'])}")
    if not args.text:
        RESULTS.mkdir(parents=True, exist_ok=True)
        (RESULTS / "eval_reading.md").write_text(report, encoding="utf-8")
        payload = {"meta": meta, **result, "speed": sp}
        (RESULTS / "eval_reading.json").write_text(
            json.dumps(payload, ensure_ascii=False, indent=1, default=str) + "\n",
            encoding="utf-8")
        print(f"written: {RESULTS / 'eval_reading.md'}, {RESULTS / 'eval_reading.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
