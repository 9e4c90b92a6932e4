"""Search-only scaling to a million clauses: synthetic normalised vectors and synthetic token lists, the
real retrieval code (BM25 + dense + relative-score fusion) on top, approximate indexes chosen by
recall@10 against exact search.

    python -m bench.search_scale [--n 1000000] [--queries 200] [--skip hnsw,exact] [--json OUT] [--cache DIR]

The synthetic vectors, the exact top-10, the IVF index and the BM25 index are kept in
DIR/pa-search-scale-N-Q-SEED (DIR: the temp folder) and reused by later runs.

Embedding a million clauses is not repeated here: its cost is extrapolated from the measured batch
throughput (bench.throughput). Vectors are drawn around the real corpus' vectors (its mean direction
plus clustered noise, then normalised) so that neighbours are as close as real ones; queries are drawn
the same way and are not in the base set. Token lists follow the real corpus' token frequencies.
"""
from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from collections import Counter
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent


def _rss_mib() -> float:
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS"):
            return int(line.split()[1]) / 1024
    return 0.0


def _pct(values: list[float]) -> dict:
    from eval.stats import percentiles

    return percentiles(values)


def synthetic_vectors(real: np.ndarray, n: int, clusters: int, rng: np.random.Generator) -> np.ndarray:
    """n unit vectors in `clusters` small clusters (about ten clauses each, so that they never line up with
    the IVF lists) whose centres scatter around the real vectors."""
    dim = real.shape[1]
    spread = real.std(axis=0).mean()
    centres = real[rng.integers(0, len(real), clusters)] + rng.normal(0, spread, (clusters, dim)).astype(np.float32)
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    out = np.empty((n, dim), dtype=np.float32)
    step = 100_000
    for start in range(0, n, step):
        rows = min(step, n - start)
        block = centres[rng.integers(0, clusters, rows)] + rng.normal(0, spread, (rows, dim)).astype(np.float32)
        out[start: start + rows] = block / np.linalg.norm(block, axis=1, keepdims=True)
    return out


def synthetic_tokens(real_tokens: list[list[str]], n: int, rng: np.random.Generator) -> list[list[str]]:
    counts = Counter(t for doc in real_tokens for t in doc)
    vocabulary = np.array(list(counts))
    p = np.array([counts[t] for t in vocabulary], dtype=np.float64)
    p /= p.sum()
    lengths = rng.choice([len(d) for d in real_tokens], n)
    flat = rng.choice(len(vocabulary), int(lengths.sum()), p=p)
    out, at = [], 0
    for length in lengths:
        out.append(vocabulary[flat[at: at + length]].tolist())
        at += length
    return out


def search_times(index, queries: np.ndarray, k: int = 10) -> tuple[list[float], np.ndarray]:
    times, rows = [], []
    for q in queries:
        started = time.perf_counter()
        _, found = index.search(q.reshape(1, -1), k)
        times.append((time.perf_counter() - started) * 1000)
        rows.append(found[0])
    return times, np.array(rows)


def recall(found: np.ndarray, truth: np.ndarray) -> float:
    return round(float(np.mean([len(set(a) & set(b)) / len(b) for a, b in zip(found, truth)])), 4)


def saved(index, folder: Path, name: str) -> dict:
    """Bytes on disk, seconds to read back, and the resident memory the read adds."""
    import faiss

    path = folder / name
    faiss.write_index(index, str(path))
    before = _rss_mib()
    started = time.perf_counter()
    loaded = faiss.read_index(str(path))
    load_s = time.perf_counter() - started
    grown = _rss_mib() - before
    del loaded
    out = {"disk_mib": round(path.stat().st_size / 2**20), "load_s": round(load_s, 2), "rss_mib": round(grown)}
    try:  # inverted lists can stay on disk, paged in as searched
        before = _rss_mib()
        started = time.perf_counter()
        mapped = faiss.read_index(str(path), faiss.IO_FLAG_MMAP)
        out["mmap_load_s"] = round(time.perf_counter() - started, 3)
        out["mmap_rss_mib"] = round(_rss_mib() - before)
        del mapped
    except RuntimeError:
        pass
    path.unlink()
    return out


class _Rows:
    """Stands in for the unit list: retrieval only needs len() and an item per row."""

    def __init__(self, n: int):
        self.n = n

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, row: int) -> int:
        return row


def _cached_array(path: Path, make) -> np.ndarray:
    if path.exists():
        return np.load(path)
    value = make()
    np.save(path, value)
    return value


