"""Index builds as a user runs them (`python -m assistant index`, whole processes): a full build, then
incremental ones — one 30-clause document added, then removed again — for the corpus and for the corpus
plus N synthetic clauses (bench/synthetic.py). Each build embeds only the units whose text is new to the
previous index (by a hash of text and model); meta.json says how many it embedded and reused.

    python -m bench.build [--clauses 10000] [--rounds 3] [--json OUT]

The model's export (.cache/models) and the text caches are shared with this checkout; the corpora and
indexes are written to a temporary folder.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

from . import finish, run_process
from .synthetic import _pools, document_text, write_corpus

ROOT = Path(__file__).resolve().parent.parent
ADDED_CLAUSES = 30


def build(corpus: Path, index: Path) -> dict:
    """One `python -m assistant index` process over `corpus` into `index`, with what its meta.json records."""
    env = {**os.environ, "PA_CORPUS": str(corpus), "PA_INDEX": str(index), "HF_HUB_OFFLINE": "1"}
    row = run_process([sys.executable, "-m", "assistant", "index"], ROOT, env)
    meta = json.loads((index / "meta.json").read_text(encoding="utf-8"))
    row.update({key: meta.get(key) for key in ("units", "embedded", "reused", "build_seconds")})
    return {key: round(value, 2) if isinstance(value, float) else value for key, value in row.items()}


def measure(corpus: Path, index: Path, added: str, rounds: int) -> dict:
    """A full build, then `rounds` × (the document added, the document removed), medians of the latter."""
    shutil.rmtree(index, ignore_errors=True)
    out = {"full": build(corpus, index)}
    print(json.dumps({"corpus": corpus.name, "full": out["full"]}), flush=True)
    extra = corpus / "zz_bench_added.txt"
    rows: dict[str, list[dict]] = {"add_one": [], "remove_one": []}
    for _ in range(rounds):
        extra.write_text(added, encoding="utf-8")
        rows["add_one"].append(build(corpus, index))
        extra.unlink()
        rows["remove_one"].append(build(corpus, index))
    for name, values in rows.items():
        out[name] = {key: statistics.median(v[key] for v in values) for key in values[0]}
        out[name]["range_wall_s"] = [min(v["wall_s"] for v in values), max(v["wall_s"] for v in values)]
    print(json.dumps({"corpus": corpus.name, **{k: out[k] for k in rows}}), flush=True)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clauses", type=int, default=10_000, help="synthetic clauses added to the large corpus")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--json", help="write the figures here")
    args = parser.parse_args(argv)
    corpus_dir = ROOT / "corpus"
    added = document_text(_pools(corpus_dir), random.Random(99), 9_999, ADDED_CLAUSES)
    result: dict = {"load_average": os.getloadavg(), "added_clauses": ADDED_CLAUSES}
    with tempfile.TemporaryDirectory(prefix="bench-build-") as tmp:
        small, large = Path(tmp) / "corpus", Path(tmp) / f"corpus-{args.clauses}"
        for folder in (small, large):
            folder.mkdir()
            for path in corpus_dir.iterdir():
                if path.is_file():
                    shutil.copy2(path, folder / path.name)
        write_corpus(large, args.clauses, corpus_dir)
        result["corpus"] = measure(small, Path(tmp) / "index", added, args.rounds)
        result[f"corpus_plus_{args.clauses}"] = measure(large, Path(tmp) / "index-large", added, args.rounds)
    return finish(result, args.json)


if __name__ == "__main__":
    sys.exit(main())
