"""Index: units embedded into FAISS plus BM25 over jieba tokens, persisted.

The index folder is disposable: a fingerprint of the corpus files, the parser version and the model
decides whether it is current; a missing, stale, corrupt or half-written index is rebuilt. Builds
are written to a temporary folder and swapped in by rename, so a crash never leaves half an index.
Builds are incremental: a unit whose text is unchanged keeps its vector (and BM25 tokens), so adding
one document embeds only its units (`build_from_units`, used by library.py to publish live).
"""
from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
import re
import shutil
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np

from .catalog import CATALOG_VERSION, Catalog
from .config import Settings
from .documents import DocumentError, corpus_files, load_corpus
from .embedding import CONVERTER_VERSION, DEFAULT_MODEL, Embedder, load_build_embedder, load_query_embedder
from .normalize import _jieba, add_domain_words, tokenize
from .units import PARSER_VERSION, Unit, build_all_with_report

log = logging.getLogger(__name__)

INDEX_VERSION = "index-3"
META = "meta.json"
UNITS = "units.json"
CATALOG = "catalog.json"
REPORT = "report.json"  # the ingestion report (report.IngestionReport.to_dict) of the build
FAISS_DIR = "faiss"
TOKENS = "tokens.json"  # BM25 tokens per unit, by text key: reused by incremental builds
BM25_DIR = "bm25"
APPROXIMATE_ABOVE = 50_000  # vectors; exact vs HNSW latency and recall@10 measured in bench/report.md
SEARCH_THREADS = 1  # faiss OpenMP threads when answering: one query per answer, and no spinning pool


class IndexBuildError(RuntimeError):
    """The index cannot be built; the message is user-facing Chinese."""


# --------------------------------------------------------------------------- texts per unit

def embedding_text(unit: Unit) -> str:
    """What the dense model sees: the substance of the unit, without metadata noise."""
    if unit.kind == "clause":
        return unit.body
    if unit.kind == "header":
        return f"{unit.doc_title}\n{unit.text}"
    return unit.full_text


def bm25_text(unit: Unit) -> str:
    """What BM25 sees: the text plus the parsed fields people ask by (units, deadline, document)."""
    extra = " ".join(unit.lead_units + unit.national_units + [unit.deadline, unit.doc_title, unit.section])
    return f"{unit.full_text} {extra}"


# --------------------------------------------------------------------------- fingerprint

