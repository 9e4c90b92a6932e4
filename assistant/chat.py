"""Chat: one conversation's state and the pipeline a question goes through. `Assistant.ask` is the entry point.

question → `understanding.understand` (asks and entities against the corpus catalog) → `plan.make_plan`
(scope, years, clauses, refusals, with the conversation's state) → `plan.execute` (a cited answer).
A `Session` is one user's conversation (per browser session or API session id, never global).
"""
from __future__ import annotations

import logging
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path

from . import generation
from .answer import Answer, answer_generated
from .catalog import Catalog
from .config import Settings
from .index import HybridIndex, load_or_build
from .normalize import normalize
from .plan import Context, DialogueState, execute, make_plan
from .retrieval import Retriever
from .understanding import understand
from .units import Unit

log = logging.getLogger(__name__)


class QuestionError(ValueError):
    """The question cannot be asked as it is (empty, too long); the message is user-facing Chinese."""


@dataclass
class Session:
    docs: list[str] | None = None  # a document filter chosen in the interface
    state: DialogueState = field(default_factory=DialogueState)
    history: list[tuple[str, str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def to_state(self) -> dict:
        """JSON-serialisable conversation state (for a database)."""
        return {"docs": self.docs, "state": self.state.to_dict(), "history": [list(h) for h in self.history]}

    @classmethod
    def from_state(cls, data: dict) -> "Session":
        return cls(docs=data.get("docs"), state=DialogueState.from_dict(data.get("state") or {}),
                   history=[tuple(h) for h in data.get("history") or []])


def unusable_documents(report: dict) -> list[tuple[list[str], str, str]]:
    """(names a question may use, file, reason) of every corpus file the ingestion report rejected: a question
    naming one is told so, instead of being answered from another document."""
    out = []
    for entry in report.get("documents", []):
        if entry.get("state") != "rejected":
            continue
        stem = re.sub(r"^\d+[_-]", "", Path(entry.get("file", "")).stem)
        names = [normalize(n) for n in (entry.get("title") or "", stem) if n and len(n) >= 4]
        if names:
            out.append((names, entry.get("file", ""), entry.get("reason") or "解析失败"))
    return out


def unit_vocabulary(unit: Unit) -> str:
    return unit.full_text + " " + " ".join(unit.lead_units + unit.responsible_units + unit.cooperating_units
                                           + unit.guiding_units + unit.national_units)


def corpus_vocabulary(units: list[Unit]) -> str:
    """Every word the corpus holds, normalised: a question's words are checked against it."""
    return normalize(" ".join(unit_vocabulary(u) for u in units))


def forget_missing(session: Session, docs: set[str], units: dict) -> bool:
    """A conversation can outlive a document (retired while it was open, library.py): what it leans on
    from documents and units the index no longer holds is dropped; True when it leaned only on those."""
    state = session.state
    leaned = bool(state.docs or session.docs)
    state.docs = [d for d in state.docs if d in docs]
    state.clauses = [u for u in state.clauses if u in units]
    state.listed = [u for u in state.listed if u in units]
    if session.docs:
        session.docs = [d for d in session.docs if d in docs] or None
    return leaned and not (state.docs or session.docs)


class Assistant:
    """The question-answering pipeline over one loaded index; thread-safe for many sessions."""

    def __init__(self, settings: Settings | None = None, index: HybridIndex | None = None,
                 vocabulary: str | None = None):
        self.settings = settings or Settings()
        self.index = index or load_or_build(self.settings)
        self.retriever = Retriever(self.index)
        self.units_by_id = {u.unit_id: u for u in self.index.units}
        self.catalog = getattr(self.index, "catalog", None) or Catalog.from_units(self.index.units)
        if vocabulary is None:  # library.py passes it, normalised per document and cached across publishes
            vocabulary = corpus_vocabulary(self.index.units)
        self.context = Context(units=self.index.units, catalog=self.catalog, retriever=self.retriever,
                               vocabulary=vocabulary)
        self.unusable = unusable_documents(getattr(self.index, "report", {}) or {})

    def validate(self, question: object) -> str:
        if not isinstance(question, str) or not question.strip():
            raise QuestionError("请输入问题。")
        question = question.strip()
        if len(question) > self.settings.max_question_chars:
            raise QuestionError(f"问题过长（{len(question)} 字），请控制在 {self.settings.max_question_chars} 字以内。")
        return question

    def ask(self, question: str, session: Session | None = None) -> Answer:
        session = session if session is not None else Session()
        try:
            question = self.validate(question)
        except QuestionError as exc:
            return Answer(answer=str(exc), answered=False, intent="invalid")
        named = next((entry for entry in self.unusable if any(name in normalize(question) for name in entry[0])), None)
        if named is not None:
            return Answer(answer=f"文件「{named[1]}」未能使用（{named[2]}），无法据此回答；请联系管理员检查该文件。\n\n"
                                 f"{self.context.coverage()}", answered=False, intent="refusal")
        with session.lock:
            if forget_missing(session, {d.doc_id for d in self.catalog.docs}, self.units_by_id):
                session.state = DialogueState()
                return Answer(answer="此前对话涉及的文件已停用，文件中没有可据以回答的内容；请重新提问并指明文件。\n\n"
                                     f"{self.context.coverage()}", answered=False, intent="refusal")
            understood = understand(question, self.catalog, self.context.vocabulary)
            plan = make_plan(understood, session.state, self.context, doc_filter=session.docs)
            result, state = execute(plan, session.state, self.context)
            result = self._phrase(plan, result)
            session.state = state
            session.history.append((question, result.answer))
        return result

    def search_terms(self, question: str, session: Session | None = None) -> tuple[str, list[str]]:
        """(text, documents) that retrieval searches for this question: its topic within the documents it names."""
        session = session if session is not None else Session()
        understood = understand(question, self.catalog, self.context.vocabulary)
        plan = make_plan(understood, session.state, self.context, doc_filter=session.docs)
        return understood.topic or understood.text, plan.docs

    def ranked(self, question: str, session: Session | None = None, k: int = 10, mode: str = "fused") -> list[Unit]:
        """The units retrieval (`mode`: fused, bm25 or dense) ranks for a question at this point of a
        conversation (call before asking it): what recall@k is measured on, whether or not the answer needs
        the search."""
        text, docs = self.search_terms(question, session)
        return [hit.unit for hit in self.retriever.search(text, k=k, docs=docs or None, mode=mode)]

    def _phrase(self, plan, result: Answer) -> Answer:
        """Open answers may be phrased by an optional LLM from the cited units only; extractive otherwise."""
        if result.intent != "open" or not result.answered or not (self.settings.llm_base_url and self.settings.llm_model):
            return result
        cited = [self.units_by_id[c.unit_id] for c in result.citations]
        given = cited + [self.units_by_id[i] for i in result.retrieved if i in self.units_by_id
                         and self.units_by_id[i].kind != "header" and self.units_by_id[i] not in cited]
        given = given[:5]
        try:
            text, used = generation.phrase(plan.question.text, given, base_url=self.settings.llm_base_url,
                                           model=self.settings.llm_model, api_key=self.settings.llm_api_key,
                                           timeout=self.settings.llm_timeout)
            return answer_generated(text, used, result.retrieved)
        except generation.GenerationError as exc:
            log.warning("%s; answering extractively", exc)
            return result


def document_list(units: list[Unit]) -> list[dict]:
    """One entry per document: ids, title and header facts, with unit counts; for listings and filters."""
    docs: dict[str, dict] = {}
    for unit in units:
        entry = docs.setdefault(unit.doc_id, {"id": unit.doc_id, "doc_id": unit.doc_short, "title": unit.doc_title,
                                              "facts": {}, "units": 0, "clauses": 0})
        entry["units"] += 1
        entry["clauses"] += unit.kind == "clause"
        if unit.kind == "header":
            entry["facts"] = dict(unit.facts)
    return [docs[key] for key in sorted(docs)]


def resolve_doc_filter(names: list[str] | None, units: list[Unit]) -> list[str] | None:
    """Internal doc ids for names given as id ("000"), short name ("pudong-2023") or title."""
    if not names:
        return None
    known = {key: entry["id"] for entry in document_list(units) for key in (entry["id"], entry["doc_id"], entry["title"])}
    unknown = [name for name in names if name not in known]
    if unknown:
        raise QuestionError(f"未知的文件：{'、'.join(map(str, unknown))}。可用的文件编号见 /api/documents。")
    return sorted({known[name] for name in names})
