"""Feedback: likes and dislikes from the chat, appended to a JSONL file that survives restarts.

Each line is one judgement with the question, the answer and its citations, so that a reviewer can
turn a dislike into a gold item. Writes are serialised and fsync'ed: a crash loses at most the line
being written, never an earlier one.
"""
from __future__ import annotations

import json
import os
import threading
import time
from pathlib import Path

_lock = threading.Lock()


def record(path: Path, *, liked: bool, question: str, answer: dict, session_id: str = "") -> dict:
    entry = {
        "time": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "liked": liked,
        "session_id": session_id,
        "question": question,
        "answer": answer.get("answer", ""),
        "answered": answer.get("answered"),
        "intent": answer.get("intent"),
        "citations": [c.get("unit_id") for c in answer.get("citations", [])],
    }
    line = json.dumps(entry, ensure_ascii=False) + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    with _lock, open(path, "a", encoding="utf-8") as handle:
        handle.write(line)
        handle.flush()
        os.fsync(handle.fileno())
    return entry


def read_all(path: Path) -> list[dict]:
    """Every complete line; a torn last line (crash mid-write) is skipped."""
    if not path.exists():
        return []
    entries = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            entries.append(json.loads(line))
        except json.JSONDecodeError:
            continue
    return entries