def fingerprint(settings: Settings) -> str:
    digest = hashlib.sha256()
    for part in (INDEX_VERSION, PARSER_VERSION, CATALOG_VERSION, settings.model,
                 CONVERTER_VERSION if settings.model == DEFAULT_MODEL else ""):
        digest.update(part.encode() + b"\0")
    folder = Path(settings.corpus_dir)
    files = corpus_files(folder) + ([folder / "manifest.json"] if (folder / "manifest.json").exists() else [])
    for path in files:
        digest.update(path.name.encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


# --------------------------------------------------------------------------- integrity and the build lock

def checksums(folder: Path) -> dict[str, str]:
    """sha256 of every file of an index folder but its meta file, by relative path."""
    result = {}
    for path in sorted(Path(folder).rglob("*")):
        if path.is_file() and path.name != META:
            digest = hashlib.sha256()
            with open(path, "rb") as handle:
                for block in iter(lambda: handle.read(1 << 20), b""):
                    digest.update(block)
            result[path.relative_to(folder).as_posix()] = digest.hexdigest()
    return result


@contextmanager
def build_lock(settings: Settings, blocking: bool = True):
    """One process at a time builds (workers and replicas share the folder); yields whether it got the lock."""
    target = Path(settings.index_dir)
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target.parent / f".{target.name}.lock", "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | (0 if blocking else fcntl.LOCK_NB))
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def clean_stale(settings: Settings) -> list[Path]:
    """Temporary folders left by killed builds; call only while holding the build lock."""
    target = Path(settings.index_dir)
    stale = list(target.parent.glob(f".{target.name}-building-*")) + list(target.parent.glob(f".{target.name}-old"))
    for folder in stale:
        shutil.rmtree(folder, ignore_errors=True)
    return stale


# --------------------------------------------------------------------------- the index

BM25_PARTS = ("data", "indices", "indptr")  # bm25s's saved score matrix: `<part>.csc.index.npy`
BM25_METHODS = ("robertson", "lucene", "atire")  # bm25s's methods without a non-occurrence score


def _check_bm25_method(method: str) -> None:
    if method not in BM25_METHODS:
        raise ValueError(f"BM25 method {method} is not supported when answering")


@dataclass
class Bm25Scores:
    """The BM25 index bm25s builds and saves (every unit's score per token, precomputed, as a token × unit
    CSC matrix, and the vocabulary), read and summed with numpy alone: answering does not import bm25s,
    which pulls in scipy (~0.15 s of every start). Scores and top lists are bm25s's own, bit for bit."""

    data: np.ndarray  # float32 scores, by token
    indices: np.ndarray  # the unit row of each score
    indptr: np.ndarray  # token t's postings are [indptr[t], indptr[t + 1])
    vocab_dict: dict[str, int]
    num_docs: int
    term_max: dict[int, float] = field(default_factory=dict)  # a token's largest score, once asked (pruning)

    @classmethod
    def load(cls, folder: Path) -> "Bm25Scores":
        params = json.loads((folder / "params.index.json").read_text(encoding="utf-8"))
        _check_bm25_method(params.get("method", "lucene"))
        # memory-mapped: a question reads only its tokens' postings, and workers share the pages
        arrays = [np.load(folder / f"{part}.csc.index.npy", mmap_mode="r") for part in BM25_PARTS]
        vocab = json.loads((folder / "vocab.index.json").read_text(encoding="utf-8"))
        return cls(*arrays, vocab_dict=vocab, num_docs=int(params["num_docs"]))

    @classmethod
    def of(cls, built) -> "Bm25Scores":
        """The scores of a bm25s.BM25 just built (its arrays shared, not copied)."""
        _check_bm25_method(getattr(built, "method", "lucene"))
        scores = built.scores
        return cls(*(scores[part] for part in BM25_PARTS), vocab_dict=built.vocab_dict,
                   num_docs=int(scores["num_docs"]))

    def token_ids(self, tokens: list[str]) -> list[int]:
        return [self.vocab_dict[t] for t in tokens if t in self.vocab_dict]

    def get_scores(self, tokens: list[str], weight_mask: np.ndarray | None = None) -> np.ndarray:
        """Every unit's score: each query token's postings added in the query's order (bm25s's sum)."""
        ids = np.asarray(self.token_ids(tokens), dtype=self.indptr.dtype)
        scores = np.zeros(self.num_docs, dtype=self.data.dtype)
        for start, end in zip(self.indptr[ids], self.indptr[ids + 1]):
            np.add.at(scores, self.indices[start:end], self.data[start:end])
        if weight_mask is not None:
            scores *= weight_mask
        return scores

    def top(self, tokens: list[str], depth: int, weight_mask: np.ndarray | None = None) -> list[tuple[int, float]]:
        """(row, score) of the `depth` best units scoring above 0, selected as bm25s's numpy top-k does
        (argpartition, then argsort reversed), so that ties come in the same order."""
        scores = self.get_scores(tokens, weight_mask)
        k = min(depth, self.num_docs)
        if k <= 0:
            return []
        rows = np.argpartition(scores, -k).take(indices=range(-k, 0))
        best = np.take(scores, rows)
        order = np.flip(np.argsort(best))
        return [(int(r), float(v)) for r, v in zip(rows[order], best[order]) if v > 0]


@dataclass
class HybridIndex:
    units: list[Unit]
    vectors: object  # the faiss index (the file format of llama-index's FaissVectorStore)
    bm25: Bm25Scores
    embedder: Embedder
    model_name: str
    fingerprint: str
    errors: list[str] = field(default_factory=list)
    doc_rows: dict[str, np.ndarray] = field(default_factory=dict)
    catalog: object = None  # catalog.Catalog: the names questions may use, derived from the units
    # the ingestion report of the build (report.IngestionReport.to_dict): every corpus file with its state,
    # counts and warnings, rejected files included (they have no units)
    report: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        rows: dict[str, list[int]] = {}
        for i, unit in enumerate(self.units):
            rows.setdefault(unit.doc_id, []).append(i)
            rows.setdefault(unit.doc_short, []).append(i)
        self.doc_rows = {key: np.array(value) for key, value in rows.items()}

    @property
    def faiss(self):
        return self.vectors


def _faiss_index(dim: int, count: int):
    import faiss

    if count > APPROXIMATE_ABOVE:
        index = faiss.IndexHNSWFlat(dim, 32, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = 80
        index.hnsw.efSearch = 128
        return index
    return faiss.IndexFlatIP(dim)


def _build_into(folder: Path, settings: Settings, embedder: Embedder, known: dict[str, np.ndarray],
                previous: list[Unit]) -> tuple[list[Unit], list[str], dict]:
    documents, doc_errors = load_corpus(settings.corpus_dir)
    units, unit_errors, report = build_all_with_report(documents, doc_errors)
    errors = [str(e) for e in doc_errors + unit_errors]
    if not units:
        raise IndexBuildError("语料目录中没有可用的政策文件：" + "；".join(errors or ["目录为空"]))
    # tokens of the index on disk are reused unless a text holds a dictionary word this corpus adds or no
    # longer has (this process's jieba holds only the current corpus' words, as a full build's would)
    tokens = known_tokens(settings.index_dir) if previous else {}
    stats = write_parts(folder, units, report.to_dict(), embedder, known, tokens,
                        new_words=domain_words(units) ^ domain_words(previous), progress=True)
    stats.pop("parts")
    return units, errors, stats


def build_index(settings: Settings, force: bool = False, embedder: Embedder | None = None,
                reuse: bool = True, vectors: dict[str, np.ndarray] | None = None) -> HybridIndex:
    """Build the index into a temp folder, then swap it in; returns the loaded index.

    Vectors and BM25 tokens of units whose text is unchanged are taken from the index on disk (`reuse`),
    so adding a file to the corpus embeds and tokenises only that file's units; `vectors` adds known
    vectors by `vector_key`."""
    embedder = embedder or load_build_embedder(settings.model, settings.cache_dir, settings.query_prompt)
    previous, stored = previous_index(settings.index_dir, embedder) if reuse else ([], None)
    known = {**vectors_by_key(previous, stored, embedder), **(vectors or {})}
    target = Path(settings.index_dir)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}-building-", dir=target.parent))
    started = time.perf_counter()
    try:
        current_fingerprint = fingerprint(settings)
        units, errors, stats = _build_into(staging, settings, embedder, known, previous)
        _write_meta(staging, settings, embedder, current_fingerprint, len(units), errors, started, stats)
        _swap_in(staging, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return load_index(settings, embedder=embedder)


# --------------------------------------------------------------------------- incremental builds (build side)
# A unit's vector depends only on the model, its passage prompt and its embedding text, so it is kept by a
# hash of those: a rebuild or a publish embeds only units whose text is new, the rest are copied from the
# previous index. BM25 is re-indexed whole (its statistics are corpus-wide), from cached tokens.

def vector_key(unit: Unit, embedder: Embedder) -> str:
    converter = CONVERTER_VERSION if embedder.name == DEFAULT_MODEL else ""  # a new conversion changes the vectors
    text = f"{embedder.name}\0{converter}\0{embedder.passage_prompt}\0{embedding_text(unit)}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def token_key(unit: Unit) -> str:
    return hashlib.sha256(bm25_text(unit).encode("utf-8")).hexdigest()[:32]


def _stored_vectors(faiss_index, count: int) -> np.ndarray:
    return faiss_index.reconstruct_n(0, count) if count else np.zeros((0, faiss_index.d), dtype=np.float32)


def vectors_by_key(units: list[Unit], faiss_index, embedder: Embedder) -> dict[str, np.ndarray]:
    """Vectors of a loaded index by text key ({} when they cannot be read back)."""
    try:
        if faiss_index is None or faiss_index.ntotal != len(units) or faiss_index.d != embedder.dim:
            return {}
        stored = _stored_vectors(faiss_index, len(units))
    except Exception as exc:  # an index type that cannot reconstruct: embed everything
        log.warning("previous vectors cannot be reused (%s)", exc)
        return {}
    return {vector_key(u, embedder): stored[i] for i, u in enumerate(units)}


def previous_index(index_dir: Path, embedder: Embedder) -> tuple[list[Unit], object]:
    """(units, faiss index) of the index on disk when it was built with this model; ([], None) otherwise."""
    import faiss

    folder = Path(index_dir)
    try:
        meta = json.loads((folder / META).read_text(encoding="utf-8"))
        if meta.get("model") != embedder.name or meta.get("embedding_dim") != embedder.dim:
            return [], None
        units = [Unit.from_dict(d) for d in json.loads((folder / UNITS).read_text(encoding="utf-8"))]
        vectors = faiss.read_index(str(folder / FAISS_DIR / "default__vector_store.json"))
    except Exception:  # missing, corrupt or older: nothing to reuse
        return [], None
    return units, vectors


def known_vectors(index_dir: Path, embedder: Embedder) -> dict[str, np.ndarray]:
    """Vectors of the index on disk by text key, when it was built with this model; {} otherwise."""
    return vectors_by_key(*previous_index(index_dir, embedder), embedder)


def known_tokens(index_dir: Path) -> dict[str, list[str]]:
    """BM25 tokens of the index on disk by text key ({} for an index without the tokens file)."""
    folder = Path(index_dir)
    try:
        data = json.loads((folder / TOKENS).read_text(encoding="utf-8"))
        return dict(zip(data["keys"], data["tokens"]))
    except Exception:
        return {}


def embed_reusing(units: list[Unit], embedder: Embedder, known: dict[str, np.ndarray],
                  progress: bool = False) -> tuple[np.ndarray, int]:
    """(vectors of every unit, how many were embedded): known texts are copied, the rest embedded."""
    keys = [vector_key(u, embedder) for u in units]
    missing = [i for i, key in enumerate(keys) if key not in known]
    vectors = np.zeros((len(units), embedder.dim), dtype=np.float32)
    if missing:
        fresh = embedder.embed_passages([embedding_text(units[i]) for i in missing], progress=progress and len(missing) > 64)
        for row, i in enumerate(missing):
            vectors[i] = fresh[row]
    for i, key in enumerate(keys):
        if key in known:
            vectors[i] = known[key]
    return vectors, len(missing)


def tokens_reusing(units: list[Unit], known: dict[str, list[str]],
                   new_words: set[str] | None = None) -> tuple[list[list[str]], int]:
    """(BM25 tokens of every unit, how many were tokenised): cached ones unless the text holds a word just
    added to or dropped from the dictionary (jieba would now cut it differently)."""
    out, fresh = [], 0
    for unit in units:
        text = bm25_text(unit)
        cached = known.get(hashlib.sha256(text.encode("utf-8")).hexdigest()[:32])
        if cached is None or (new_words and any(w in text for w in new_words)):
            cached = tokenize(text)
            fresh += 1
        out.append(cached)
    return out, fresh


def domain_words(units: list[Unit]) -> set[str]:
    """The words add_domain_words gives jieba for these units."""
    words = {w for u in units for w in u.lead_units + u.national_units if 2 <= len(w) <= 20}
    return words | {t.indicator for u in units for t in u.targets if 2 <= len(t.indicator) <= 30}


def unit_record(unit: Unit) -> dict:
    """`unit.to_dict()` without dataclasses.asdict's deep copies (a tenth of the time on 10k units):
    fields are plain values, lists and dicts, plus the Responsibility and Target dataclasses."""
    record = {name: getattr(unit, name) for name in unit.__dataclass_fields__}
    record["responsibilities"] = [dict(r.__dict__) for r in unit.responsibilities]
    record["targets"] = [dict(t.__dict__) for t in unit.targets]
    return record


def units_json(units: list[Unit], cache: dict | None = None) -> str:
    """The units file's text; `cache` (kept by the caller between builds) holds each unit object's JSON,
    so a rebuild serialises only the units it has not written before."""
    if cache is None:
        return json.dumps([unit_record(u) for u in units], ensure_ascii=False)
    texts, fresh = [], {}
    for unit in units:
        hit = cache.get(id(unit))
        if hit is None or hit[0] is not unit:
            hit = (unit, json.dumps(unit_record(unit), ensure_ascii=False))
        fresh[id(unit)] = hit  # the unit itself is held, so its id cannot be reused while cached
        texts.append(hit[1])
    cache.clear()
    cache.update(fresh)
    return "[" + ", ".join(texts) + "]"


def write_parts(folder: Path, units: list[Unit], report: dict, embedder: Embedder,
                known: dict[str, np.ndarray], known_token: dict[str, list[str]] | None = None,
                new_words: set[str] | None = None, progress: bool = False,
                token_cache: dict[str, list[str]] | None = None, record_cache: dict | None = None) -> dict:
    """Every part of an index but its meta file, into `folder`; returns what was embedded and reused."""
    import bm25s
    import faiss

    add_domain_words(units)
    vectors, embedded = embed_reusing(units, embedder, known, progress=progress)
    store = _faiss_index(vectors.shape[1], len(units))
    store.add(vectors)
    (folder / FAISS_DIR).mkdir()
    # the file name is the one llama-index's FaissVectorStore persists to (a plain faiss index)
    faiss.write_index(store, str(folder / FAISS_DIR / "default__vector_store.json"))
    tokens, tokenized = tokens_reusing(units, known_token or {}, new_words)
    retriever = bm25s.BM25()
    retriever.index(tokens, show_progress=False)
    retriever.save(str(folder / BM25_DIR), show_progress=False)
    (folder / UNITS).write_text(units_json(units, record_cache), encoding="utf-8")
    catalog = Catalog.from_units(units)
    (folder / CATALOG).write_text(json.dumps(catalog.to_dict(), ensure_ascii=False), encoding="utf-8")
    (folder / REPORT).write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    keys = [token_key(u) for u in units]
    (folder / TOKENS).write_text(json.dumps({"keys": keys, "tokens": tokens}, ensure_ascii=False), encoding="utf-8")
    if token_cache is not None:  # the caller's copy for the next build (saves reading the file back)
        token_cache.clear()
        token_cache.update(zip(keys, tokens))
    parts = {"faiss": store, "bm25": Bm25Scores.of(retriever), "catalog": catalog}
    return {"embedded": embedded, "reused": len(units) - embedded, "tokenized": tokenized, "parts": parts}


def _write_meta(folder: Path, settings: Settings, embedder: Embedder, current_fingerprint: str, count: int,
                errors: list[str], started: float, stats: dict) -> None:
    (folder / META).write_text(json.dumps({
        "fingerprint": current_fingerprint, "model": settings.model, "embedding_dim": embedder.dim,
        "units": count, "parser": PARSER_VERSION, "index_version": INDEX_VERSION,
        "errors": errors, "build_seconds": round(time.perf_counter() - started, 2),
        "embedded": stats.get("embedded"), "reused": stats.get("reused"), "tokenized": stats.get("tokenized"),
        "checksums": checksums(folder),
    }, ensure_ascii=False, indent=2))


def _swap_in(staging: Path, target: Path) -> None:
    """The staged folder becomes the index by rename; the old one is removed only after."""
    old = target.with_name(f".{target.name}-old")
    if target.exists():
        shutil.rmtree(old, ignore_errors=True)
        os.replace(target, old)
    os.replace(staging, target)
    shutil.rmtree(old, ignore_errors=True)


def build_from_units(settings: Settings, units: list[Unit], report: dict, embedder: Embedder,
                     previous: HybridIndex | None, errors: list[str] | None = None,
                     token_cache: dict[str, list[str]] | None = None,
                     record_cache: dict | None = None) -> tuple[HybridIndex, dict]:
    """A new index from parsed units (the previous index's units plus a changed document's), without
    re-reading the corpus: vectors and tokens of unchanged units are reused, so the cost is the changed
    document's embedding plus linear bookkeeping. Written to a temp folder and swapped in under the build
    lock; until the swap the previous index is untouched. Call while holding `build_lock`."""
    if not units:
        raise IndexBuildError("发布后将没有任何可用的政策文件，已取消。")
    started = time.perf_counter()
    known = vectors_by_key(previous.units, previous.faiss, embedder) if previous is not None else {}
    if not known:
        known = known_vectors(settings.index_dir, embedder)
    old_words = domain_words(previous.units) if previous is not None else set()
    target = Path(settings.index_dir)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}-building-", dir=target.parent))
    try:
        cached = token_cache if token_cache else known_tokens(target)  # kept by the caller between builds
        stats = write_parts(staging, units, report, embedder, known, cached,
                            new_words=domain_words(units) - old_words, token_cache=token_cache,
                            record_cache=record_cache)
        parts = stats.pop("parts")
        current = fingerprint(settings)
        _write_meta(staging, settings, embedder, current, len(units), errors or [], started, stats)
        _swap_in(staging, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    # the parts just written, as load_index would read them back (without reading 10k units again)
    log_report(report)
    return HybridIndex(units=units, vectors=parts["faiss"], bm25=parts["bm25"], embedder=embedder,
                       model_name=settings.model, fingerprint=current, errors=errors or [], catalog=parts["catalog"],
                       report=report), stats


def load_index(settings: Settings, embedder: Embedder | None = None) -> HybridIndex:
    """Load a persisted index; raises when any part is missing or inconsistent.

    The query embedder (onnxruntime over the model's export, no torch; see encoder.py) is created in a
    thread while this one reads the units, BM25 and FAISS files (faiss directly: importing llama-index
    only to read a faiss file back costs seconds of start-up).
    """
    import faiss

    _jieba()  # every import this thread needs happens before the model thread starts importing
    folder = Path(settings.index_dir)
    meta = json.loads((folder / META).read_text(encoding="utf-8"))
    with ThreadPoolExecutor(max_workers=1) as pool:
        model = None if embedder else pool.submit(load_query_embedder, meta["model"], settings.cache_dir,
                                                  settings.query_prompt)
        units = [Unit.from_dict(d) for d in json.loads((folder / UNITS).read_text(encoding="utf-8"))]
        vectors = faiss.read_index(str(folder / FAISS_DIR / "default__vector_store.json"))
        faiss.omp_set_num_threads(SEARCH_THREADS)
        bm25 = Bm25Scores.load(folder / BM25_DIR)
        add_domain_words(units)
        catalog = Catalog.from_dict(json.loads((folder / CATALOG).read_text(encoding="utf-8")))
        report = json.loads((folder / REPORT).read_text(encoding="utf-8"))
        embedder = embedder or model.result()
    if vectors.ntotal != len(units) or meta.get("units") != len(units):
        raise ValueError("index parts disagree on the number of units")
    if vectors.d != embedder.dim:
        raise ValueError("index dimension does not match the model")
    log_report(report)
    return HybridIndex(units=units, vectors=vectors, bm25=bm25, embedder=embedder, model_name=meta["model"],
                       fingerprint=meta["fingerprint"], errors=meta.get("errors", []), catalog=catalog, report=report)


def log_report(report: dict) -> None:
    """Start-up log of the ingestion report: one warning per file that is not fully usable, then a summary,
    so that a rejected or partly parsed file is seen by whoever starts the server."""
    documents = report.get("documents", [])
    for doc in documents:
        if doc.get("state") != "ok":
            details = [doc.get("reason") or ""] + list(doc.get("warnings") or [])
            log.warning("文件「%s」%s：%s", doc.get("file"), doc.get("state_label") or doc.get("state"),
                        "；".join(d for d in details if d))
    counts = {state: sum(1 for d in documents if d.get("state") == state) for state in ("ok", "partial", "rejected")}
    warned = sum(1 for d in documents if d.get("state") == "ok" and d.get("warnings"))
    line = (f"文件解析报告：共 {len(documents)} 个文件，正常 {counts['ok']} 个（其中 {warned} 个有警告），"
            f"部分解析 {counts['partial']} 个，已拒绝 {counts['rejected']} 个")
    (log.warning if counts["partial"] or counts["rejected"] else log.info)(line)


def index_status(settings: Settings) -> str:
    """'missing', 'stale', 'corrupt' or 'current' — without loading the model."""
    folder = Path(settings.index_dir)
    if not (folder / META).exists():
        return "missing"
    try:
        meta = json.loads((folder / META).read_text(encoding="utf-8"))
        required = [folder / UNITS, folder / CATALOG, folder / REPORT, folder / FAISS_DIR / "default__vector_store.json", folder / BM25_DIR]
        if not all(p.exists() for p in required):
            return "corrupt"
        if "checksums" in meta and checksums(folder) != meta["checksums"]:
            return "corrupt"  # same-size overwrites and truncations alike
    except (json.JSONDecodeError, OSError):
        return "corrupt"
    try:
        current = fingerprint(settings)
    except (DocumentError, OSError):
        return "stale"
    return "current" if meta.get("fingerprint") == current else "stale"


def load_or_build(settings: Settings, embedder: Embedder | None = None) -> HybridIndex:
    """The current index: loaded when it is current and whole, rebuilt otherwise — by one process at a
    time; a process that waited for another's build loads that one."""
    with build_lock(settings, blocking=False) as alone:
        if alone:
            clean_stale(settings)
    if index_status(settings) == "current":
        try:
            return load_index(settings, embedder=embedder)
        except Exception as exc:  # any unreadable part means the index is corrupt: rebuild it
            log.warning("index at %s is unreadable (%s); rebuilding", settings.index_dir, exc)
    with build_lock(settings):
        clean_stale(settings)
        status = index_status(settings)
        if status == "current":
            try:
                return load_index(settings, embedder=embedder)
            except Exception as exc:
                log.warning("index at %s is unreadable (%s); rebuilding", settings.index_dir, exc)
                status = "corrupt"
        log.warning("index at %s is %s; building it", settings.index_dir, status)
        return build_index(settings, embedder=embedder)
