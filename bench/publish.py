"""Publish time of one 30-clause document with the model loaded, and whether it grows with the corpus.

Two running libraries share one loaded model: a small corpus (the five seed documents) and a large one
(the seeds plus 10,000 synthetic clauses, bench/synthetic.py). The same 30-clause document is published
and retired on each in turn (A B A B …, so a drift of the shared machine's speed hits both alike) and
each publish is split into embedding (the new units only), the swap into the running assistant and the
rest (index files written and read back). The base corpora get placeholder vectors (random unit
vectors: their values do not change what a publish costs, and embedding 10k clauses here takes an hour);
the published document is embedded by the real model every time (a retire drops its vectors).

Run: `python -m bench.publish [--rounds 5] [--clauses 10000]` → bench/publish-report.md, bench/out/publish.json
"""
from __future__ import annotations

import argparse
import json
import random
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

from assistant.chat import Assistant
from assistant.config import Settings
from assistant.documents import load_corpus
from assistant.embedding import load_embedder
from assistant.index import build_index, vector_key
from assistant.library import Library
from assistant.units import build_all

from .synthetic import _pools, document_text, write_corpus

ROOT = Path(__file__).resolve().parent.parent
OUT = Path(__file__).resolve().parent / "out"


class TimedEmbedder:
    """The loaded model, counting the seconds spent embedding passages."""

    def __init__(self, real):
        self.real = real
        self.name, self.passage_prompt, self.query_prompt, self.dim = real.name, real.passage_prompt, real.query_prompt, real.dim
        self.seconds = 0.0
        self.passages = 0

    def embed_passages(self, texts, progress=False):
        started = time.perf_counter()
        try:
            return self.real.embed_passages(texts, progress=False)
        finally:
            self.seconds += time.perf_counter() - started
            self.passages += len(texts)

    def embed_query(self, text):
        return self.real.embed_query(text)


def placeholder_vectors(corpus: Path, embedder, seed: int = 7) -> dict:
    documents, _ = load_corpus(corpus)
    units, _ = build_all(documents)
    rng = np.random.default_rng(seed)
    vectors = rng.standard_normal((len(units), embedder.dim)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return {vector_key(u, embedder): vectors[i] for i, u in enumerate(units)}


def library(folder: Path, corpus: Path, embedder) -> Library:
    settings = Settings()
    settings.corpus_dir, settings.index_dir, settings.data_dir = corpus, folder / "index", folder / "data"
    started = time.perf_counter()
    index = build_index(settings, embedder=embedder, vectors=placeholder_vectors(corpus, embedder))
    print(f"{corpus}: {len(index.units)} units indexed in {time.perf_counter() - started:.1f} s", flush=True)
    lib = Library(settings, assistant=Assistant(settings, index=index))
    swap = lib._swap

    def timed_swap(new_index):
        started = time.perf_counter()
        swap(new_index)
        lib.swap_seconds = time.perf_counter() - started

    lib._swap = timed_swap
    return lib


def publish_once(lib: Library, embedder: TimedEmbedder, name: str, data: bytes) -> dict:
    review = lib.stage(name, data, "bench")
    embedder.seconds, embedder.passages = 0.0, 0
    started = time.perf_counter()
    result = lib.publish(review.token, "bench")
    total = time.perf_counter() - started
    row = {"total": total, "embed": embedder.seconds, "swap": lib.swap_seconds,
           "rest": total - embedder.seconds - lib.swap_seconds, "embedded": result["embedded"],
           "reused": result["reused"], "units": len(lib.assistant.index.units)}
    started = time.perf_counter()
    lib.retire(review.doc_id, "bench")
    row["retire"] = time.perf_counter() - started
    return row


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--clauses", type=int, default=10_000, help="synthetic clauses in the large corpus")
    parser.add_argument("--report", default=str(Path(__file__).resolve().parent / "publish-report.md"))
    args = parser.parse_args(argv)
    settings = Settings()
    work = Path(tempfile.mkdtemp(prefix="bench-publish-"))
    try:
        embedder = TimedEmbedder(load_embedder(settings.model, settings.cache_dir, settings.query_prompt))
        small_corpus, large_corpus = work / "small" / "corpus", work / "large" / "corpus"
        shutil.copytree(ROOT / "corpus", small_corpus)
        shutil.copytree(ROOT / "corpus", large_corpus)
        write_corpus(large_corpus, args.clauses, ROOT / "corpus")
        pools = _pools(ROOT / "corpus")
        document = document_text(pools, random.Random(30), 999, 30).encode("utf-8")
        libraries = {"small": library(work / "small", small_corpus, embedder),
                     "large": library(work / "large", large_corpus, embedder)}
        rows: dict[str, list[dict]] = {"small": [], "large": []}
        for round_ in range(args.rounds + 1):  # round 0 warms both up and is not counted
            order = ("small", "large") if round_ % 2 else ("large", "small")
            for name in order:
                row = publish_once(libraries[name], embedder, "第999试验区工作要点.txt", document)
                print(f"round {round_} {name}: {json.dumps({k: round(v, 3) for k, v in row.items()})}", flush=True)
                if round_:
                    rows[name].append(row)
        ratios = [b["total"] / a["total"] for a, b in zip(rows["small"], rows["large"])]
        summary = {name: {key: statistics.median(r[key] for r in rows[name])
                          for key in ("total", "embed", "swap", "rest", "retire", "embedded", "reused", "units")}
                   for name in rows}
        summary["ratio_large_over_small"] = {"median": statistics.median(ratios), "min": min(ratios), "max": max(ratios)}
        OUT.mkdir(exist_ok=True)
        (OUT / "publish.json").write_text(json.dumps({"summary": summary, "rows": rows}, indent=1))
        write_report(Path(args.report), summary, args)
        print(json.dumps(summary, indent=1))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


def write_report(path: Path, summary: dict, args) -> None:
    s, l, r = summary["small"], summary["large"], summary["ratio_large_over_small"]
    lines = [
        "# Publish benchmark (`python -m bench.publish`)", "",
        f"One document of 30 clauses ({int(s['embedded'])} units) published into a running assistant with the model "
        f"loaded, then retired; {args.rounds} rounds after one warm-up, the two corpora alternating. Medians; the machine "
        "(2 cores) was shared with other busy processes, so compare the two columns rather than the absolute seconds.", "",
        "| | small corpus | large corpus |", "|---|---|---|",
        f"| units in the index after the publish | {int(s['units'])} | {int(l['units'])} |",
        f"| units embedded / reused | {int(s['embedded'])} / {int(s['reused'])} | {int(l['embedded'])} / {int(l['reused'])} |",
        f"| publish, total | {s['total']:.2f} s | {l['total']:.2f} s |",
        f"| – embedding the new units | {s['embed']:.2f} s | {l['embed']:.2f} s |",
        f"| – swap into the running assistant | {s['swap']:.2f} s | {l['swap']:.2f} s |",
        f"| – the rest (index files written and read back) | {s['rest']:.2f} s | {l['rest']:.2f} s |",
        f"| retire | {s['retire']:.2f} s | {l['retire']:.2f} s |", "",
        f"Publish time large / small, paired by round: median **{r['median']:.2f}×** (min {r['min']:.2f}, max {r['max']:.2f}), "
        f"for a corpus {l['units'] / s['units']:.0f}× larger.", "",
    ]
    path.write_text("\n".join(lines), encoding="utf-8")


if __name__ == "__main__":
    raise SystemExit(main())
