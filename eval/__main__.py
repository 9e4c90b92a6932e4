"""Evaluation harness: `python -m eval [--gold FILE] [--corpus DIR] [--index DIR] [--mode M] [--json OUT] [--report MD]`.

Grades every gold item by GOLD_FORMAT.md, prints a per-type table, retrieval recall/MRR, latency and
the failing items; the last stdout line is one summary line.
"""
from __future__ import annotations

import argparse
import json
import statistics
import time
from collections import defaultdict
from pathlib import Path

from assistant.chat import Assistant, Session
from assistant.config import Settings
from eval.grader import grade, load_gold, recall_at, reciprocal_rank
from eval.stats import percentiles

ROOT = Path(__file__).resolve().parent.parent


def run(assistant: Assistant, items: list[dict], mode: str) -> list[dict]:
    results = []
    by_id = {u.unit_id: u for u in assistant.index.units}
    for item in items:
        session = Session()
        started = time.perf_counter()
        for turn in item["turns"]:
            answer = assistant.ask(turn, session)
        latency = (time.perf_counter() - started) * 1000 / len(item["turns"])
        # what the answer was composed from (ranked before composition); other modes re-rank the last turn
        ranked = [by_id[i] for i in answer.retrieved if i in by_id] if mode == "fused" else \
            [h.unit for h in assistant.retriever.search(item["turns"][-1], k=10, mode=mode)]
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
            query = assistant.resolve(item["turns"][-1], Session())
            texts = [h.unit.full_text for h in assistant.retriever.search(query.text, k=10, docs=query.docs or None, mode=mode)]
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m eval")
    parser.add_argument("--gold", default=str(ROOT / "eval" / "gold.jsonl"))
    parser.add_argument("--corpus")
    parser.add_argument("--index")
    parser.add_argument("--mode", default="fused", choices=("fused", "bm25", "dense"))
    parser.add_argument("--json", help="write all results, per item, as JSON")
    parser.add_argument("--report", help="write a markdown report with a bar chart PNG")
    args = parser.parse_args(argv)
    settings = Settings()
    if args.corpus:
        settings.corpus_dir = Path(args.corpus)
    if args.index:
        settings.index_dir = Path(args.index)
    items = load_gold(Path(args.gold))
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
