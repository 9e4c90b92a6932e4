"""One scaling point: a synthetic corpus of N clauses through the real pipeline, measured.

Run as its own process (`python -m bench.scaling --n 10000`) so that peak memory is this size's alone.
Writes bench/out/scaling-N.json: build time, index size on disk, memory, query latency (retrieval
per mode and whole answers), and exact (IndexFlatIP) vs approximate (HNSW) search: latency and
recall@10 of HNSW against exact, on the same vectors.
"""
from __future__ import annotations

import argparse
import json
import random
import resource
import shutil
import time
from pathlib import Path

import numpy as np
import psutil

from assistant.chat import Assistant, Session
from assistant.config import Settings
from assistant.index import APPROXIMATE_ABOVE, build_index, load_index
from assistant.retrieval import Retriever

from eval.stats import percentiles
from .synthetic import write_corpus

OUT = Path(__file__).resolve().parent / "out"
ROOT = Path(__file__).resolve().parent.parent


def folder_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def exact_vs_hnsw(vectors: np.ndarray, queries: np.ndarray, k: int = 10) -> dict:
    import faiss

    flat = faiss.IndexFlatIP(vectors.shape[1])
    flat.add(vectors)
    started = time.perf_counter()
    hnsw = faiss.IndexHNSWFlat(vectors.shape[1], 32, faiss.METRIC_INNER_PRODUCT)
    hnsw.hnsw.efConstruction = 80
    hnsw.add(vectors)
    hnsw_build = time.perf_counter() - started
    hnsw.hnsw.efSearch = 128
    result = {"hnsw_build_s": round(hnsw_build, 2)}
    for name, index in (("exact", flat), ("hnsw", hnsw)):
        times = []
        rows = []
        for q in queries:
            t = time.perf_counter()
            _, found = index.search(q.reshape(1, -1), k)
            times.append((time.perf_counter() - t) * 1000)
            rows.append(found[0])
        result[name] = {"p50_ms": percentiles(times)["p50"], "p95_ms": percentiles(times)["p95"]}
        result[f"{name}_rows"] = rows
    recall = np.mean([len(set(a) & set(b)) / k for a, b in zip(result.pop("exact_rows"), result.pop("hnsw_rows"))])
    result["hnsw_recall_at_10"] = round(float(recall), 4)
    return result


def run(n: int, seed: int = 7, queries: int = 200) -> dict:
    work = OUT / f"scale-{n}"
    shutil.rmtree(work, ignore_errors=True)
    settings = Settings()
    settings.corpus_dir, settings.index_dir = work / "corpus", work / "index"
    started = time.perf_counter()
    write_corpus(settings.corpus_dir, n, ROOT / "corpus", seed=seed)
    generate_s = time.perf_counter() - started

    started = time.perf_counter()
    index = build_index(settings)
    build_s = time.perf_counter() - started
    disk = folder_bytes(settings.index_dir)
    del index
    started = time.perf_counter()
    index = load_index(settings)
    load_s = time.perf_counter() - started
    rss_loaded = psutil.Process().memory_info().rss

    rng = random.Random(seed)
    clauses = [u for u in index.units if u.kind == "clause"]
    sample = rng.sample(clauses, min(queries, len(clauses)))
    questions = [f"{u.title}由哪个部门牵头？" if i % 2 == 0 else f"{u.title}有哪些安排？" for i, u in enumerate(sample)]
    retriever = Retriever(index)
    retrieval = {}
    for mode in ("bm25", "dense", "fused"):
        times = []
        for q in questions:
            t = time.perf_counter()
            retriever.search(q, k=8, mode=mode)
            times.append((time.perf_counter() - t) * 1000)
        retrieval[mode] = percentiles(times)
    assistant = Assistant(settings, index=index)
    titled: dict[str, set[str]] = {}
    for u in clauses:  # synthetic titles repeat: any clause with the asked title is a right source
        titled.setdefault(u.title, set()).add(u.unit_id)
    times, hit = [], 0
    for q, unit in zip(questions, sample):
        t = time.perf_counter()
        answer = assistant.ask(q, Session())
        times.append((time.perf_counter() - t) * 1000)
        hit += any(c.unit_id in by_title for c in answer.citations) if (by_title := titled[unit.title]) else 0
    vectors = index.faiss.reconstruct_n(0, index.faiss.ntotal)
    query_vectors = np.stack([retriever.embed(q) for q in questions])
    return {
        "n_clauses": n, "units": len(index.units), "faiss_index": type(index.faiss).__name__,
        "approximate_above": APPROXIMATE_ABOVE, "generate_s": round(generate_s, 2), "build_s": round(build_s, 1),
        "load_s": round(load_s, 2), "index_mb": round(disk / 2**20, 1), "rss_loaded_mb": round(rss_loaded / 2**20),
        "retrieval_ms": retrieval, "answer_ms": percentiles(times), "answer_cites_titled_clause": round(hit / len(sample), 3),
        "search": exact_vs_hnsw(vectors, query_vectors),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, required=True)
    parser.add_argument("--keep", action="store_true", help="keep the synthetic corpus and index under bench/out")
    args = parser.parse_args()
    result = run(args.n)
    OUT.mkdir(exist_ok=True)
    (OUT / f"scaling-{args.n}.json").write_text(json.dumps(result, ensure_ascii=False, indent=2))
    if not args.keep:
        shutil.rmtree(OUT / f"scale-{args.n}", ignore_errors=True)
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
