"""Document library: editors add, check, replace and retire corpus files while the server runs.

An upload is checked (name, format, size, duplicate checksum), parsed into a *review* (the ingestion
report of the file and its clauses) that changes nothing, and then published or cancelled. Publishing
moves the file into the corpus folder, builds the next index from the previous index's units plus the
new document's (only the new units are embedded, `index.build_from_units`), swaps it in on disk and in
the running assistant, and records the change (who, when, which file, its checksum). A replaced or
retired file is moved to `<corpus>/.history/`, never deleted. Publishes are serialised: a lock in the
process and the index build lock between processes. Any failure before the swap restores the corpus
folder, so the previous index keeps serving and still matches the corpus on disk.

The corpus folder stays the source of truth: a file dropped there by hand is found by `rescan` (the
tab's button, or `python -m assistant index`), parsed with the same report, and logged.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import secrets
import shutil
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import text

from .config import Settings
from .documents import MANIFEST_NAME, SUPPORTED_SUFFIXES, DocumentError, corpus_files, load_document
from .report import DocumentReport, IngestionReport, document_report
from .units import Unit, parse_document

log = logging.getLogger(__name__)

HISTORY_DIR = ".history"  # inside the corpus folder; corpus_files() never lists folders
STAGING_DIR = "library-staging"  # inside the data folder: uploads waiting for publish or cancel
ACTIONS = {"add": "新增", "replace": "替换", "retire": "停用", "scan": "目录新增"}
FORMATS = "、".join(s for s in SUPPORTED_SUFFIXES if s != ".htm")
_PATH_CHARS = re.compile(r"[/\\\x00-\x1f\x7f]|\.\.|^\.|^~|:")
MAX_NAME_CHARS = 150
REVIEW_TTL = 3600.0  # seconds an unpublished review is kept


class LibraryError(Exception):
    """An upload or change that cannot be made; the message is user-facing Chinese, nothing changed."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.status = status


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB" if size >= 1024 * 1024 else f"{size / 1024:.0f} KB"


def check_name(name: str) -> str:
    """The uploaded file name, refused when it holds path characters, is hidden or not a supported type."""
    if not isinstance(name, str) or not name.strip():
        raise LibraryError("缺少文件名，请重新选择文件。")
    name = name.strip()
    if _PATH_CHARS.search(name):
        raise LibraryError(f"文件名「{name}」含有路径字符（/、\\、..、: 或控制字符）或以“.”开头，"
                           "请改为普通文件名后再上传。")
    if len(name) > MAX_NAME_CHARS:
        raise LibraryError(f"文件名过长（{len(name)} 个字符），请控制在 {MAX_NAME_CHARS} 个字符以内。")
    suffix = Path(name).suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        shown = suffix or "（无扩展名）"
        raise LibraryError(f"不支持的文件格式「{shown}」：「{name}」未收录。请上传 {FORMATS} 文件。", status=415)
    return name


@dataclass
class Review:
    """A parsed upload waiting for publish or cancel: what the index would gain."""

    token: str
    original: str  # the name as uploaded
    file: str  # the name it gets in the corpus folder
    path: Path  # the staged copy
    size: int
    checksum: str
    user: str
    replaces: str | None  # doc_id of the document this one replaces
    replaces_file: str | None
    doc_id: str
    title: str
    report: dict  # report.DocumentReport.to_dict()
    units: list[Unit] = field(repr=False, default_factory=list)
    created: float = field(default_factory=time.time)

    def clauses(self) -> list[dict]:
        """Each clause as the editor checks it: label, title, lead and cooperating units, deadline."""
        out = []
        for unit in self.units:
            if unit.kind != "clause":
                continue
            out.append({"unit_id": unit.unit_id, "label": unit.label, "section": unit.section,
                        "title": unit.title or unit.text[:40], "lead_units": list(unit.lead_units),
                        "cooperating_units": list(unit.cooperating_units), "guiding_units": list(unit.guiding_units),
                        "deadline": unit.deadline, "targets": len(unit.targets)})
        return out

    def departments(self) -> list[str]:
        """Every department the document names with a role, in order of first mention."""
        names: dict[str, None] = {}
        for unit in self.units:
            for name in (unit.lead_units + unit.responsible_units + unit.cooperating_units + unit.guiding_units
                         + unit.national_units):
                names.setdefault(name, None)
        return list(names)

    def to_dict(self) -> dict:
        return {"token": self.token, "original": self.original, "file": self.file, "size": self.size,
                "checksum": self.checksum, "user": self.user, "replaces": self.replaces,
                "replaces_file": self.replaces_file, "doc_id": self.doc_id, "title": self.title,
                "report": self.report, "clauses": self.clauses(), "departments": self.departments(),
                "units": len(self.units)}


