"""Parse accuracy: generator truth vs what `load_document` + `build_units` read from the written file.

Checked per document (and grouped by format and by responsibility notation): every task found as a
clause unit with its number, its lead / cooperating / national units, its deadline, every indicator
target (indicator, year, value), and the header facts. The generator never consults the parser, so
a mismatch here is a parser (or reader) miss on a layout real documents use.
"""
from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from pathlib import Path

from eval.synthetic import Corpus, SynthDoc

HEADER_FACTS = ("title", "doc_number", "issuer", "issue_date", "addressees", "cc", "print_date", "copies")


def _norm(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(text or "")))


def _deadline_core(text: str) -> str:
    return _norm(text).removesuffix("前")


def check_document(doc: SynthDoc, path: Path) -> list[dict]:
    """One record per checked fact: {format, notation, metric, ok, detail}."""
    from assistant.documents import DocumentError, load_document
    from assistant.units import build_units

    records: list[dict] = []

    def record(metric: str, ok: bool, notation: str = "-", detail: str = "") -> None:
        records.append({"doc": doc.doc_id, "format": doc.format, "numbering": doc.numbering if doc.layout == "inline"
                        else "task-table", "notation": notation, "metric": metric, "ok": bool(ok), "detail": detail})

    try:
        units = build_units(load_document(path))
    except DocumentError as exc:
        units = []
        record("document", False, detail=exc.reason)
    except Exception as exc:  # the parser is being rewritten: a crash is a parse failure, reported
        units = []
        record("document", False, detail=f"{type(exc).__name__}: {exc}")
    clauses = [u for u in units if u.kind == "clause"]
    for task in doc.tasks:
        key = _norm(task.keyword)
        found = [u for u in clauses if key in _norm(u.text)]
        unit = found[0] if found else None
        n = task.notation
        record("clause found", unit is not None, n, task.keyword)
        if unit is not None:
            others = [t.keyword for t in doc.tasks if t is not task and _norm(t.keyword) in _norm(unit.text)]
            record("clause alone", not others, n, f"{task.keyword} shares a unit with {others[:2]}")
        if unit is None:
            for metric in ("clause number", "lead", "deadline") + (("cooperating",) if task.cooperating else ()):
                record(metric, False, n, "clause not found")
            if task.national:
                record("national", False, n, "clause not found")
            continue
        record("clause number", unit.number == task.number, n, f"{unit.number} vs {task.number}")
        record("lead", set(unit.lead_units) == set(task.leads), n, f"{unit.lead_units} vs {task.leads}")
        got_coop = set(getattr(unit, "cooperating_units", []) or [])
        if task.cooperating or got_coop:
            record("cooperating", got_coop == set(task.cooperating), n, f"{sorted(got_coop)} vs {task.cooperating}")
        got_guiding = set(getattr(unit, "guiding_units", []) or [])
        if task.guiding or got_guiding:
            record("guiding", got_guiding == set(task.guiding), n, f"{sorted(got_guiding)} vs {task.guiding}")
        if task.national or unit.national_units:
            record("national", set(unit.national_units) == set(task.national), n,
                   f"{unit.national_units} vs {task.national}")
        record("deadline", _deadline_core(unit.deadline) == _deadline_core(task.deadline), n,
               f"{unit.deadline!r} vs {task.deadline!r}")
    targets = [t for u in units for t in u.targets]
    for ind in doc.indicators:
        for year, value in ind.values.items():
            ok = any(t.year == year and abs(t.value - value) < 1e-6 and
                     (_norm(ind.name) in _norm(t.indicator) or _norm(t.indicator) in _norm(ind.name) and t.indicator)
                     for t in targets)
            record("target", ok, f"indicator-{ind.style}", f"{ind.name} {year} {value:g}")
            if ok:
                unit_ok = any(t.year == year and abs(t.value - value) < 1e-6 and t.unit == ind.unit for t in targets)
                record("target unit", unit_ok, f"indicator-{ind.style}", f"{ind.name} {ind.unit}")
    header = next((u for u in units if u.kind == "header"), None)
    facts = header.facts if header else {}
    for key in HEADER_FACTS:
        truth = doc.issuer if key == "issuer" else doc.header.get(key, "")
        if not truth:
            continue
        got = facts.get(key) or (facts.get("issuers") or [""])[0] if key == "issuer" else facts.get(key, "")
        if isinstance(got, list):
            got = "，".join(got)
        ok = _norm(got).rstrip("。") == _norm(truth) if key not in ("addressees", "cc") else \
            all(_norm(p) in _norm(got) for p in re.split(r"[，、]", truth))
        record(f"header:{key}", ok, "header", f"{got!r} vs {truth!r}")
    return records


def measure(corpus: Corpus, folder: Path) -> list[dict]:
    records = []
    for doc in corpus.docs:
        records += check_document(doc, Path(folder) / doc.filename)
    return records


def _table(records: list[dict], row_key: str, metrics: list[str]) -> list[str]:
    cells: dict[str, dict[str, list[bool]]] = defaultdict(lambda: defaultdict(list))
    for r in records:
        cells[r[row_key]][r["metric"]].append(r["ok"])
    lines = [f"| {row_key} | " + " | ".join(metrics) + " |", "|---|" + "---|" * len(metrics)]
    for name in sorted(cells):
        row = []
        for m in metrics:
            values = cells[name].get(m, [])
            row.append(f"{sum(values) / len(values):.2f} ({len(values)})" if values else "–")
        lines.append(f"| {name} | " + " | ".join(row) + " |")
    return lines


def parse_table_lines(records: list[dict], examples: int = 2) -> list[str]:
    """Markdown: share correct (count) by format, by notation, header facts by format, and sample misses."""
    task_metrics = ["clause found", "clause alone", "clause number", "lead", "cooperating", "guiding", "national", "deadline",
                    "target", "target unit"]
    header_metrics = [f"header:{k}" for k in HEADER_FACTS]
    out = ["Share of facts the parser reads as the generator wrote them (count checked).", "",
           "By format:", "", *_table(records, "format", task_metrics), "",
           "By notation (responsibility notation of the clause; indicator style for targets):", "",
           *_table([r for r in records if r["notation"] not in ("-", "header")], "notation", task_metrics), "",
           "By numbering style:", "", *_table(records, "numbering", ["clause found", "clause alone", "clause number", "lead", "deadline"]), "",
           "Header facts by format:", "", *_table(records, "format", header_metrics), ""]
    misses: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for r in records:
        if not r["ok"]:
            misses[(r["metric"], r["notation"])].append(r)
    if misses:
        out += ["Sample misses (got vs truth):", ""]
        for (metric, notation), rows in sorted(misses.items(), key=lambda kv: -len(kv[1])):
            for r in rows[:examples]:
                out.append(f"- {metric} [{notation}, {r['format']}, doc {r['doc']}]: {r['detail'][:160]}")
    return out
