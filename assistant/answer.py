"""Answers: the answer object every interface returns, and the pieces answers are written from.

Every fact in an answer comes from a unit's parsed fields or is quoted from its text, and every
answer cites the units it used; when nothing fits, the answer says so and why (answered=False).
"""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field

from .units import Unit


@dataclass
class Citation:
    n: int
    doc_id: str
    doc_title: str
    unit_id: str
    label: str
    section: str
    text: str
    lead_units: list[str] = field(default_factory=list)
    deadline: str = ""


@dataclass
class Answer:
    answer: str
    answered: bool
    intent: str
    citations: list[Citation] = field(default_factory=list)
    retrieved: list[str] = field(default_factory=list)  # unit ids the answer's search ranked; [] if none ran

    def to_dict(self) -> dict:
        return asdict(self)


class Composer:
    """Collects cited units while an answer is written, numbering them in order of first use."""

    def __init__(self) -> None:
        self.units: list[Unit] = []
        self._numbers: dict[str, list[tuple[Unit, int]]] = {}  # by unit_id: equal units share it

    def cite(self, unit: Unit) -> str:
        """The unit's citation number (a new one at its first use). Looked up by unit_id first: comparing a
        unit with every unit cited so far (dataclass equality, field by field) made long lists slow."""
        bucket = self._numbers.setdefault(unit.unit_id, [])
        for known, number in bucket:
            if known is unit or known == unit:
                return f"[{number}]"
        self.units.append(unit)
        bucket.append((unit, len(self.units)))
        return f"[{len(self.units)}]"

    def citations(self) -> list[Citation]:
        return [Citation(n=i, doc_id=u.doc_short, doc_title=u.doc_title, unit_id=u.unit_id, label=u.label,
                         section=u.section, text=u.full_text, lead_units=list(u.lead_units), deadline=u.deadline)
                for i, u in enumerate(self.units, 1)]


def where(unit: Unit) -> str:
    """《title》第N条“clause title”: how an answer names the unit it cites."""
    label = f"{unit.label}“{unit.title}”" if unit.kind == "clause" and unit.title else unit.label
    return f"《{unit.doc_title}》{label}"


def refusal(intent: str, reason: str, retrieved: list[str], coverage: str = "") -> Answer:
    """A plain statement that the documents do not say, with the reason; never a citation."""
    text = reason if not coverage else f"{reason}\n\n{coverage}"
    return Answer(answer=text, answered=False, intent=intent, retrieved=retrieved)


def _bigrams(text: str) -> set[str]:
    text = re.sub(r"[\s（）()“”\"%]", "", text.lower())
    return {text[i:i + 2] for i in range(len(text) - 1)}


def overlap(a: str, b: str) -> float:
    """Share of `a`'s character bigrams found in `b`."""
    wanted = _bigrams(a)
    return len(wanted & _bigrams(b)) / len(wanted) if wanted else 0.0


def excerpt(unit: Unit, query_text: str, limit: int = 160) -> str:
    """The sentences of a unit that share the most words with the question, quoted."""
    sentences = [s for s in re.split(r"(?<=[。；])", unit.body) if s.strip()]
    if unit.kind == "clause" and len(sentences) > 1:
        sentences = sentences[1:]
    wanted = _bigrams(query_text)
    ranked = sorted(sentences, key=lambda s: -len(_bigrams(s) & wanted))[:3]
    text = "".join(s for s in sentences if s in ranked) if ranked else unit.text
    text = re.sub(r"^\d+\s*[、.．]\s*", "", text.strip())
    return text if len(text) <= limit else text[:limit] + "……"


def answer_generated(text: str, units: list[Unit], retrieved: list[str]) -> Answer:
    """An LLM's phrasing (citations already checked against `units`), marked as such for the reader."""
    composer = Composer()
    for unit in units:
        composer.cite(unit)
    return Answer(answer=f"{text}\n\n（以上由语言模型依据所引条款组织语言，请以条款原文为准。）", answered=True,
                  intent="open", citations=composer.citations(), retrieved=retrieved)
