"""Index: units embedded into FAISS (through llama-index) plus BM25 over jieba tokens, persisted.

The index folder is disposable: a fingerprint of the corpus files, the parser version and the model
decides whether it is current; a missing, stale, corrupt or half-written index is rebuilt. Builds
are written to a temporary folder and swapped in by rename, so a crash never leaves half an index.
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

@dataclass
class HybridIndex:
    units: list[Unit]
    vectors: object  # the faiss index (built through llama-index's FaissVectorStore, read back with faiss)
    bm25: object  # bm25s.BM25
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


def _build_into(folder: Path, settings: Settings, embedder: Embedder) -> tuple[list[Unit], list[str]]:
    import bm25s
    from llama_index.core.schema import TextNode
    from llama_index.vector_stores.faiss import FaissVectorStore

    documents, doc_errors = load_corpus(settings.corpus_dir)
    units, unit_errors, report = build_all_with_report(documents, doc_errors)
    errors = [str(e) for e in doc_errors + unit_errors]
    if not units:
        raise IndexBuildError("语料目录中没有可用的政策文件：" + "；".join(errors or ["目录为空"]))
    add_domain_words(units)
    vectors = embedder.embed_passages([embedding_text(u) for u in units], progress=True)
    nodes = [
        TextNode(
            id_=unit.unit_id, text=embedding_text(unit), embedding=vector.tolist(),
            metadata={"doc": unit.doc_short, "unit_id": unit.unit_id, "label": unit.label,
                      "section": unit.section, "lead_units": "、".join(unit.lead_units), "deadline": unit.deadline},
            excluded_embed_metadata_keys=["doc", "unit_id", "label", "section", "lead_units", "deadline"],
        )
        for unit, vector in zip(units, vectors)
    ]
    store = FaissVectorStore(faiss_index=_faiss_index(vectors.shape[1], len(units)))
    store.add(nodes)
    (folder / FAISS_DIR).mkdir()
    store.persist(persist_path=str(folder / FAISS_DIR / "default__vector_store.json"))
    retriever = bm25s.BM25()
    retriever.index([tokenize(bm25_text(u)) for u in units], show_progress=False)
    retriever.save(str(folder / BM25_DIR), show_progress=False)
    (folder / UNITS).write_text(json.dumps([u.to_dict() for u in units], ensure_ascii=False), encoding="utf-8")
    (folder / CATALOG).write_text(json.dumps(Catalog.from_units(units).to_dict(), ensure_ascii=False), encoding="utf-8")
    (folder / REPORT).write_text(json.dumps(report.to_dict(), ensure_ascii=False, indent=1), encoding="utf-8")
    return units, errors


def build_index(settings: Settings, force: bool = False, embedder: Embedder | None = None) -> HybridIndex:
    """Build the index into a temp folder, then swap it in; returns the loaded index."""
    embedder = embedder or load_build_embedder(settings.model, settings.cache_dir, settings.query_prompt)
    target = Path(settings.index_dir)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}-building-", dir=target.parent))
    started = time.perf_counter()
    try:
        current_fingerprint = fingerprint(settings)
        units, errors = _build_into(staging, settings, embedder)
        (staging / META).write_text(json.dumps({
            "fingerprint": current_fingerprint, "model": settings.model, "embedding_dim": embedder.dim,
            "units": len(units), "parser": PARSER_VERSION, "index_version": INDEX_VERSION,
            "errors": errors, "build_seconds": round(time.perf_counter() - started, 2),
            "checksums": checksums(staging),
        }, ensure_ascii=False, indent=2))
        old = target.with_name(f".{target.name}-old")
        if target.exists():
            shutil.rmtree(old, ignore_errors=True)
            os.replace(target, old)
        os.replace(staging, target)
        shutil.rmtree(old, ignore_errors=True)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return load_index(settings, embedder=embedder)


def load_index(settings: Settings, embedder: Embedder | None = None) -> HybridIndex:
    """Load a persisted index; raises when any part is missing or inconsistent.

    The query embedder (onnxruntime over the model's export, no torch; see encoder.py) is created in a
    thread while this one reads the units, BM25 and FAISS files (faiss directly: importing llama-index
    only to read a faiss file back costs seconds of start-up).
    """
    import bm25s
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
        bm25 = bm25s.BM25.load(str(folder / BM25_DIR), show_progress=False)
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
