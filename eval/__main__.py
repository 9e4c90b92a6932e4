"""Evaluation harness: `python -m eval [--gold FILE] [--corpus DIR] [--index DIR] [--mode M] [--json OUT] [--report MD]`.

Grades every gold item by GOLD_FORMAT.md, prints a per-type table, retrieval recall/MRR, latency and
the failing items; the last stdout line is one summary line.

`python -m eval --synthetic N [--seed S] [--formats txt,md,docx,pdf,html] [--with-corpus] [--report MD]`
generates N documents with known truth, fills the shared question templates from that truth, and
reports strict accuracy by type, register, notation, numbering style and format, plus a parse-accuracy
table (generator truth vs the unit parser). See eval/synthetic.py and eval/fill.py.
"""
from __future__ import annotations

import argparse
import json
import statistics
import time
from collections import defaultdict
from pathlib import Path

from assistant.chat import Assistant
from assistant.config import Settings
from assistant.goldsets import GoldSetError, converse, load_gold_any
from eval.grader import grade, recall_at, reciprocal_rank
from eval.stats import percentiles

ROOT = Path(__file__).resolve().parent.parent


def run(assistant: Assistant, items: list[dict], mode: str) -> list[dict]:
    results = []
    for item in items:
        answer, ranked, seconds = converse(assistant, item["turns"], mode)
        latency = seconds * 1000 / len(item["turns"])
        texts = [u.full_text for u in ranked]
        g = grade(item, answer.to_dict())
        results.append({
            "id": item["id"], "type": item["type"], "turns": item["turns"], "answer_ok": g.answer_ok,
            "citation_ok": g.citation_ok, "strict_ok": g.strict_ok, "problems": g.problems,
            "expected": {k: item.get(k) for k in ("answer", "any_of", "must_not", "cite")},
            "got": {"answer": answer.answer, "answered": answer.answered, "intent": answer.intent,
                    "citations": [c.unit_id for c in answer.citations]},
            "recall@1": recall_at(item, texts, 1), "recall@5": recall_at(item, texts, 5),
            "mrr": reciprocal_rank(item, texts), "latency_ms": latency,
            "retrieved": [u.unit_id for u in ranked],
        })
    return results


def mean(values) -> float:
    values = [v for v in values if v is not None]
    return sum(values) / len(values) if values else 0.0


def summarise(results: list[dict]) -> dict:
    groups = defaultdict(list)
    for r in results:
        groups[r["type"]].append(r)
    groups["all"] = results
    table = {}
    for name, rows in groups.items():
        table[name] = {
            "n": len(rows), "answer": mean(r["answer_ok"] for r in rows),
            "citation": mean(r["citation_ok"] for r in rows), "strict": mean(r["strict_ok"] for r in rows),
            "recall@1": mean(r["recall@1"] for r in rows), "recall@5": mean(r["recall@5"] for r in rows),
            "mrr": mean(r["mrr"] for r in rows),
        }
    latencies = [r["latency_ms"] for r in results]
    return {"by_type": table, "latency_ms": percentiles(latencies)}


def format_table(summary: dict) -> str:
    lines = ["| type | n | answer | citation | strict | recall@1 | recall@5 | MRR |", "|---|---|---|---|---|---|---|---|"]
    for name, row in sorted(summary["by_type"].items(), key=lambda kv: (kv[0] == "all", kv[0])):
        lines.append(f"| {name} | {row['n']} | {row['answer']:.3f} | {row['citation']:.3f} | {row['strict']:.3f} | "
                     f"{row['recall@1']:.3f} | {row['recall@5']:.3f} | {row['mrr']:.3f} |")
    return "\n".join(lines)


def retrieval_modes(assistant: Assistant, items: list[dict]) -> dict:
    """Recall@1/@5 and MRR of each retriever on the last turn of every non-refusal single-turn item."""
    out = {}
    for mode in ("bm25", "dense", "fused"):
        r1, r5, rr = [], [], []
        for item in items:
            if not item.get("cite") or len(item["turns"]) > 1:
                continue
            texts = [unit.full_text for unit in assistant.ranked(item["turns"][-1], mode=mode)]
            r1.append(recall_at(item, texts, 1))
            r5.append(recall_at(item, texts, 5))
            rr.append(reciprocal_rank(item, texts))
        out[mode] = {"recall@1": mean(r1), "recall@5": mean(r5), "mrr": mean(rr), "n": len(r1)}
    return out