def _report_summary(entries: list[dict]) -> str:
    names = {f.name for f in DocumentReport.__dataclass_fields__.values()}
    return IngestionReport([DocumentReport(**{k: v for k, v in e.items() if k in names}) for e in entries]).summary()


class Library:
    """The corpus folder, the index built from it and the running assistant, changed together."""

    def __init__(self, settings: Settings, assistant=None, store=None, embedder=None):
        self.settings = settings
        self.assistant = assistant
        self._store = store
        self._embedder = embedder
        self._index = None  # without an assistant (CLI): the index loaded from disk
        # kept between publishes so that one costs the changed document, not the corpus: BM25 tokens by text
        # key, and the assistant's normalised vocabulary per document
        self._tokens: dict[str, list[str]] = {}
        self._vocabulary: dict[str, tuple[str, str]] = {}
        self._records: dict = {}  # each unit's JSON for the units file
        self._lock = threading.Lock()  # one publish at a time in this process (build_lock across processes)
        self._reviews: dict[str, Review] = {}
        self._checksums: dict[str, tuple[float, int, str]] = {}
        self.last_publish: dict = {}

    # ----------------------------------------------------------------------- state

    @property
    def corpus(self) -> Path:
        return Path(self.settings.corpus_dir)

    @property
    def history(self) -> Path:
        return self.corpus / HISTORY_DIR

    @property
    def store(self):
        if self._store is None:
            from .store import Store

            self._store = Store.from_settings(self.settings)
        return self._store

    @property
    def embedder(self):
        if self.assistant is not None:
            return self.assistant.index.embedder
        if self._embedder is None:
            from .embedding import load_build_embedder

            self._embedder = load_build_embedder(self.settings.model, self.settings.cache_dir, self.settings.query_prompt)
        return self._embedder

    def current_index(self):
        """The index answers come from: the running assistant's, else the one on disk (loaded or built
        once, before any lock is taken: see `publish`)."""
        if self.assistant is not None:
            return self.assistant.index
        if self._index is None:
            from .index import load_or_build

            self._index = load_or_build(self.settings, embedder=self.embedder)
            self._embedder = self._index.embedder
        return self._index

    def _file_checksum(self, path: Path) -> str:
        stat = path.stat()
        cached = self._checksums.get(str(path))
        if cached and cached[:2] == (stat.st_mtime, stat.st_size):
            return cached[2]
        digest = sha256_file(path)
        self._checksums[str(path)] = (stat.st_mtime, stat.st_size, digest)
        return digest

    def documents(self) -> list[dict]:
        """Every corpus file with its report entry and checksum (the tab's list and `GET` of the API)."""
        index = self.current_index()
        by_file = {e.get("file"): e for e in (index.report or {}).get("documents", [])}
        counts: dict[str, list[int]] = {}
        for unit in index.units:
            entry = counts.setdefault(unit.doc_id, [0, 0])
            entry[0] += 1
            entry[1] += unit.kind == "clause"
        out = []
        for path in corpus_files(self.corpus):
            entry = by_file.get(path.name, {})
            doc_id = entry.get("doc_id", "")
            units, clauses = counts.get(doc_id, (0, 0))
            out.append({"file": path.name, "doc_id": doc_id, "title": entry.get("title", ""),
                        "state": entry.get("state", "unindexed"),
                        "state_label": entry.get("state_label", "未索引（请重新扫描）"),
                        "units": units, "clauses": clauses, "size": path.stat().st_size,
                        "checksum": self._file_checksum(path), "warnings": entry.get("warnings", [])})
        return out

    # ----------------------------------------------------------------------- checks and the parse review

    def _find(self, doc: str) -> tuple[str, str]:
        """(doc_id, file) of a current document given its id, short name, title or file name."""
        index = self.current_index()
        ids = {doc} | {u.doc_id for u in index.units if doc in (u.doc_id, u.doc_short, u.doc_title)}
        for entry in (index.report or {}).get("documents", []):
            if entry.get("doc_id") and (entry.get("doc_id") in ids or doc in (entry.get("file"), entry.get("title"))):
                if (self.corpus / entry.get("file", "")).is_file():
                    return entry["doc_id"], entry["file"]
        raise LibraryError(f"未找到文件「{doc}」：它不在当前收录的文件中。", status=404)

    def _next_prefix(self) -> str:
        """The next free number prefix (005_…): ids of retired documents are never given again."""
        taken = [int(m.group(1)) for folder in (self.corpus, self.history) if folder.is_dir()
                 for p in folder.iterdir() if (m := re.match(r"^(?:\d{8}T\d{6}_)?(\d{3,})[_-]", p.name))]
        return f"{max(taken, default=-1) + 1:03d}"

    def _prefix_taken(self, file: str) -> bool:
        """Whether a file with this number prefix is in the corpus or its history (a publish raced this one)."""
        prefix = re.match(r"^(\d{3,})[_-]", file)
        if prefix is None:
            return False
        pattern = re.compile(rf"^(?:\d{{8}}T\d{{6}}_)?{prefix.group(1)}[_-]")
        return any(pattern.match(p.name) for folder in (self.corpus, self.history) if folder.is_dir()
                   for p in folder.iterdir())

    def _duplicate(self, checksum: str) -> str | None:
        for path in corpus_files(self.corpus):
            if self._file_checksum(path) == checksum:
                return path.name
        return None

    def check(self, name: str, size: int, checksum: str | None = None, replace: str | None = None) -> str:
        """Every check that needs no parsing; raises LibraryError with the reason. Returns the clean name."""
        name = check_name(name)
        limit = self.settings.max_upload_bytes
        if size > limit:
            raise LibraryError(f"文件「{name}」过大（{_megabytes(size)}），上限为 {_megabytes(limit)}；"
                               "请压缩图片或拆分后再上传。", status=413)
        if size == 0:
            raise LibraryError(f"文件「{name}」是空的（0 字节）。")
        if checksum is not None:
            same = self._duplicate(checksum)
            if same is not None:
                raise LibraryError(f"文件「{name}」与已收录的「{same}」内容完全相同（校验和一致），未重复收录。",
                                   status=409)
        return name

    def stage(self, name: str, data: bytes | Path, user: str = "", replace: str | None = None) -> Review:
        """Check and parse an upload into a review; the corpus and the index do not change."""
        size = Path(data).stat().st_size if isinstance(data, Path) else len(data)
        self.check(name, size)  # size before reading a large file
        if isinstance(data, Path):
            data = data.read_bytes()
        checksum = sha256_bytes(data)
        name = self.check(name, size, checksum, replace)
        replaces, replaces_file = self._find(replace) if replace else (None, None)
        suffix = Path(name).suffix.lower()
        stem = re.sub(r"^\d+[_-]", "", Path(name).stem).strip() or "document"
        if replaces_file:
            final = Path(replaces_file).stem + suffix
        else:
            final = f"{self._next_prefix()}_{stem}{suffix}"
            if (self.corpus / final).exists():
                raise LibraryError(f"语料目录中已有文件「{final}」，请改名后再上传。", status=409)
        self._expire_reviews()
        token = secrets.token_hex(16)
        folder = Path(self.settings.data_dir) / STAGING_DIR / token
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / final
        path.write_bytes(data)
        try:
            manifest = self._manifest().get(replaces_file or "", {}) if replaces_file else {}
            try:
                doc = load_document(path, manifest)
            except DocumentError as exc:
                raise LibraryError(f"文件「{name}」无法收录：{exc.reason}。") from None
            result = parse_document(doc)
            if result.state == "rejected":
                raise LibraryError(f"文件「{name}」无法收录：{result.reason}。")
            self._check_ids(result.units, replaces)
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise
        entry = document_report(result).to_dict()
        review = Review(token=token, original=name, file=final, path=path, size=size, checksum=checksum, user=user,
                        replaces=replaces, replaces_file=replaces_file, doc_id=doc.doc_id, title=doc.title,
                        report=entry, units=result.units)
        self._reviews[token] = review
        return review

    def _check_ids(self, units: list[Unit], replaces: str | None) -> None:
        """A new document must not share unit ids (its short name) with a current one it does not replace."""
        if not units:
            return
        current = {u.doc_short: u.doc_id for u in self.current_index().units if u.doc_id != replaces}
        short = units[0].doc_short
        if short in current:
            raise LibraryError(f"已收录同名文件（编号 {current[short]}，简称「{short}」）；"
                               "如为新版本，请选择“替换”该文件，或改名后上传。", status=409)

    def review(self, token: str) -> Review:
        review = self._reviews.get(token or "")
        if review is None:
            raise LibraryError("该上传已过期或已处理，请重新上传。", status=404)
        return review

    def cancel(self, token: str) -> None:
        review = self._reviews.pop(token or "", None)
        if review is not None:
            shutil.rmtree(review.path.parent, ignore_errors=True)

    def _expire_reviews(self) -> None:
        now = time.time()
        for token in [t for t, r in self._reviews.items() if now - r.created > REVIEW_TTL]:
            self.cancel(token)

    # ----------------------------------------------------------------------- publish, retire, rescan

    def _manifest(self) -> dict:
        path = self.corpus / MANIFEST_NAME
        try:
            data = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
        except (json.JSONDecodeError, UnicodeDecodeError):
            return {}
        return data if isinstance(data, dict) else {}

    def _write_manifest(self, data: dict) -> None:
        path = self.corpus / MANIFEST_NAME
        temp = path.with_name(f".{MANIFEST_NAME}.tmp")
        temp.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
        os.replace(temp, path)

    def _to_history(self, file: str, stamp: str) -> Path:
        self.history.mkdir(exist_ok=True)
        target = self.history / f"{stamp}_{file}"
        os.replace(self.corpus / file, target)
        return target

    def _rebuild(self, drop: str | None, new_units: list[Unit], new_entry: dict | None, drop_file: str | None):
        """The next index: the current one's units without document `drop`, plus `new_units`, in corpus
        file order; swapped into the running assistant. Raises before any swap on failure."""
        from .index import build_from_units

        index = self.current_index()
        entries = [e for e in (index.report or {}).get("documents", [])
                   if not (drop and e.get("doc_id") == drop) and e.get("file") != drop_file]
        if new_entry is not None:
            entries.append(new_entry)
        entries.sort(key=lambda e: e.get("file", ""))
        order = {e.get("doc_id"): i for i, e in enumerate(entries) if e.get("doc_id")}
        groups: dict[str, list[Unit]] = {}
        for unit in index.units:
            if unit.doc_id != drop:
                groups.setdefault(unit.doc_id, []).append(unit)
        if new_units:
            groups[new_units[0].doc_id] = list(new_units)
        units = [u for doc_id in sorted(groups, key=lambda d: (order.get(d, len(order)), d)) for u in groups[doc_id]]
        report = {"summary": _report_summary(entries), "documents": entries}
        errors = [e for e in index.errors if not (drop_file and drop_file in e)]
        new_index, stats = build_from_units(self.settings, units, report, self.embedder, index, errors,
                                            token_cache=self._tokens, record_cache=self._records)
        self._swap(new_index)
        return new_index, stats

    def _swap(self, new_index) -> None:
        """The running assistant answers from the new index from its next question on; a conversation's
        state (a session) is kept outside the assistant, so open conversations continue."""
        if self.assistant is None:
            self._index = new_index
            return
        from .chat import Assistant

        fresh = Assistant(self.assistant.settings, index=new_index, vocabulary=self.vocabulary(new_index.units))
        self.assistant.__dict__.update(fresh.__dict__)  # one C-level update: no question sees half of it

    def vocabulary(self, units: list[Unit]) -> str:
        """chat.corpus_vocabulary, normalised document by document and cached: only a changed document
        is normalised again."""
        from .chat import unit_vocabulary
        from .normalize import normalize

        texts: dict[str, list[str]] = {}
        for unit in units:
            texts.setdefault(unit.doc_id, []).append(unit_vocabulary(unit))
        cache, parts = {}, []
        for doc_id, pieces in texts.items():
            joined = " ".join(pieces)
            key = hashlib.sha256(joined.encode("utf-8")).hexdigest()
            hit = self._vocabulary.get(doc_id)
            cache[doc_id] = hit if hit and hit[0] == key else (key, normalize(joined))
            parts.append(cache[doc_id][1])
        self._vocabulary = cache
        return " ".join(parts)

    def publish(self, token: str, user: str = "") -> dict:
        """Move the reviewed file into the corpus, build and swap in the next index, log the change."""
        from .index import build_lock

        review = self.review(token)
        self.current_index()  # loaded (or built) before the lock: never while the corpus is mid-change
        with self._lock, build_lock(self.settings):
            started = time.perf_counter()
            same = self._duplicate(review.checksum)
            if same is not None:
                raise LibraryError(f"文件「{review.original}」与已收录的「{same}」内容完全相同，未重复收录。", status=409)
            self._check_ids(review.units, review.replaces)
            if not review.replaces and self._prefix_taken(review.file):
                raise LibraryError(f"编号 {review.doc_id} 已被刚发布的另一份文件占用：「{review.original}」未发布，"
                                   "请重新上传。", status=409)
            stamp = time.strftime("%Y%m%dT%H%M%S")
            moved: list[tuple[Path, Path]] = []  # (from, to), undone in reverse on failure
            manifest_before = self._manifest() if review.replaces_file else None
            try:
                history_file = None
                if review.replaces_file:
                    history_file = self._to_history(review.replaces_file, stamp)
                    moved.append((self.corpus / review.replaces_file, history_file))
                    if review.replaces_file in manifest_before and review.replaces_file != review.file:
                        manifest = dict(manifest_before)
                        manifest[review.file] = manifest.pop(review.replaces_file)
                        self._write_manifest(manifest)
                target = self.corpus / review.file
                if target.exists():
                    raise LibraryError(f"语料目录中已有文件「{review.file}」，请重新上传。", status=409)
                shutil.copy2(review.path, target)
                moved.append((review.path, target))
                entry = dict(review.report, file=review.file)
                new_index, stats = self._rebuild(review.replaces, review.units, entry, review.replaces_file)
            except BaseException as exc:
                for source, target in reversed(moved):
                    if source == review.path:
                        target.unlink(missing_ok=True)
                    else:
                        os.replace(target, source)
                if manifest_before is not None:
                    self._write_manifest(manifest_before)
                if isinstance(exc, LibraryError):
                    raise
                log.exception("publish of %s failed", review.file)
                raise LibraryError(f"发布失败，已恢复原状态（仍使用原索引）：{exc}", status=500) from exc
            seconds = time.perf_counter() - started
            action = "replace" if review.replaces else "add"
            change = self._record(user or review.user, action, review.doc_id, review.title, review.file,
                                  review.checksum, review.size, review.replaces_file or "",
                                  history_file.name if history_file else "",
                                  f"{len(review.units)} 个单元，嵌入 {stats['embedded']} 个，用时 {seconds:.1f} 秒")
        self.cancel(token)
        self.last_publish = {"seconds": seconds, **stats, "units": len(new_index.units)}
        return {"change": change, "doc_id": review.doc_id, "file": review.file, "title": review.title,
                "units": len(review.units), "seconds": round(seconds, 2), **stats}

    def add(self, name: str, data: bytes | Path, user: str = "", replace: str | None = None) -> dict:
        """Stage and publish in one step (API and CLI)."""
        review = self.stage(name, data, user, replace)
        try:
            return {**self.publish(review.token, user), "review": review.to_dict()}
        finally:
            self.cancel(review.token)

    def retire(self, doc: str, user: str = "") -> dict:
        """Remove a document from answers: its file moves to the history folder, the index drops its units."""
        from .index import build_lock

        self.current_index()
        with self._lock, build_lock(self.settings):
            doc_id, file = self._find(doc)
            if not file:
                raise LibraryError(f"文件「{doc}」不在语料目录中，无法停用。", status=404)
            entry = next((e for e in self.current_index().report.get("documents", []) if e.get("file") == file), {})
            checksum = self._file_checksum(self.corpus / file)
            size = (self.corpus / file).stat().st_size
            started = time.perf_counter()
            history_file = self._to_history(file, time.strftime("%Y%m%dT%H%M%S"))
            try:
                self._rebuild(doc_id, [], None, file)
            except BaseException as exc:
                os.replace(history_file, self.corpus / file)
                if isinstance(exc, LibraryError):
                    raise
                from .index import IndexBuildError

                if isinstance(exc, IndexBuildError):
                    raise LibraryError(str(exc), status=409) from exc
                log.exception("retire of %s failed", file)
                raise LibraryError(f"停用失败，已恢复原状态（仍使用原索引）：{exc}", status=500) from exc
            seconds = time.perf_counter() - started
            change = self._record(user, "retire", doc_id, entry.get("title", ""), file, checksum, size, file,
                                  history_file.name, f"用时 {seconds:.1f} 秒")
        return {"change": change, "doc_id": doc_id, "file": file, "history_file": history_file.name,
                "seconds": round(seconds, 2)}

    def _indexed_files(self) -> set[str]:
        """Files the serving index was built from: the running assistant's, else the report on disk."""
        from .index import REPORT

        if self.assistant is not None:
            return {e.get("file") for e in (self.assistant.index.report or {}).get("documents", [])}
        try:
            report = json.loads((Path(self.settings.index_dir) / REPORT).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return set()
        return {e.get("file") for e in report.get("documents", [])}

    def rescan(self, user: str = "") -> dict:
        """Pick up files added to (or removed from) the corpus folder by hand: an incremental full build
        (unchanged units keep their vectors), then the swap; new files are logged with their report."""
        from .index import build_index, build_lock

        with self._lock, build_lock(self.settings):
            before = self._indexed_files()
            started = time.perf_counter()
            index = build_index(self.settings, embedder=self.embedder)
            self._swap(index)
            found = [e for e in index.report.get("documents", []) if e.get("file") not in before]
            for entry in found:
                path = self.corpus / entry["file"]
                note = entry.get("reason") or "；".join(entry.get("warnings") or [])
                self._record(user, "scan", entry.get("doc_id", ""), entry.get("title", ""), entry["file"],
                             self._file_checksum(path), path.stat().st_size, "", "",
                             f"{entry.get('state_label', '')}" + (f"：{note}" if note else ""))
        return {"new_files": [e["file"] for e in found], "units": len(index.units),
                "seconds": round(time.perf_counter() - started, 2), "report": index.report}

    def follow(self) -> bool:
        """Load the index on disk when another process published (its fingerprint differs from the one
        this assistant serves); True when it swapped."""
        from .index import META, load_index

        if self.assistant is None or self._lock.locked():
            return False
        try:
            meta = json.loads((Path(self.settings.index_dir) / META).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return False  # mid-swap or missing: the next tick sees it
        if meta.get("fingerprint") in (None, self.assistant.index.fingerprint):
            return False
        with self._lock:
            try:
                index = load_index(self.settings, embedder=self.embedder)
            except Exception as exc:  # a half-visible build: keep serving, retry on the next tick
                log.warning("index published elsewhere not loaded yet (%s)", exc)
                return False
            self._swap(index)
        log.info("已载入其他进程发布的索引：%s 个单元", len(index.units))
        return True

    def start_following(self, interval: float) -> None:
        def loop() -> None:
            while True:
                time.sleep(interval)
                try:
                    self.follow()
                except Exception:  # never let the watcher die
                    log.exception("following the index failed")

        threading.Thread(target=loop, name="library-follow", daemon=True).start()

    # ----------------------------------------------------------------------- the change log

    def _record(self, user: str, action: str, doc_id: str, title: str, file: str, checksum: str, size: int,
                previous_file: str, history_file: str, detail: str) -> dict:
        row = {"id": secrets.token_hex(16), "at": time.time(), "actor": user or "", "action": action,
               "doc_id": doc_id or "", "title": title or "", "file": file, "checksum": checksum, "size": int(size),
               "previous_file": previous_file, "history_file": history_file, "detail": detail}
        try:
            with self.store.engine.begin() as conn:
                conn.execute(text("INSERT INTO document_changes (id, at, actor, action, doc_id, title, file, checksum,"
                                  " size, previous_file, history_file, detail) VALUES (:id, :at, :actor, :action,"
                                  " :doc_id, :title, :file, :checksum, :size, :previous_file, :history_file, :detail)"),
                             row)
        except Exception:  # the corpus already changed: never undo it for a log row, but say so loudly
            log.exception("document change not recorded: %s", row)
        log.info("文件变更：%s %s「%s」（%s）", user or "-", ACTIONS.get(action, action), file, checksum[:12])
        return row

    def changes(self, limit: int = 100) -> list[dict]:
        """The latest changes, newest first."""
        with self.store.engine.connect() as conn:
            rows = conn.execute(text("SELECT id, at, actor, action, doc_id, title, file, checksum, size, previous_file,"
                                     " history_file, detail FROM document_changes ORDER BY at DESC LIMIT :n"),
                                {"n": int(limit)}).mappings().all()
        return [dict(r, action_label=ACTIONS.get(r["action"], r["action"])) for r in rows]


def library_for(assistant, store=None, follow: float = 5.0) -> Library:
    """The one library of a running assistant, shared by the API and the page (one lock, one log); it
    follows publishes made by other processes (workers, replicas, the command line) every `follow` s."""
    library = assistant.__dict__.get("library")
    if library is None:
        library = Library(assistant.settings, assistant=assistant, store=store)
        assistant.__dict__["library"] = library
        if follow:
            library.start_following(follow)
    elif store is not None and library._store is None:
        library._store = store
    return library