def vector_side(n: int, queries: int, skip: set[str], cache: Path, rng: np.random.Generator, real_vectors: np.ndarray,
                result: dict):
    """Exact and IVF (and HNSW unless skipped) over n synthetic vectors; returns (query vectors, approximate
    indexes by name). The vectors, the exact top-10 and the IVF index are kept in `cache` between runs."""
    import faiss

    started = time.perf_counter()
    base = _cached_array(cache / "vectors.npy",
                         lambda: synthetic_vectors(real_vectors, n + queries, clusters=max(64, n // 10), rng=rng))
    base, query_vectors = base[:n], base[n:]
    result["generate_vectors_s"] = round(time.perf_counter() - started, 1)
    threads = os.cpu_count() or 1
    faiss.omp_set_num_threads(threads)

    with tempfile.TemporaryDirectory() as tmp:
        truth_path = cache / "truth.npy"
        if "exact" not in skip or not truth_path.exists():
            flat = faiss.IndexFlatIP(base.shape[1])
            flat.add(base)
            faiss.omp_set_num_threads(1)  # queries: one thread, as when answering
            exact_ms, truth = search_times(flat, query_vectors)
            np.save(truth_path, truth)
            top1 = float(np.mean([base[row[0]] @ q for row, q in zip(truth, query_vectors)]))
            result["exact"] = {"search_ms": _pct(exact_ms), "mean_top1_cosine": round(top1, 3)}
            result["exact"].update(saved(flat, Path(tmp), "flat.faiss"))
            del flat
        truth = np.load(truth_path)

        ivf_path = cache / "ivf.faiss"
        lists = int(4 * np.sqrt(n))
        result["ivf"] = {"lists": lists, "by_nprobe": {}}
        if ivf_path.exists():
            started = time.perf_counter()
            ivf = faiss.read_index(str(ivf_path))
            result["ivf"]["load_s"] = round(time.perf_counter() - started, 2)
        else:
            faiss.omp_set_num_threads(threads)
            started = time.perf_counter()
            quantizer = faiss.IndexFlatIP(base.shape[1])
            ivf = faiss.IndexIVFFlat(quantizer, base.shape[1], lists, faiss.METRIC_INNER_PRODUCT)
            ivf.train(base[rng.choice(n, min(n, 64 * lists), replace=False)])
            ivf.add(base)
            result["ivf"]["build_s"] = round(time.perf_counter() - started, 1)
            result["ivf"].update(saved(ivf, Path(tmp), "ivf.faiss"))
            faiss.write_index(ivf, str(ivf_path))
        faiss.omp_set_num_threads(1)
        for nprobe in (8, 16, 32, 64, 128):
            ivf.nprobe = nprobe
            times, found = search_times(ivf, query_vectors)
            result["ivf"]["by_nprobe"][nprobe] = {"recall@10": recall(found, truth), "search_ms": _pct(times)}
        chosen = next((p for p, r in result["ivf"]["by_nprobe"].items() if r["recall@10"] >= 0.97), 128)
        ivf.nprobe = chosen
        result["ivf"]["chosen_nprobe"] = chosen
        print(json.dumps({"ivf": result["ivf"], "exact": result.get("exact")}), flush=True)

        hnsw = None
        if "hnsw" not in skip:
            faiss.omp_set_num_threads(threads)
            started = time.perf_counter()
            hnsw = faiss.IndexHNSWFlat(base.shape[1], 32, faiss.METRIC_INNER_PRODUCT)
            hnsw.hnsw.efConstruction = 80
            hnsw.add(base)
            result["hnsw"] = {"M": 32, "efConstruction": 80, "build_s": round(time.perf_counter() - started, 1),
                              "by_ef": {}}
            faiss.omp_set_num_threads(1)
            for ef in (64, 128, 256):
                hnsw.hnsw.efSearch = ef
                times, found = search_times(hnsw, query_vectors)
                result["hnsw"]["by_ef"][ef] = {"recall@10": recall(found, truth), "search_ms": _pct(times)}
            result["hnsw"].update(saved(hnsw, Path(tmp), "hnsw.faiss"))
            print(json.dumps({"hnsw": result["hnsw"]}), flush=True)
    return np.array(query_vectors), {"ivf": ivf, "hnsw": hnsw}


def bm25_side(n: int, cache: Path, rng: np.random.Generator, real_tokens: list[list[str]], result: dict):
    """bm25s over n synthetic token lists, built once and kept in `cache`."""
    import bm25s

    from assistant.index import Bm25Scores

    folder = cache / "bm25"
    result["bm25"] = {}
    if not (folder / "params.index.json").exists():
        started = time.perf_counter()
        corpus_tokens = synthetic_tokens(real_tokens, n, rng)
        result["generate_tokens_s"] = round(time.perf_counter() - started, 1)
        before = _rss_mib()
        started = time.perf_counter()
        bm25 = bm25s.BM25()
        bm25.index(corpus_tokens, show_progress=False)
        result["bm25"]["build_s"] = round(time.perf_counter() - started, 1)
        del corpus_tokens
        result["bm25"]["rss_mib"] = round(_rss_mib() - before)
        bm25.save(str(folder), show_progress=False)
        del bm25
    result["bm25"]["disk_mib"] = round(sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 2**20)
    before = _rss_mib()
    started = time.perf_counter()
    bm25 = Bm25Scores.load(folder)  # as answering reads it (numpy, no bm25s)
    result["bm25"]["load_s"] = round(time.perf_counter() - started, 2)
    result["bm25"]["loaded_rss_mib"] = round(_rss_mib() - before)
    return bm25


def bm25_agreement(retriever, topics: list[str], depth: int = 50) -> dict:
    """The pruned BM25 (what `Retriever.bm25` runs at this size) against bm25s's exhaustive scoring, query by
    query, interleaved: recall@depth of the rows, and whether the score lists are equal."""
    from assistant.normalize import tokenize
    from assistant.retrieval import exact_bm25, pruned_bm25

    fast_ms, exact_ms, fast_cpu, exact_cpu, overlaps, equal_scores, work = [], [], [], [], [], 0, {}
    for topic in topics:
        started, started_cpu = time.perf_counter(), time.thread_time()
        fast = retriever.bm25(topic, depth, None)
        fast_ms.append((time.perf_counter() - started) * 1000)
        fast_cpu.append((time.thread_time() - started_cpu) * 1000)
        pruned_bm25(retriever.index.bm25, tokenize(topic), depth, stats=work)  # untimed: what it scored
        started, started_cpu = time.perf_counter(), time.thread_time()
        exact = exact_bm25(retriever.index.bm25, tokenize(topic), depth, None)
        exact_ms.append((time.perf_counter() - started) * 1000)
        exact_cpu.append((time.thread_time() - started_cpu) * 1000)
        if exact:
            overlaps.append(len({r for r, _ in fast} & {r for r, _ in exact}) / len(exact))
        equal_scores += np.allclose([s for _, s in fast], [s for _, s in exact], rtol=1e-5) if len(fast) == len(exact) else 0
    return {"fast_ms": _pct(fast_ms), "exact_ms": _pct(exact_ms), "fast_cpu_ms": _pct(fast_cpu),
            "exact_cpu_ms": _pct(exact_cpu),
            f"recall@{depth}": round(float(np.mean(overlaps)), 4) if overlaps else 1.0,
            "queries_with_equal_scores": f"{equal_scores}/{len(topics)}",
            "share_of_postings_scored": round(work["scored"] / max(1, work["postings"]), 3) if work else None}


def run(n: int, queries: int, skip: set[str], seed: int = 11, cache_root: Path | None = None) -> dict:
    from assistant.config import Settings
    from assistant.index import bm25_text, load_index
    from assistant.normalize import tokenize
    from assistant.retrieval import Retriever
    from eval.grader import load_gold

    cache = Path(cache_root or tempfile.gettempdir()) / f"pa-search-scale-{n}-{queries}-{seed}"
    cache.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    real = load_index(Settings())
    real_vectors = real.faiss.reconstruct_n(0, real.faiss.ntotal)
    questions = [item["turns"][-1] for item in load_gold(ROOT / "eval" / "gold.jsonl")]
    result: dict = {"n": n, "queries": queries, "dim": int(real_vectors.shape[1]), "cache": str(cache)}

    query_vectors, approximate = vector_side(n, queries, skip, cache, rng, real_vectors, result)
    real_tokens = [tokenize(bm25_text(u)) for u in real.units]
    bm25 = bm25_side(n, cache, np.random.default_rng(seed + 1), real_tokens, result)

    class Synthetic:  # what Retriever reads from a HybridIndex
        units = _Rows(n)
        doc_rows: dict = {}

    Synthetic.bm25 = bm25
    topics = [questions[i % len(questions)] for i in range(queries)]
    Synthetic.faiss = approximate["ivf"]
    retriever = Retriever(Synthetic())
    for topic in topics[:5]:  # first-touch costs (pages of the postings) out of the figures
        retriever.bm25(topic, 50, None)
    result["bm25"].update(bm25_agreement(retriever, topics))
    for name, index in approximate.items():
        if index is None:
            continue
        Synthetic.faiss = index
        retriever = Retriever(Synthetic())
        bm25_ms, fused_ms, fused_cpu = [], [], []
        for topic, vector in zip(topics, query_vectors):
            started = time.perf_counter()
            retriever.bm25(topic, 50, None)
            bm25_ms.append((time.perf_counter() - started) * 1000)
            started, started_cpu = time.perf_counter(), time.thread_time()
            retriever.search(topic, k=8, query_vector=vector)
            fused_ms.append((time.perf_counter() - started) * 1000)
            fused_cpu.append((time.thread_time() - started_cpu) * 1000)
        result["bm25"]["search_ms"] = _pct(bm25_ms)
        result[f"fused_{name}_ms"] = _pct(fused_ms)
        result[f"fused_{name}_cpu_ms"] = _pct(fused_cpu)
    result["peak_rss_mib"] = round(int(open("/proc/self/status").read().split("VmHWM:")[1].split()[0]) / 1024)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--skip", default="", help="hnsw, exact (reuse the cached exact top-10)")
    parser.add_argument("--cache", help="folder for the synthetic data kept between runs (default: the temp folder)")
    parser.add_argument("--json", help="write the figures here")
    args = parser.parse_args(argv)
    result = run(args.n, args.queries, set(filter(None, args.skip.split(","))), cache_root=args.cache)
    result["load_average"] = os.getloadavg()
    print(json.dumps(result))
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
