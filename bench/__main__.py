"""`python -m bench`: measure on this machine and write bench/report.md (+ bench/scaling.png).

Corpus figures (build, cold start, latency by intent and retriever, memory), the HTTP load test,
and the scaling points found in bench/out/scaling-N.json (`--scale 1000,10000,100000` measures them,
each in its own process; 100k takes about an hour here, mostly embedding).
"""
from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

from assistant.chat import Assistant
from assistant.config import Settings
from assistant.embedding import load_embedder
from assistant.index import build_index, load_or_build
from eval.grader import load_gold

from . import load, time_last_turn
from eval.stats import percentiles

ROOT = Path(__file__).resolve().parent.parent
OUT = Path(__file__).resolve().parent / "out"
REPORT = Path(__file__).resolve().parent / "report.md"
PLOT = Path(__file__).resolve().parent / "scaling.png"
FIRST_QUESTION = "数据知识产权试点由哪个部门牵头？"


def cold_start(runs: int = 3) -> dict:
    """Process start → first answer printed, index present: the CLI, and the web server's first API answer."""
    cli = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "assistant", "ask", FIRST_QUESTION], cwd=ROOT, check=True,
                       capture_output=True, env={"HF_HUB_OFFLINE": "1", "PATH": "/usr/bin:/bin"})
        cli.append(time.perf_counter() - started)
    web = []
    for _ in range(runs):
        port = load.free_port()
        started = time.perf_counter()
        proc = load.start_server(port)
        import httpx

        httpx.post(f"http://127.0.0.1:{port}/api/ask", json={"question": FIRST_QUESTION}, timeout=60)
        web.append(time.perf_counter() - started)
        proc.terminate()
        proc.wait(timeout=30)
    return {"cli_s": round(sorted(cli)[len(cli) // 2], 2), "web_s": round(sorted(web)[len(web) // 2], 2),
            "cli_all": [round(x, 2) for x in cli], "web_all": [round(x, 2) for x in web]}


def corpus_figures(repeats: int = 3) -> dict:
    settings = Settings()
    started = time.perf_counter()
    embedder = load_embedder(settings.model, settings.cache_dir, settings.query_prompt)
    model_load_s = time.perf_counter() - started
    with tempfile.TemporaryDirectory() as tmp:
        build_settings = Settings()
        build_settings.index_dir = Path(tmp) / "index"
        started = time.perf_counter()
        built = build_index(build_settings, embedder=embedder)
        build_s = time.perf_counter() - started
        units = len(built.units)
        del built
    index = load_or_build(settings, embedder=embedder)
    assistant = Assistant(settings, index=index)
    rss_loaded = psutil.Process().memory_info().rss

    items = load_gold(ROOT / "eval" / "gold.jsonl")
    by_intent: dict[str, list[float]] = {}
    for _ in range(repeats):
        for item in items:
            by_intent.setdefault(item["type"], []).append(time_last_turn(assistant, item["turns"]))
    everything = [x for values in by_intent.values() for x in values]
    retrieval: dict[str, list[float]] = {}
    questions = [item["turns"][-1] for item in items]
    for _ in range(repeats):
        for mode in ("bm25", "dense", "fused"):
            for q in questions:
                started = time.perf_counter()
                assistant.retriever.search(q, k=8, mode=mode)
                retrieval.setdefault(mode, []).append((time.perf_counter() - started) * 1000)
    started = time.perf_counter()
    for q in questions:
        assistant.retriever.embed(q)
    embed_ms = (time.perf_counter() - started) * 1000 / len(questions)
    return {"units": units, "model_load_s": round(model_load_s, 2), "build_s": round(build_s, 2),
            "rss_loaded_mb": round(rss_loaded / 2**20), "answer_ms": {k: percentiles(v) for k, v in sorted(by_intent.items())},
            "answer_all_ms": percentiles(everything), "retrieval_ms": {k: percentiles(v) for k, v in retrieval.items()},
            "query_embedding_ms": round(embed_ms, 2),
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}


def measure_scaling(sizes: list[int]) -> None:
    for n in sizes:
        subprocess.run([sys.executable, "-m", "bench.scaling", "--n", str(n)], cwd=ROOT, check=True,
                       env={"HF_HUB_OFFLINE": "1", "PATH": "/usr/bin:/bin"})


def scaling_points() -> list[dict]:
    return sorted((json.loads(p.read_text()) for p in OUT.glob("scaling-*.json")), key=lambda r: r["n_clauses"])


def plot(points: list[dict]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    n = [p["n_clauses"] for p in points]
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
    for key, label in (("fused", "fused retrieval p95"), ("bm25", "BM25 p95"), ("dense", "dense p95")):
        left.plot(n, [p["retrieval_ms"][key]["p95"] for p in points], marker="o", label=label)
    left.plot(n, [p["answer_ms"]["p95"] for p in points], marker="s", label="whole answer p95")
    left.set(xscale="log", xlabel="clauses (N)", ylabel="ms", title="Query latency vs corpus size")
    left.legend()
    right.plot(n, [p["peak_rss_mb"] for p in points], marker="o", label="peak RSS (build + query)")
    right.plot(n, [p["rss_loaded_mb"] for p in points], marker="s", label="RSS after load")
    right.plot(n, [p["index_mb"] for p in points], marker="^", label="index on disk")
    right.set(xscale="log", xlabel="clauses (N)", ylabel="MiB", title="Memory and disk vs corpus size")
    right.legend()
    fig.tight_layout()
    fig.savefig(PLOT, dpi=110)


def ms(p: dict) -> str:
    return f"{p['p50']:.1f} / {p['p95']:.1f} / {p['p99']:.1f}"


def report(corpus: dict | None, cold: dict | None, loaded: dict | None, points: list[dict]) -> str:
    cpu = f"{psutil.cpu_count()} cores, {round(psutil.virtual_memory().total / 2**30)} GiB"
    lines = [f"# Benchmarks\n\nMachine: {cpu}, CPU only. Reproduce: `make bench` (`python -m bench`; "
             "`--scale 1000,10000,100000` re-measures the scaling points).\n"]
    if corpus:
        lines += ["## The corpus (5 documents, %d units)\n" % corpus["units"],
                  "| measure | value |", "|---|---|",
                  f"| index build (embedding + BM25 + FAISS, model loaded) | {corpus['build_s']} s |",
                  f"| model load, first in the process (includes importing torch + sentence-transformers) | {corpus['model_load_s']} s |"]
        if cold:
            lines += [f"| cold start, CLI: process start → first answer (median of 3) | {cold['cli_s']} s |",
                      f"| cold start, web: process start → first API answer (median of 3) | {cold['web_s']} s |"]
        lines += [f"| RSS after load | {corpus['rss_loaded_mb']} MiB |", f"| peak RSS (incl. a full build) | {corpus['peak_rss_mb']} MiB |",
                  f"| query embedding | {corpus['query_embedding_ms']} ms |", "",
                  "Per-question latency, extractive path, index loaded (ms, p50 / p95 / p99, gold set × 3):\n",
                  "| intent | n | p50 / p95 / p99 |", "|---|---|---|"]
        lines += [f"| {k} | {v['n']} | {ms(v)} |" for k, v in corpus["answer_ms"].items()]
        lines += [f"| **all** | {corpus['answer_all_ms']['n']} | **{ms(corpus['answer_all_ms'])}** |", "",
                  "Retrieval only, top-8 (ms, p50 / p95 / p99):\n", "| retriever | p50 / p95 / p99 |", "|---|---|"]
        lines += [f"| {k} | {ms(v)} |" for k, v in corpus["retrieval_ms"].items()]
        lines.append("")
    if loaded:
        lines += ["## Load test (HTTP API on 127.0.0.1)\n",
                  f"{loaded['users']} concurrent users × {loaded['rounds']} multi-turn conversations each (from the "
                  f"{loaded['conversations']} multi-turn gold items); server: app.py with its default concurrency.\n",
                  "| requests | seconds | throughput | latency p50 / p95 / p99 | errors | cross-session leaks |",
                  "|---|---|---|---|---|---|",
                  f"| {loaded['requests']} | {loaded['seconds']} | {loaded['throughput_rps']} req/s | "
                  f"{ms(loaded['latency_ms'])} ms | {loaded['errors']} | {loaded['leaks']} |", ""]
    if points:
        lines += ["## Scaling (synthetic corpora in the real clause grammar)\n", "![scaling](scaling.png)\n",
                  "Each point runs in its own process (`python -m bench.scaling --n N`). Build time is almost all "
                  "embedding (about 30 clauses/s on these 2 cores); points measured while other work shared the "
                  "machine are upper bounds.\n",
                  "| N clauses | FAISS | build | index on disk | RSS loaded | peak RSS | BM25 p95 | dense p95 | fused p95 | answer p50 / p95 |",
                  "|---|---|---|---|---|---|---|---|---|---|"]
        for p in points:
            r = p["retrieval_ms"]
            lines.append(f"| {p['n_clauses']:,} | {p['faiss_index']} | {p['build_s']} s | {p['index_mb']} MiB | "
                         f"{p['rss_loaded_mb']} MiB | {p['peak_rss_mb']} MiB | {r['bm25']['p95']} ms | {r['dense']['p95']} ms | "
                         f"{r['fused']['p95']} ms | {p['answer_ms']['p50']} / {p['answer_ms']['p95']} ms |")
        lines += ["", "Exact (IndexFlatIP) vs approximate (HNSW, M=32, efSearch=128) search on the same vectors, "
                  "200 queries, vector search only:\n",
                  "| N clauses | exact p50 / p95 | HNSW p50 / p95 | HNSW recall@10 vs exact | HNSW build |", "|---|---|---|---|---|"]
        for p in points:
            s = p["search"]
            lines.append(f"| {p['n_clauses']:,} | {s['exact']['p50_ms']} / {s['exact']['p95_ms']} ms | "
                         f"{s['hnsw']['p50_ms']} / {s['hnsw']['p95_ms']} ms | {s['hnsw_recall_at_10']} | {s['hnsw_build_s']} s |")
        lines.append("")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Benchmarks: speed, memory, load and scale")
    parser.add_argument("--scale", default="", help="comma-separated N to (re)measure, e.g. 1000,10000")
    parser.add_argument("--skip", default="", help="comma-separated parts to skip: corpus,cold,load")
    parser.add_argument("--users", type=int, default=24)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    skip = set(filter(None, args.skip.split(",")))
    OUT.mkdir(exist_ok=True)
    results: dict = {}
    if "corpus" not in skip:
        results["corpus"] = corpus_figures()
        print(json.dumps(results["corpus"], ensure_ascii=False))
    if "cold" not in skip:
        results["cold"] = cold_start()
        print(json.dumps(results["cold"]))
    if "load" not in skip:
        port = load.free_port()
        proc = load.start_server(port)
        try:
            results["load"] = load.run(f"http://127.0.0.1:{port}", ROOT / "eval" / "gold.jsonl", args.users, args.rounds)
        finally:
            proc.terminate()
            proc.wait(timeout=30)
        print(json.dumps(results["load"], ensure_ascii=False))
    previous = json.loads((OUT / "results.json").read_text()) if (OUT / "results.json").exists() else {}
    results = {**previous, **results}
    (OUT / "results.json").write_text(json.dumps(results, ensure_ascii=False, indent=2))
    if args.scale:
        measure_scaling([int(n) for n in args.scale.split(",")])
    points = scaling_points()
    if points:
        plot(points)
    REPORT.write_text(report(results.get("corpus"), results.get("cold"), results.get("load"), points), encoding="utf-8")
    print(f"wrote {REPORT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
