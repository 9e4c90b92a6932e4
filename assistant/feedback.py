"""Feedback: one judgement (👍/👎, optional reason) per answer, kept in the database, exported to Excel.

Judgements live in the store (`assistant/store.py`), keyed by the answer's id: clicking again changes
or withdraws it, and each write is one transaction, so a full or read-only disk leaves no half
record and the caller gets a Chinese message without server paths. An optional JSONL copy
(`PA_FEEDBACK`) is appended with one `write` per line and a newline guard: a torn tail left by a
failed write is cut back, or fenced off by a leading newline, so it never swallows the next record.
"""
from __future__ import annotations

import errno
import hashlib
import json
import os
import threading
import time
from pathlib import Path

_lock = threading.Lock()
_default_store = None  # the app's store, for callers that only know the legacy record() signature


class FeedbackError(RuntimeError):
    """A judgement could not be saved; the message is user-facing Chinese and names no path."""


def use_store(store) -> None:
    """Route `record()` to this store (set by the app at start-up)."""
    global _default_store
    _default_store = store


def _oserror_message(exc: OSError) -> str:
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return "反馈未能保存：存储空间已满，请联系管理员。"
    if exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        return "反馈未能保存：存储为只读或无写入权限，请联系管理员。"
    return "反馈未能保存：写入失败，请稍后再试。"


def entry_for(*, liked: bool | None, question: str, answer: dict, session_id: str = "", reason: str = "",
              answer_id: str = "", user: str = "") -> dict:
    citations = answer.get("citations") if isinstance(answer, dict) else None
    return {
        "time": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "answer_id": answer_id,
        "user": user,
        "liked": liked,
        "reason": reason,
        "session_id": session_id,
        "question": question,
        "answer": answer.get("answer", "") if isinstance(answer, dict) else "",
        "answered": answer.get("answered") if isinstance(answer, dict) else None,
        "intent": answer.get("intent") if isinstance(answer, dict) else None,
        "citations": [c.get("unit_id") for c in citations if isinstance(c, dict)] if isinstance(citations, list) else [],
    }


def append_jsonl(path: Path, entry: dict) -> None:
    """One whole line or nothing: a single write after a newline guard, cut back on failure."""
    line = (json.dumps(entry, ensure_ascii=False) + "\n").encode("utf-8")
    with _lock:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o644)
        except OSError as exc:
            raise FeedbackError(_oserror_message(exc)) from None
        try:
            size = os.fstat(fd).st_size
            if size:
                os.lseek(fd, size - 1, os.SEEK_SET)
                if os.read(fd, 1) != b"\n":
                    line = b"\n" + line  # an earlier torn write: fence it off
            try:
                written = os.write(fd, line)
                if written != len(line):
                    raise OSError(errno.ENOSPC, "short write")
                os.fsync(fd)
            except OSError as exc:
                try:
                    os.ftruncate(fd, size)
                except OSError:
                    pass  # the guard above protects the next record
                raise FeedbackError(_oserror_message(exc)) from None
        finally:
            os.close(fd)


def legacy_answer_id(session_id: str, question: str, answer: dict) -> str:
    """A stable id for an answer that came without one (the page): repeated clicks replace one judgement."""
    text = answer.get("answer", "") if isinstance(answer, dict) else ""
    digest = hashlib.sha256(json.dumps([session_id, question, text], ensure_ascii=False).encode("utf-8", "replace"))
    return digest.hexdigest()[:32]


def record(path: Path | None, *, liked: bool | None, question: str, answer: dict, session_id: str = "",
           reason: str = "", user: str = "", store=None) -> dict:
    """Save one judgement of an answer (legacy signature used by the page): in the store when there is
    one, and as a JSONL line when `path` is set. Raises FeedbackError with a Chinese message."""
    from .store import StoreError

    store = store or _default_store
    answer = answer if isinstance(answer, dict) else {}
    answer_id = str(answer.get("answer_id") or "") or legacy_answer_id(session_id, question, answer)
    entry = entry_for(liked=liked, question=question, answer=answer, session_id=session_id, reason=reason,
                      answer_id=answer_id, user=user)
    if store is not None:
        try:
            store.record_answer(session_id, user, question, answer, answer_id=answer_id)
            store.judge(answer_id, user, liked, reason)
        except StoreError as exc:
            raise FeedbackError(f"反馈未能保存：{exc}") from None
    if path is not None:
        append_jsonl(Path(path), entry)
    return entry


def read_all(path: Path) -> list[dict]:
    """Every complete line of a JSONL copy; a torn line is skipped, never merged with the next."""
    if not path.exists():
        return []
    entries = []
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        try:
            entries.append(json.loads(line))
        except json.JSONDecodeError:
            continue
    return entries


EXPORT_COLUMNS = [("time", "评价时间"), ("user", "用户"), ("liked", "评价"), ("reason", "理由"), ("question", "问题"),
                  ("answer", "回答"), ("answered", "已回答"), ("intent", "类型"), ("citations", "引用单元"),
                  ("session_id", "会话"), ("answer_id", "回答编号")]


def export_feedback(path: Path, settings=None, store=None) -> int:
    """Write every current judgement to an .xlsx sheet; returns the number of rows."""
    from openpyxl import Workbook

    from .config import Settings
    from .store import Store

    own = store is None
    store = store or Store.from_settings(settings or Settings())
    try:
        entries = store.feedback()
    finally:
        if own:
            store.close()
    book = Workbook()
    sheet = book.active
    sheet.title = "反馈"
    sheet.append([label for _, label in EXPORT_COLUMNS])
    for entry in entries:
        row = dict(entry)
        row["time"] = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(entry["time"]))
        row["liked"] = "👍 有用" if entry["liked"] else "👎 无用"
        row["answered"] = "是" if entry["answered"] else "否"
        row["citations"] = "、".join(c for c in entry["citations"] if c)
        sheet.append([_cell(row.get(key)) for key, _ in EXPORT_COLUMNS])
    for column, width in zip("ABCDEFGHIJK", (20, 10, 10, 30, 40, 80, 8, 10, 40, 34, 34)):
        sheet.column_dimensions[column].width = width
    sheet.freeze_panes = "A2"
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    return len(entries)


def _cell(value):
    """Text as Excel keeps it: no formula injection from user text, no control characters."""
    if value is None:
        return ""
    if isinstance(value, str):
        value = "".join(ch for ch in value if ch in "\t\n" or ord(ch) >= 32)
        if value[:1] in ("=", "+", "-", "@"):
            value = "'" + value
    return value


def add_cli(subparsers) -> None:
    """`python -m assistant feedback --export x.xlsx`: registered by assistant/__main__.py."""
    parser = subparsers.add_parser("feedback", help="export every judgement to an Excel sheet")
    parser.add_argument("--export", required=True, metavar="FILE.xlsx", help="the .xlsx file to write")
    parser.set_defaults(func=_cli_export)


def _cli_export(args) -> int:
    try:
        count = export_feedback(Path(args.export))
    except (FeedbackError, RuntimeError) as exc:
        print(f"导出失败：{exc}")
        return 1
    print(f"已导出 {count} 条反馈：{args.export}")
    return 0
