"""Grading by the rules of GOLD_FORMAT.md: pure functions over one gold item and one answer object."""
from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path


def load_gold(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def normalise(text: str) -> str:
    """NFKC, no white space, lower-case Latin letters."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text or "")).lower()


@dataclass
class Grade:
    answer_ok: bool
    citation_ok: bool
    problems: list[str]

    @property
    def strict_ok(self) -> bool:
        return self.answer_ok and self.citation_ok


def grade(item: dict, answer: dict) -> Grade:
    problems: list[str] = []
    text = normalise(answer.get("answer", ""))
    cited = [normalise(c.get("text", "")) for c in answer.get("citations", [])]
    if item["type"] == "refuse":
        answer_ok = answer.get("answered") is False
        if not answer_ok:
            problems.append("expected a refusal (answered=false)")
        citation_ok = not cited
        if not citation_ok:
            problems.append("a refusal must cite nothing")
        return Grade(answer_ok, citation_ok, problems)
    answer_ok = answer.get("answered") is True
    if not answer_ok:
        problems.append("answered=false")
    for wanted in item.get("answer", []):
        if normalise(wanted) not in text:
            answer_ok = False
            problems.append(f"missing answer text {wanted!r}")
    for group in item.get("any_of", []):
        if not any(normalise(option) in text for option in group):
            answer_ok = False
            problems.append(f"none of {group!r}")
    for banned in item.get("must_not", []):
        if normalise(banned) in text:
            answer_ok = False
            problems.append(f"must_not text {banned!r} present")
    citation_ok = True
    for snippet in item.get("cite", []):
        if not any(normalise(snippet) in unit for unit in cited):
            citation_ok = False
            problems.append(f"no cited unit contains {snippet!r}")
    return Grade(answer_ok, citation_ok, problems)


def recall_at(item: dict, retrieved_texts: list[str], k: int) -> float | None:
    """Share of the item's cite snippets found inside the top-k retrieved units (None for refusals)."""
    snippets = item.get("cite", [])
    if not snippets:
        return None
    top = [normalise(t) for t in retrieved_texts[:k]]
    return sum(any(normalise(s) in t for t in top) for s in snippets) / len(snippets)


def reciprocal_rank(item: dict, retrieved_texts: list[str]) -> float | None:
    snippets = item.get("cite", [])
    if not snippets:
        return None
    for rank, text in enumerate(retrieved_texts, 1):
        if any(normalise(s) in normalise(text) for s in snippets):
            return 1.0 / rank
    return 0.0