def write_report(path: Path, summary: dict, modes: dict, failures: list[dict]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    types = [t for t in sorted(summary["by_type"]) if t != "all"] + ["all"]
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
    width = 0.27
    for i, metric in enumerate(("answer", "citation", "strict")):
        left.bar([x + i * width for x in range(len(types))], [summary["by_type"][t][metric] for t in types], width, label=metric)
    left.set_xticks([x + width for x in range(len(types))], types, rotation=30)
    left.set_ylim(0, 1.05)
    left.set_title("accuracy per question type")
    left.legend(loc="lower left")
    names = list(modes)
    for i, metric in enumerate(("recall@1", "recall@5", "mrr")):
        right.bar([x + i * width for x in range(len(names))], [modes[m][metric] for m in names], width, label=metric)
    right.set_xticks([x + width for x in range(len(names))], names)
    right.set_ylim(0, 1.05)
    right.set_title("retrieval per mode")
    right.legend(loc="lower left")
    fig.tight_layout()
    png = path.with_suffix(".png")
    fig.savefig(png, dpi=110)
    mode_lines = ["| mode | recall@1 | recall@5 | MRR |", "|---|---|---|---|"] + [
        f"| {m} | {v['recall@1']:.3f} | {v['recall@5']:.3f} | {v['mrr']:.3f} |" for m, v in modes.items()]
    fail_lines = [f"- `{f['id']}` {f['turns']} — {'; '.join(f['problems'])}" for f in failures] or ["- none"]
    path.write_text("\n".join([
        "# Evaluation report", "", "Reproduce: `python -m eval --report eval/report.md`", "",
        f"![accuracy]({png.name})", "", "## Answers (fused retrieval)", "", format_table(summary), "",
        f"Latency per question: p50 {summary['latency_ms']['p50']:.1f} ms, p95 {summary['latency_ms']['p95']:.1f} ms", "",
        "## Retrieval by mode", "", *mode_lines, "", "## Failing items", "", *fail_lines, ""]), encoding="utf-8")


# --------------------------------------------------------------------------- synthetic evaluation

DIMENSIONS = ("type", "register", "notation", "numbering", "format", "doc_form", "name_form", "year_form")


def run_items(assistant: Assistant, items: list[dict], progress: bool = False) -> list[dict]:
    """Ask every item in a fresh session and grade it (`converse`: the public `ask` and `ranked`)."""
    import sys

    results = []
    for number, item in enumerate(items, 1):
        if progress and number % 50 == 0:
            print(f"  {number}/{len(items)} questions", file=sys.stderr, flush=True)
        error, ranked, seconds = "", [], 0.0
        try:
            answer, ranked, seconds = converse(assistant, item["turns"])
            got = answer.to_dict()
        except Exception as exc:  # a crash is a failure of this item, not of the run
            error = f"{type(exc).__name__}: {exc}"
            got = {"answer": "", "answered": None, "citations": [], "retrieved": []}
        latency = seconds * 1000 / len(item["turns"])
        g = grade(item, got)
        retrieved = [unit.full_text for unit in ranked]
        results.append({
            **{k: item.get(k, "-") for k in DIMENSIONS}, "id": item["id"], "template": item.get("template", ""),
            "turns": item["turns"], "doc": item.get("doc", []),
            "answer_ok": g.answer_ok, "citation_ok": g.citation_ok, "strict_ok": g.strict_ok,
            "problems": g.problems + ([error] if error else []),
            "expected": {k: item.get(k) for k in ("answer", "any_of", "must_not", "cite")},
            "got": {"answer": got.get("answer", ""), "answered": got.get("answered"),
                    "citations": [c.get("unit_id", "") for c in got.get("citations", [])],
                    "cited_text": [c.get("text", "")[:160] for c in got.get("citations", [])][:3]},
            "recall@5": recall_at(item, retrieved, 5), "latency_ms": latency,
        })
    return results


def breakdown(results: list[dict], dimension: str) -> dict[str, dict]:
    groups: dict[str, list[dict]] = defaultdict(list)
    for r in results:
        groups[str(r.get(dimension, "-"))].append(r)
    return {name: {"n": len(rows), "answer": mean(r["answer_ok"] for r in rows),
                   "citation": mean(r["citation_ok"] for r in rows), "strict": mean(r["strict_ok"] for r in rows)}
            for name, rows in sorted(groups.items())}


def problem_kind(problem: str) -> str:
    """A failure's kind without its specifics: 'missing answer text', 'none of', 'expected a refusal'…"""
    return problem.split(" '")[0].split(" [")[0].split(":")[0].strip()


def group_failures(results: list[dict]) -> dict[str, list[dict]]:
    groups: dict[str, list[dict]] = defaultdict(list)
    for r in results:
        if not r["strict_ok"]:
            kind = problem_kind(r["problems"][0]) if r["problems"] else "unknown"
            groups[f"{r['type']} · {kind}"].append(r)
    return dict(sorted(groups.items(), key=lambda kv: -len(kv[1])))


def dimension_table(table: dict[str, dict], title: str) -> list[str]:
    lines = [f"| {title} | n | answer | citation | strict |", "|---|---|---|---|---|"]
    for name, row in table.items():
        lines.append(f"| {name} | {row['n']} | {row['answer']:.3f} | {row['citation']:.3f} | {row['strict']:.3f} |")
    return lines


def synthetic_text(summary: dict, failures: dict[str, list[dict]], parse_table: list[str], examples: int = 3) -> list[str]:
    out = []
    for dim in DIMENSIONS:
        out += dimension_table(summary["by"][dim], dim) + [""]
    out += ["## Failures by type and kind", ""]
    for key, rows in failures.items():
        out.append(f"### {key} ({len(rows)})")
        for r in rows[:examples]:
            out.append(f"- `{r['template']}` [{r['register']}/{r['notation']}/{r['format']}] "
                       f"{' → '.join(r['turns'])}")
            out.append(f"  - expected: {json.dumps(r['expected'], ensure_ascii=False)}")
            out.append(f"  - got: {r['got']['answer'][:200]!r} answered={r['got']['answered']} "
                       f"cites={r['got']['citations'][:3]}")
            out.append(f"  - problems: {'; '.join(r['problems'])}")
        out.append("")
    if parse_table:
        out += ["## Parse accuracy (generator truth vs build_units)", "", *parse_table, ""]
    return out


def write_synthetic_chart(path: Path, summary: dict) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    dims = ("type", "register", "format", "notation")
    fig, axes = plt.subplots(1, len(dims), figsize=(18, 4.2), sharey=True)
    for ax, dim in zip(axes, dims):
        table = summary["by"][dim]
        names = list(table)
        ax.bar(range(len(names)), [table[n]["strict"] for n in names], color="#4c72b0")
        ax.set_xticks(range(len(names)), names, rotation=45, ha="right", fontsize=8)
        ax.set_ylim(0, 1.05)
        ax.set_title(f"strict by {dim}")
    fig.tight_layout()
    png = path.with_suffix(".png")
    fig.savefig(png, dpi=100)
    plt.close(fig)
    return png


def run_synthetic(args) -> int:
    import shutil
    import tempfile

    from assistant.embedding import load_embedder
    from assistant.index import load_or_build
    from eval.fill import fill_corpus, load_templates
    from eval.synthetic import generate, write_corpus

    formats = tuple(f.strip().lstrip(".") for f in args.formats.split(",") if f.strip())
    try:
        templates = load_templates(Path(args.templates) if args.templates else None)
    except FileNotFoundError as exc:
        print(f"cannot run the synthetic evaluation: {exc}")
        return 2
    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="synthetic-eval-"))
    corpus_dir = work / "corpus"
    if corpus_dir.exists():
        shutil.rmtree(corpus_dir)
    started = time.perf_counter()
    corpus = generate(args.synthetic, seed=args.seed, formats=formats)
    truth_path = write_corpus(corpus, corpus_dir, work / "truth.json")
    if args.with_corpus:
        for path in (ROOT / "corpus").iterdir():
            shutil.copy(path, corpus_dir / path.name)
    gold, skipped = fill_corpus(corpus, templates, copies=args.copies, seed=args.seed)
    if args.limit:
        gold = gold[: args.limit]
    (work / "gold.jsonl").write_text("".join(json.dumps(g, ensure_ascii=False) + "\n" for g in gold), encoding="utf-8")
    print(f"generated {len(corpus.docs)} documents ({', '.join(formats)}) in {corpus_dir}; truth {truth_path}; "
          f"{len(gold)} gold items from {len(templates)} templates, {sum(v for k, v in skipped.items() if not k.startswith('reason'))} "
          f"fills skipped", flush=True)

    parse_lines: list[str] = []
    if not args.no_parse:
        from eval.parse_accuracy import measure, parse_table_lines

        parse_lines = parse_table_lines(measure(corpus, corpus_dir))
        print("\n".join(parse_lines), flush=True)

    settings = Settings()
    settings.corpus_dir = corpus_dir
    settings.index_dir = work / "index"
    embedder = load_embedder(settings.model, settings.cache_dir)
    assistant = Assistant(settings, index=load_or_build(settings, embedder=embedder))
    results = run_items(assistant, gold, progress=True)
    summary = {"by": {dim: breakdown(results, dim) for dim in DIMENSIONS},
               "overall": breakdown(results, "_all")["-"] if results else {},
               "latency_ms": percentiles([r["latency_ms"] for r in results]),
               "skipped": dict(skipped), "seconds": round(time.perf_counter() - started, 1)}
    failures = group_failures(results)
    text = synthetic_text(summary, failures, [])
    print("\n".join(text[: text.index("## Failures by type and kind")]))
    for key, rows in failures.items():
        print(f"FAIL {key}: {len(rows)}  e.g. {rows[0]['template']} {' → '.join(rows[0]['turns'])[:80]}")
    if args.json:
        Path(args.json).write_text(json.dumps({"summary": summary, "results": results}, ensure_ascii=False, indent=1),
                                   encoding="utf-8")
    if args.report:
        report = Path(args.report)
        png = write_synthetic_chart(report, summary)
        command = f"python -m eval --synthetic {args.synthetic} --seed {args.seed} --formats {','.join(formats)}" + \
            (" --with-corpus" if args.with_corpus else "")
        overall = summary["overall"]
        head = ["# Synthetic evaluation report", "", f"Reproduce: `{command} --report {report}`", "",
                f"{len(corpus.docs)} generated documents, {overall.get('n', 0)} questions from "
                f"{len(templates)} templates; skipped fills: {sum(v for k, v in skipped.items() if not k.startswith('reason'))}. "
                f"Overall strict {overall.get('strict', 0):.3f} (answer {overall.get('answer', 0):.3f}, "
                f"citation {overall.get('citation', 0):.3f}); latency p50 {summary['latency_ms']['p50']:.0f} ms.", "",
                f"![strict]({png.name})", ""]
        report.write_text("\n".join(head + synthetic_text(summary, failures, parse_lines)), encoding="utf-8")
        print(f"report written to {report}")
    overall = summary["overall"]
    print(f"synthetic strict={overall.get('strict', 0):.3f} answer={overall.get('answer', 0):.3f} "
          f"citation={overall.get('citation', 0):.3f} n={overall.get('n', 0)} docs={len(corpus.docs)} seed={args.seed}")
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m eval")
    parser.add_argument("--gold", default=str(ROOT / "eval" / "gold.jsonl"))
    parser.add_argument("--corpus")
    parser.add_argument("--index")
    parser.add_argument("--mode", default="fused", choices=("fused", "bm25", "dense"))
    parser.add_argument("--json", help="write all results, per item, as JSON")
    parser.add_argument("--report", help="write a markdown report with a bar chart PNG")
    parser.add_argument("--synthetic", type=int, metavar="N", help="evaluate on N generated documents with known truth")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--formats", default="txt,md,docx,pdf,html", help="formats of the generated documents")
    parser.add_argument("--with-corpus", action="store_true", help="add the real corpus/ so that names collide")
    parser.add_argument("--copies", type=int, default=2, help="fills per template")
    parser.add_argument("--templates", help="question templates (default ../shared/question-bank/templates.jsonl)")
    parser.add_argument("--keep", metavar="DIR", help="keep the generated corpus, truth, gold and index in DIR")
    parser.add_argument("--limit", type=int, help="grade only the first N filled items")
    parser.add_argument("--no-parse", action="store_true", help="skip the parse-accuracy table")
    args = parser.parse_args(argv)
    if args.synthetic:
        return run_synthetic(args)
    settings = Settings()
    if args.corpus:
        settings.corpus_dir = Path(args.corpus)
    if args.index:
        settings.index_dir = Path(args.index)
    try:
        items = load_gold_any(args.gold)  # .jsonl, or a spreadsheet with Chinese columns (.xlsx/.csv)
    except GoldSetError as exc:
        print(str(exc))
        return 2
    assistant = Assistant(settings)
    results = run(assistant, items, args.mode)
    summary = summarise(results)
    modes = retrieval_modes(assistant, items)
    failures = [r for r in results if not r["strict_ok"]]
    print(format_table(summary))
    print()
    for mode, row in modes.items():
        print(f"retrieval {mode:5}: recall@1={row['recall@1']:.3f} recall@5={row['recall@5']:.3f} mrr={row['mrr']:.3f}")
    print(f"latency p50={summary['latency_ms']['p50']:.1f}ms p95={summary['latency_ms']['p95']:.1f}ms")
    for f in failures:
        print(f"FAIL {f['id']} {f['turns']}\n  expected: {f['expected']}\n  got: {f['got']['answer'][:300]!r} "
              f"cites={f['got']['citations']}\n  problems: {f['problems']}")
    if args.json:
        Path(args.json).write_text(json.dumps({"summary": summary, "modes": modes, "results": results},
                                              ensure_ascii=False, indent=1), encoding="utf-8")
    if args.report:
        write_report(Path(args.report), summary, modes, failures)
    overall = summary["by_type"]["all"]
    print(f"answer={overall['answer']:.2f} citation={overall['citation']:.2f} strict={overall['strict']:.2f} "
          f"recall@5={overall['recall@5']:.2f} n={overall['n']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
