"""Chat: resolve a question against the conversation, then answer it. `Assistant.ask` is the entry point.

A `Session` is one user's conversation (per browser session or API session id, never global): it
remembers the last document, clause, intent and question so that "那2025年呢？", "它的完成时限呢？",
"第二条是谁牵头？" and "普陀的呢？" resolve against what was just discussed.
"""
from __future__ import annotations

import logging
import re
import threading
import uuid
from collections import OrderedDict
from dataclasses import dataclass, field

from . import answer as compose
from . import generation
from .answer import Answer, Query
from .config import Settings
from .index import HybridIndex, load_or_build
from .normalize import CN_DIGITS, cn_to_int, to_simplified, tokenize
from .retrieval import Hit, Retriever
from .units import Unit

log = logging.getLogger(__name__)


class QuestionError(ValueError):
    """The question cannot be asked as it is (empty, too long); the message is user-facing Chinese."""


@dataclass
class Session:
    docs: list[str] | None = None  # a document filter chosen in the interface
    last_query: Query | None = None
    last_clause: Unit | None = None
    history: list[tuple[str, str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)


# --------------------------------------------------------------------------- recognisers

DOC_ALIASES = [
    (re.compile(r"浦东"), "region", "浦东新区"),
    (re.compile(r"普陀"), "region", "普陀区"),
    (re.compile(r"XX新区|xx新区|某新区"), "region", "XX新区"),
    (re.compile(r"共建|市政府|市人民政府.*国家知识产权局|国家知识产权局.*共建|强市.*工作要点|沪府办"), "doc", "001"),
    (re.compile(r"行政保护|实施方案|沪知局保"), "doc", "004"),
]
OTHER_REGIONS = re.compile(
    r"(闵行|徐汇|黄浦|静安|杨浦|虹口|长宁|宝山|嘉定|金山|松江|青浦|奉贤|崇明|临港|北京|天津|重庆|深圳|广州|杭州|南京|苏州|"
    r"江苏|浙江|安徽|广东|全国)"
)
YEAR = re.compile(r"(20\d{2})\s*年?")
CLAUSE_REF = re.compile(rf"第\s*([{CN_DIGITS}]+|\d+)\s*条")
PRONOUN = re.compile(r"^(那|那么)?(它|这条|该条|这项|该项|这个任务|这一条|上一条|那条|其)")
FOLLOW_UP = re.compile(r"(呢|那)[？?]?$|^那")

INTENT_WORDS = [
    ("meta", re.compile(r"文号|(?<!老)字号|发文|单位发|谁发|发的|印发|成文|主送|抄送|几份|多少份|份数|落款|发布日期|发布时间|哪天发|签发|发布机关")),
    ("list", re.compile(r"哪些(任务|工作|条|事项|项)|(任务|工作|事项)有哪些|牵头了哪些|负责哪些|列出|所有.*任务|全部.*任务|几项|多少项")),
    ("deadline", re.compile(r"时限|截止|期限|什么时候|何时|完成时间|哪天前|报送|几月|完成日期|多久")),
    ("target", re.compile(r"目标|指标|多少|达到|数量|拥有量|金额|比例|比率|增长率|申请量|案件量|登记量|覆盖率|分别是")),
    ("lead", re.compile(r"谁|哪个部门|哪些部门|哪家|哪个单位|哪些单位|牵头|负责|责任单位|责任部门|主管|归口|哪个处")),
]
OFF_TOPIC_GENERIC = set("知识产权 上海 上海市 工作 目标 任务 部门 文件 要点 方案 负责 牵头 单位 多少 年 哪些 情况 有关 内容 "
                        "安排 规定 要求 政策 新区 区 市 国家 今天 明天 现在 怎么样 什么样 为什么 是不是 有没有 什么时候".split())


def detect_docs(text: str, index: HybridIndex) -> list[str]:
    """Documents a question names by region, year or title words."""
    docs: set[str] = set()
    years = {int(y) for y in YEAR.findall(text)}
    for pattern, kind, value in DOC_ALIASES:
        if not pattern.search(text):
            continue
        if kind == "doc":
            docs.add(value)
            continue
        candidates = [u for u in index.units if u.kind == "header" and value in (u.doc_title + u.text)[:200]
                      and not re.search(r"共建|行政保护", u.doc_title)]
        dated = [u for u in candidates if years & {int(y) for y in YEAR.findall(u.doc_title)}]
        docs.update(u.doc_id for u in (dated or candidates))
    return sorted(docs)


def detect_intent(text: str) -> str | None:
    for intent, pattern in INTENT_WORDS:
        if pattern.search(text):
            return intent
    return None


def known_departments(index: HybridIndex) -> list[str]:
    names = {d for u in index.units for d in u.lead_units + u.national_units}
    return sorted(names, key=len, reverse=True)


class Assistant:
    """The question-answering pipeline over one loaded index; thread-safe for many sessions."""

    def __init__(self, settings: Settings | None = None, index: HybridIndex | None = None):
        self.settings = settings or Settings()
        self.index = index or load_or_build(self.settings)
        self.retriever = Retriever(self.index)
        self.departments = known_departments(self.index)
        self.units_by_id = {u.unit_id: u for u in self.index.units}
        self.coverage = self._coverage()
        self.vocabulary = to_simplified(" ".join(u.full_text + " " + " ".join(u.lead_units + u.national_units)
                                                 for u in self.index.units)).lower()

    def _coverage(self) -> str:
        titles = sorted({(u.doc_id, u.doc_title) for u in self.index.units})
        return "目前可查询的文件：" + "；".join(f"《{title}》" for _, title in titles) + "。"

    # ----------------------------------------------------------------------- validation

    def validate(self, question: object) -> str:
        if not isinstance(question, str) or not question.strip():
            raise QuestionError("请输入问题。")
        question = question.strip()
        if len(question) > self.settings.max_question_chars:
            raise QuestionError(f"问题过长（{len(question)} 字），请控制在 {self.settings.max_question_chars} 字以内。")
        return question

    # ----------------------------------------------------------------------- resolution

    def _missing_doc(self, text: str, docs: list[str], years: list[int]) -> str:
        """'浦东新区2024年' when the question names a region's document for a year the corpus lacks."""
        if not docs or not years or not re.search(r"工作要点|文号|文件|方案", text):
            return ""
        titles = [u.doc_title for u in self.index.units if u.kind == "header" and u.doc_id in docs]
        if any(str(y) in title for y in years for title in titles):
            return ""
        region = next((value for pattern, kind, value in DOC_ALIASES if kind == "region" and pattern.search(text)), "")
        return f"{region}{years[0]}年" if region else ""

    def resolve(self, question: str, session: Session) -> Query:
        text = to_simplified(question)
        previous = session.last_query
        docs = detect_docs(text, self.index)
        intent = detect_intent(text)
        years = [int(y) for y in YEAR.findall(text)]
        query = Query(text=text, intent=intent or "open", docs=docs, years=years)
        query.missing_doc = self._missing_doc(text, docs, years)
        if m := OTHER_REGIONS.search(text):
            query.foreign_region = m.group(1)
        query.compare = bool(re.search(r"各区|分别|比较|对比|哪个区|各文件|各个", text))
        query.department = next((d for d in self.departments if d in text), "")
        query.deadline_filter = next((d for d in ("持续推进",) if d in text), "") or (
            m.group(0) if (m := re.search(r"20\d{2}年\d{1,2}月底", text)) else "")

        clause_ref = CLAUSE_REF.search(text)
        if clause_ref:
            scope = docs or (previous.docs if previous else []) or (
                [session.last_clause.doc_id] if session.last_clause else [])
            number = cn_to_int(clause_ref.group(1))
            query.clause = next((u for u in self.index.units if u.kind == "clause" and u.number == number
                                 and (not scope or u.doc_id in scope)), None)
            follows = previous is not None and FOLLOW_UP.search(text) and previous.intent != "meta"
            query.intent = intent or (previous.intent if follows else "open")
        elif session.last_clause is not None and (PRONOUN.search(text) or (len(text) <= 8 and not docs)):
            query.clause = session.last_clause
            query.intent = intent or (previous.intent if previous else "open")
        elif previous is not None and (FOLLOW_UP.search(text) and len(text) <= 16):
            # a short follow-up: keep what was asked, replace what this turn names (year, document)
            base = previous.text
            if years:
                base = YEAR.sub("", base)
            if docs:
                for pattern, _, _ in DOC_ALIASES:
                    base = pattern.sub("", base)
            query.text = f"{base} {text}"
            query.turn_text = text
            query.intent = intent if intent and intent not in ("target",) else previous.intent
            query.docs = docs or previous.docs
            query.years = years or ([] if docs else previous.years)
            query.department = query.department or previous.department
            query.compare = previous.compare and not docs
            if not docs and not years and previous.intent in ("lead", "deadline") and session.last_clause:
                query.clause = session.last_clause
        if query.intent == "list" and not (query.department or query.deadline_filter):
            query.intent = "lead" if re.search(r"谁|部门|单位", text) and not re.search(r"哪些(任务|工作)", text) else "open"
        if session.docs and not query.docs:
            query.docs = list(session.docs)
        return query

    # ----------------------------------------------------------------------- answering

    @staticmethod
    def _content_words(text: str) -> list[str]:
        return [t for t in tokenize(text) if t not in OFF_TOPIC_GENERIC and len(t) > 1 and not YEAR.fullmatch(t)]

    def _unrelated(self, query: Query, hits) -> bool:
        """The corpus does not cover the question: few of its content words occur in the best units, or
        its specific term (a whole word of three or more characters, "个人所得税") occurs nowhere at all
        while the rest only half matches."""
        words = self._content_words(query.text)
        if not words:
            return not hits
        pool = " ".join(h.unit.full_text + " ".join(h.unit.lead_units) for h in hits[:5]).lower()
        coverage = sum(w in pool for w in words) / len(words)
        unknown = [w for w in tokenize(query.text, whole_words=True)
                   if len(w) >= 3 and w not in OFF_TOPIC_GENERIC and w not in self.vocabulary]
        return coverage < 0.4 or (bool(unknown) and coverage < 0.6)

    def ask(self, question: str, session: Session | None = None) -> Answer:
        session = session if session is not None else Session()
        try:
            question = self.validate(question)
        except QuestionError as exc:
            return Answer(answer=str(exc), answered=False, intent="invalid")
        with session.lock:
            query = self.resolve(question, session)
            result = self._answer(query)
            session.last_query = query
            cited = [self.units_by_id[c.unit_id] for c in result.citations]
            if cited and cited[0].kind == "clause":
                session.last_clause = cited[0]
            session.history.append((question, result.answer))
        return result

    def _answer(self, query: Query) -> Answer:
        docs = query.docs or None
        hits = self.retriever.search(query.text, k=8, docs=docs)
        retrieved = [h.unit.unit_id for h in hits]
        coverage = self.coverage
        if query.missing_doc:
            return compose.not_found(query.intent, f"文件中没有{query.missing_doc}的文件。", retrieved, coverage)
        if query.foreign_region and not query.docs:
            return compose.not_found(query.intent, f"文件中没有关于{query.foreign_region}的内容。", retrieved, coverage)
        future = [y for y in query.years if y > 2025 or y < 2023]
        if future:
            return compose.not_found(query.intent, f"文件中没有涉及{future[0]}年的内容。", retrieved, coverage)
        if query.clause is None and query.intent != "meta" and not query.department and not self._content_words(query.text):
            return compose.not_found(query.intent, "请说明想了解的具体事项，例如哪项任务、哪个指标或哪份文件。", retrieved, coverage)
        if query.clause is not None:
            if query.intent == "deadline":
                return compose.answer_deadline(query, [query.clause], retrieved)
            if query.intent in ("lead", "list"):
                return compose.answer_lead(query, [query.clause], retrieved)
            return compose.answer_open(query, [Hit(query.clause, 1.0)], retrieved)
        if query.intent == "meta":
            headers = [u for u in self.index.units if u.kind == "header" and (not docs or u.doc_id in docs)]
            if not docs:
                headers = [h.unit for h in hits if h.unit.kind == "header"][:1] or headers
            return compose.answer_meta(query, headers, retrieved, coverage)
        if query.intent == "list" and (query.department or query.deadline_filter):
            return compose.answer_list(query, self.index.units, retrieved, coverage)
        if query.intent == "target" or (query.compare and query.intent != "lead"):
            result = compose.answer_target(query, self.index.units, retrieved, coverage)
            if result.answered or query.intent == "target":
                return result
        if self._unrelated(query, hits):
            return compose.not_found(query.intent, "抱歉，文件中未找到与该问题相关的内容。", retrieved, coverage)
        if query.intent == "deadline":
            header = next((h.unit for h in hits[:3] if h.unit.kind == "header"
                           and h.unit.facts.get("reporting_deadlines")), None)
            if header is not None or re.search(r"报送|总结|工作计划", query.text):
                header = header or next((u for u in self.index.units if u.kind == "header"
                                         and u.facts.get("reporting_deadlines")), None)
                if header is not None:
                    return compose.answer_notice_deadlines(header, retrieved)
        if query.intent in ("lead", "deadline", "list"):
            clauses = compose.best_clauses(hits, several_docs=not query.docs)
            if clauses:
                answer = compose.answer_deadline if query.intent == "deadline" else compose.answer_lead
                return answer(query, clauses, retrieved)
        top = [h for h in hits if h.unit.kind != "header"][:3]
        if not top:
            return compose.not_found("open", "抱歉，文件中未找到与该问题相关的内容。", retrieved, coverage)
        if self.settings.llm_base_url and self.settings.llm_model:
            try:
                given = [h.unit for h in hits if h.unit.kind != "header"][:5]
                text, used = generation.phrase(query.text, given, base_url=self.settings.llm_base_url,
                                               model=self.settings.llm_model, api_key=self.settings.llm_api_key,
                                               timeout=self.settings.llm_timeout)
                return compose.answer_generated(text, used, retrieved)
            except generation.GenerationError as exc:
                log.warning("%s; answering extractively", exc)
        return compose.answer_open(query, top, retrieved)


class SessionStore:
    """Conversations by id for the HTTP API and the web page, least recently used dropped beyond a bound."""

    def __init__(self, max_sessions: int = 2000):
        self.max_sessions = max_sessions
        self._sessions: OrderedDict[str, Session] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, session_id: str | None) -> tuple[str, Session]:
        session_id = session_id or uuid.uuid4().hex
        with self._lock:
            session = self._sessions.pop(session_id, None) or Session()
            self._sessions[session_id] = session
            while len(self._sessions) > self.max_sessions:
                self._sessions.popitem(last=False)
        return session_id, session

    def drop(self, session_id: str) -> None:
        with self._lock:
            self._sessions.pop(session_id, None)

    def __len__(self) -> int:
        return len(self._sessions)


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
