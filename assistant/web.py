"""Web chat (Gradio 6): the staff-facing page, one conversation per browser tab, past ones in a side bar.

Everything shown is escaped here before Gradio renders it: the chatbot renders markdown and HTML,
and a clause or a question containing `<script>` or `<img onerror>` must appear as text. Answers are
rendered to HTML here (one block, no blank lines, so the markdown renderer passes it through): `[n]`
markers become buttons that open the cited clause in a side panel (assistant/static/chat.js), each
answer carries its own action bar (copy, 👍, 👎 with a reason) and long lists fold after ten items.
"""
from __future__ import annotations

import html
import json
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

from . import feedback
from .answer import overlap
from .chat import Assistant, document_list
from .examples import KIND_LABELS, generate
from .gradio_loader import gr
from .web_eval import evaluation_tab
from .web_library import library_tab

STATIC = Path(__file__).resolve().parent / "static"
KIND_NAMES = {"header": "文件头", "goals": "目标", "clause": "条款", "section": "章节"}
LIST_VISIBLE = 10  # list items shown before "展开全部"
SOURCES_VISIBLE = 5  # sources shown before "展开全部来源"
EXAMPLES_PER_DOC = 2
EXAMPLE_DOCS = 8  # documents with example cards (the first ones in catalog order)
CONVERSATIONS_KEPT = 30  # entries in the side bar (kept in the browser)
GRADIO_STRINGS = {"common": {"complete": "已完成", "error": "出错"}}  # added to Gradio's own zh-CN translation
HIGHLIGHT_MIN = 0.5  # share of a sentence's bigrams found in the answer for it to be highlighted

# The styles go twice: as Gradio's `css` (scoped under its container: specific enough to beat its own
# rules inside the page) and as a <style> in <head> (reaches the citation panel, appended to <body>,
# and the page's outer padding in media queries, which the scoped copy misses).
CSS = (STATIC / "chat.css").read_text(encoding="utf-8")
HEAD = f"<style>{CSS}</style><script>{(STATIC / 'chat.js').read_text(encoding='utf-8')}</script>"


def theme():
    """A calm blue theme; fonts are local or the system's (nothing fetched from the internet)."""
    return gr.themes.Default(primary_hue="blue", neutral_hue="slate",
                             font=[gr.themes.LocalFont("Source Sans Pro"), "PingFang SC", "Microsoft YaHei",
                                   "Noto Sans CJK SC", "system-ui", "sans-serif"])


def escape(text: str) -> str:
    """HTML-escape text shown in the page."""
    return html.escape(str(text), quote=True)


def _attr(text: str) -> str:
    """Text for an attribute value on one source line (newlines as character references)."""
    return escape(text).replace("\n", "&#10;")


# --------------------------------------------------------------------------- rendering answers

@dataclass
class Lookup:
    """What rendering needs from the corpus: short document names and the units by id (for roles)."""

    short: dict[str, str] = field(default_factory=dict)  # full title → short name ("浦东2023要点")
    units: dict = field(default_factory=dict)  # unit_id → Unit

    @classmethod
    def of(cls, assistant: Assistant) -> "Lookup":
        return cls(short=short_names(assistant.catalog), units=assistant.units_by_id)

    def name(self, title: str) -> str:
        return self.short.get(title) or title


def short_names(catalog) -> dict[str, str]:
    """Full title → the catalog's short display name of each document (falls back to the title)."""
    return {d.title: (d.display or d.title) for d in catalog.docs if d.title}


def _inline(text: str, citations: dict[int, dict], lookup: Lookup) -> str:
    """One escaped line: **bold**, 《full title》 shortened with the title on hover, [n] as a marker."""
    out = escape(text)
    for title in sorted({c.get("doc_title", "") for c in citations.values()} | set(lookup.short), key=len, reverse=True):
        if not title or lookup.name(title) == title:
            continue
        out = out.replace(f"《{escape(title)}》", f'《<span class="doc-name" title="{escape(title)}">'
                                                  f'{escape(lookup.name(title))}</span>》')
    out = re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", out)

    def marker(match: re.Match) -> str:
        n = int(match.group(1))
        cited = citations.get(n)
        if cited is None:
            return match.group(0)
        hint = f"{lookup.name(cited.get('doc_title', ''))} {cited.get('label', '')}：点击查看原文"
        return f'<button type="button" class="cite" title="{escape(hint)}">{n}</button>'

    return re.sub(r"\[(\d+)\]", marker, out)


ITEM = re.compile(r"^(?:[-*•]\s+|(\d+)\.\s+)")


def answer_html(text: str, citations: list[dict], lookup: Lookup | None = None) -> str:
    """The answer's markdown subset (paragraphs, "- " and "1. " lists, **bold**) as HTML; lists longer
    than LIST_VISIBLE items fold the rest under "展开全部"."""
    lookup = lookup or Lookup()
    by_n = {int(c.get("n", 0)): c for c in citations}
    blocks: list[str] = []
    items: list[str] = []
    kind = ["ul"]

    def close_list() -> None:
        if not items:
            return
        tag = kind[0]
        if len(items) == 1 and tag == "ul":  # one item reads as a sentence, not a list
            blocks.append(f"<p>{items[0]}</p>")
            items.clear()
            return
        shown, rest = items[:LIST_VISIBLE], items[LIST_VISIBLE:]
        block = f"<{tag}>{''.join(f'<li>{i}</li>' for i in shown)}</{tag}>"
        if rest:
            start = f' start="{LIST_VISIBLE + 1}"' if tag == "ol" else ""
            block += (f'<details class="more"><summary>展开全部（共 {len(items)} 项，另有 {len(rest)} 项）</summary>'
                      f'<{tag}{start}>{"".join(f"<li>{i}</li>" for i in rest)}</{tag}></details>')
        blocks.append(block)
        items.clear()

    for line in text.split("\n"):
        stripped = line.strip()
        item = ITEM.match(stripped)
        if item:
            tag = "ol" if item.group(1) else "ul"
            if items and tag != kind[0]:
                close_list()
            kind[0] = tag
            items.append(_inline(stripped[item.end():], by_n, lookup))
            continue
        close_list()
        if stripped:
            blocks.append(f"<p>{_inline(stripped, by_n, lookup)}</p>")
    close_list()
    return "".join(blocks)


def _sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[。；;！？\n])", text) if s.strip()]


def highlighted(clause: str, used: str) -> str:
    """The clause text escaped, with the sentences the answer used marked (<mark>)."""
    parts = _sentences(clause)
    scores = [overlap(s, used) for s in parts]
    best = max(scores, default=0)
    chosen = {i for i, score in enumerate(scores) if score >= HIGHLIGHT_MIN or (score == best and best >= 0.2)}
    out = []
    for i, sentence in enumerate(parts):
        body = escape(sentence).replace("\n", "<br>")
        out.append(f'<mark class="used">{body}</mark>' if i in chosen else body)
    return "".join(out)


def _roles(citation: dict, lookup: Lookup) -> list[tuple[str, str]]:
    unit = lookup.units.get(citation.get("unit_id", ""))
    rows = [("牵头/责任", citation.get("lead_units") or (list(unit.lead_units) if unit else []))]
    if unit is not None:
        rows += [("配合", unit.cooperating_units), ("指导", unit.guiding_units), ("国家层面", unit.national_units)]
    return [(label, "、".join(names)) for label, names in rows if names]


def _used_text(answer: str, n: int) -> str:
    """The answer lines that cite [n] (what the highlighted sentences were used for)."""
    lines = [line for line in answer.split("\n") if f"[{n}]" in line]
    return "\n".join(lines) or answer


def browse_link(citation: dict, lookup: Lookup) -> str:
    """Deep link into 文件浏览 at the cited unit (relative: works under a proxy's sub-path)."""
    unit = lookup.units.get(citation.get("unit_id", ""))
    doc = unit.doc_id if unit is not None else citation.get("doc_id", "")
    return "?" + urlencode({"doc": doc, "unit": citation.get("unit_id", "")}) + "#browse"


def render_source(citation: dict, lookup: Lookup | None = None, answer: str = "") -> str:
    """One numbered source: a summary line (short name, clause, section, roles, deadline) that expands to
    the clause text, and the hidden detail the citation panel shows."""
    lookup = lookup or Lookup()
    n = citation.get("n", 0)
    title = citation.get("doc_title", "")
    parts = [f"{lookup.name(title)} {citation.get('label', '')}"]
    if citation.get("section"):
        parts.append(citation["section"])
    if citation.get("lead_units"):
        parts.append("牵头/责任：" + "、".join(citation["lead_units"]))
    if citation.get("deadline"):
        parts.append("时限：" + citation["deadline"])
    clause = escape(citation.get("text", "")).replace("\n", "<br>")
    roles = "".join(f"<div><span class='k'>{escape(k)}</span>{escape(v)}</div>" for k, v in _roles(citation, lookup))
    deadline = (f"<div><span class='k'>完成时限</span>{escape(citation['deadline'])}</div>"
                if citation.get("deadline") else "")
    section = f"<div><span class='k'>所在位置</span>{escape(citation['section'])}</div>" if citation.get("section") else ""
    detail = (f'<div class="cite-detail cd-{int(n)}">'
              f'<div class="cd-head"><span class="cd-n">{n}</span><span class="cd-doc" title="{escape(title)}">'
              f'{escape(lookup.name(title))}</span> <span class="cd-label">{escape(citation.get("label", ""))}</span></div>'
              f'<div class="cd-title">《{escape(title)}》</div>'
              f'<div class="cd-facts">{section}{roles}{deadline}</div>'
              f'<div class="cd-text">{highlighted(citation.get("text", ""), _used_text(answer, n))}</div>'
              f'<a class="cd-link" href="{escape(browse_link(citation, lookup))}">在文件浏览中查看此条</a></div>')
    return (f'<details class="source"><summary><span class="src-n">{n}</span>'
            f'<span title="{escape(title)}">{escape(" · ".join(parts))}</span></summary>'
            f'<div class="clause">{clause}</div></details>{detail}')


def copy_text(result: dict, lookup: Lookup | None = None) -> str:
    """What the copy button gives: the answer as plain text, then the sources as a numbered list."""
    lookup = lookup or Lookup()
    text = re.sub(r"\*\*(.+?)\*\*", r"\1", result.get("answer", "")).strip()
    sources = []
    for c in result.get("citations") or []:
        where = " ".join(x for x in (c.get("label", ""), c.get("section", "")) if x)
        sources.append(f"[{c.get('n')}] 《{c.get('doc_title', '')}》 {where}".rstrip())
    return text + ("\n\n来源：\n" + "\n".join(sources) if sources else "")


def render_answer(result: dict, lookup: Lookup | None = None, answer_id: str = "") -> str:
    """The answer, its numbered sources (each expandable, each a citation-panel entry) and its action bar."""
    lookup = lookup or Lookup()
    citations = result.get("citations") or []
    parts = [f'<div class="answer">{answer_html(result.get("answer", ""), citations, lookup)}</div>']
    if citations:
        rendered = [render_source(c, lookup, result.get("answer", "")) for c in citations]
        sources = "".join(rendered[:SOURCES_VISIBLE])
        if len(rendered) > SOURCES_VISIBLE:
            sources += (f'<details class="more"><summary>展开全部来源（共 {len(rendered)} 条）</summary>'
                        f'{"".join(rendered[SOURCES_VISIBLE:])}</details>')
        parts.append(f'<div class="sources"><div class="sources-title">来源（{len(citations)}）</div>{sources}</div>')
    if answer_id:
        # Gradio's sanitizer drops data-* attributes: the answer id travels as a class, the copy text as a title
        parts.append(f'<div class="actions aid-{escape(answer_id)}">'
                     f'<span class="copy-text" title="{_attr(copy_text(result, lookup))}"></span>'
                     '<button type="button" class="act copy" title="复制回答和来源（纯文本）">复制</button>'
                     '<button type="button" class="act up" title="这个回答有用">有用</button>'
                     '<button type="button" class="act down" title="这个回答有问题">无用</button></div>')
    return f'<div class="reply">{"".join(parts)}</div>'


def render_question(question: str) -> str:
    return escape(question)


def stream_chunks(text: str):
    """Answer text revealed line by line, as it would arrive from a generator."""
    lines = text.split("\n")
    for end in range(1, len(lines) + 1):
        yield "\n".join(lines[:end])


# --------------------------------------------------------------------------- the page's fixed parts

def header_html(docs: list[dict], limit: int = 500) -> str:
    return (f'<div class="app-header" data-limit="{int(limit)}"><div class="brand"><span class="logo">政</span><span class="name">政策问答助手</span>'
            f'<span class="count">已收录 {len(docs)} 份文件</span></div>'
            '<div class="scope">可回答：牵头和责任单位、完成时限、指标目标、任务清单、文号和发文单位等文件信息，'
            '每个回答都注明出处条款；不回答文件以外的内容，不作政策解读或预测。</div></div>')


def example_cards(examples, lookup: Lookup, names: dict[str, str]) -> str:
    """Example questions as cards, grouped per document; a click sends the question at once (chat.js)."""
    per_doc: dict[str, list] = {}
    for example in examples:
        per_doc.setdefault(example.doc_id, []).append(example)
    kinds = list(KIND_LABELS)
    shown: dict[str, int] = {}
    cards = []
    for doc_id, items in list(per_doc.items())[:EXAMPLE_DOCS]:
        # each document shows the kinds of question shown least so far, so that every kind appears
        items = sorted(items, key=lambda e: (shown.get(e.kind, 0), kinds.index(e.kind) if e.kind in kinds else 99))
        items = items[:EXAMPLES_PER_DOC]
        for example in items:
            shown[example.kind] = shown.get(example.kind, 0) + 1
        for example in items:
            cards.append(f'<button type="button" class="example" data-q="{escape(example.question)}">'
                         f'<span class="ex-kind">示例：{escape(example.label)} · {escape(names.get(doc_id, doc_id))}</span>'
                         f'<span class="ex-q">{escape(example.question)}</span></button>')
    if not cards:
        return '<div class="welcome"><p>请在下方输入问题。</p></div>'
    return ('<div class="welcome"><p class="welcome-title">可以这样问（点击即发送）：</p>'
            f'<div class="examples">{"".join(cards)}</div></div>')


# --------------------------------------------------------------------------- document browser

def _kinds(doc: dict) -> str:
    kinds = doc.get("units_by_kind") or {}
    return "、".join(f"{KIND_NAMES.get(k, k)} {n}" for k, n in kinds.items()) or "无"


def _owners(doc: dict) -> str:
    clauses = doc.get("clauses") or 0
    if not clauses:
        return "—"
    return f"{doc.get('clauses_with_owner', 0)}/{clauses}（{round(100 * doc.get('owner_share', 0))}%）"


def _state(doc: dict) -> str:
    label = doc.get("state_label") or doc.get("state", "")
    return f"{label}：{doc['reason']}" if doc.get("reason") else label


def render_report(report: dict) -> str:
    """The ingestion report as a table: every corpus file, rejected ones included, with its state and counts."""
    documents = report.get("documents") or []
    if not documents:
        return '<p class="report-summary">没有文件解析报告（索引中未保存）。</p>'
    problem = any(d.get("state") != "ok" for d in documents)
    rows = []
    for doc in documents:
        cells = [doc.get("file", ""), doc.get("title", ""), _state(doc), _kinds(doc), _owners(doc),
                 str(doc.get("targets", 0)), str(len(doc.get("facts") or [])), "；".join(doc.get("warnings") or []) or "—"]
        tds = "".join(f'<td class="{name}">{escape(cell)}</td>' for name, cell in
                      zip(("file", "title", "state", "kinds", "owners", "targets", "facts", "warnings"), cells))
        rows.append(f'<tr class="{escape(doc.get("state", ""))}">{tds}</tr>')
    head = "".join(f"<th>{h}</th>" for h in ("文件", "标题", "状态", "单元（按类型）", "有责任单位的条款",
                                              "目标", "文件头要素", "警告"))
    return (f'<p class="report-summary{" problem" if problem else ""}">{escape(report.get("summary", ""))}</p>'
            f'<table class="report" id="ingestion-report"><thead><tr>{head}</tr></thead>'
            f'<tbody>{"".join(rows)}</tbody></table>')


def render_report_entry(doc: dict) -> str:
    """One file's part of the ingestion report, shown above its units in the document view."""
    items = [("状态", _state(doc)), ("文件", doc.get("file", "")), ("识别的标题", doc.get("title") or "无"),
             ("单元", _kinds(doc)), ("有责任单位的条款", _owners(doc)), ("目标", str(doc.get("targets", 0))),
             ("文件头要素", "、".join(doc.get("facts") or []) or "无")]
    items += [("警告", warning) for warning in doc.get("warnings") or []]
    lis = "".join(f"<li>{escape(label)}：{escape(value)}</li>" for label, value in items)
    return f'<div class="doc-report" data-state="{escape(doc.get("state", ""))}"><h4>解析报告</h4><ul>{lis}</ul></div>'


def render_document(entry: dict, units, target: str = "") -> str:
    """One document unit by unit; the unit `target` (a deep link's) is open and marked."""
    facts = entry.get("facts", {})
    rows = [(label, facts.get(key)) for key, label in (("doc_number", "文号"), ("issuers", "发文机关"),
                                                      ("issue_date", "成文日期"), ("addressees", "主送"))]
    head = "".join(f"<li>{escape(label)}：{escape('、'.join(v) if isinstance(v, list) else str(v))}</li>"
                   for label, v in rows if v)
    items = []
    for unit in units:
        summary = unit.label + (f"“{unit.title}”" if unit.title else "")
        extra = ("、".join(unit.lead_units) if unit.lead_units else "") + (f"；{unit.deadline}" if unit.deadline else "")
        if extra:
            summary += f"（{extra}）"
        here = unit.unit_id == target
        items.append(f'<details class="source{" target" if here else ""}" data-unit="{escape(unit.unit_id)}"'
                     f'{" open" if here else ""}><summary>{escape(summary)}</summary>'
                     f'<div class="clause">{escape(unit.full_text)}</div></details>')
    report = render_report_entry(entry["report"]) if entry.get("report") else ""
    return (f"<h3>{escape(entry['title'])}</h3><ul>{head}</ul>{report}"
            f"<p>共 {entry['units']} 个可引用单元，其中条款 {entry['clauses']} 条。</p>" + "".join(items))


def browser_entries(units, report: dict) -> list[dict]:
    """Documents to browse: every indexed document with its report entry, then files without units
    (rejected) with their report only, keyed "file:<name>"."""
    reported = report.get("documents") or []
    by_id: dict[str, dict] = {}
    for doc in reported:
        if doc.get("doc_id"):
            by_id.setdefault(doc["doc_id"], doc)
    entries = []
    for entry in document_list(units):
        entries.append(dict(entry, report=by_id.get(entry["id"])))
    indexed = {e["id"] for e in entries}
    for doc in reported:
        if doc.get("doc_id") not in indexed:
            entries.append({"id": f"file:{doc.get('file', '')}", "title": doc.get("file", ""),
                            "report": doc, "units": 0, "clauses": 0, "facts": {}})
    return entries


def render_entry(entry: dict | None, units, target: str = "") -> str:
    if entry is None:
        return "<p>请选择一份文件。</p>"
    if entry["id"].startswith("file:"):
        return (f"<h3>{escape(entry['title'])}</h3>{render_report_entry(entry['report'])}"
                "<p>此文件没有可引用单元，问答不会使用它。</p>")
    return render_document(entry, [u for u in units if u.doc_id == entry["id"]], target)


@dataclass
class CorpusView:
    """What the page lists of one corpus state: the header's documents, the filter's and 文件浏览's choices,
    the ingestion report and the rendering lookup."""

    units: list
    docs: list[dict]
    names: dict[str, str]
    choices: list[tuple[str, str]]
    report: dict
    entries: list[dict]
    browse: list[tuple[str, str]]
    lookup: Lookup

    @classmethod
    def of(cls, assistant: Assistant) -> "CorpusView":
        units = assistant.index.units
        docs = document_list(units)
        names = {d.doc_id: (d.display or d.title) for d in assistant.catalog.docs}
        choices = [(f"{names.get(d['id']) or d['title']}（{d['title']}）" if names.get(d["id"]) != d["title"]
                    else d["title"], d["id"]) for d in docs]
        report = getattr(assistant.index, "report", None) or {}
        entries = browser_entries(units, report)
        browse = [(("" if (e.get("report") or {}).get("state", "ok") == "ok"
                    else f"〔{e['report'].get('state_label', '')}〕") + e["title"], e["id"]) for e in entries]
        return cls(units, docs, names, choices, report, entries, browse, Lookup.of(assistant))

    def entry(self, doc_id: str | None) -> dict | None:
        return next((e for e in self.entries if e["id"] == doc_id), None)

    def render(self, doc_id: str | None, target: str = "") -> str:
        return render_entry(self.entry(doc_id), self.units, target)


# --------------------------------------------------------------------------- conversations (side bar)

def conversation_choices(saved: list | None) -> list[tuple[str, str]]:
    return [(item.get("title") or "（未命名）", item["id"]) for item in saved or [] if isinstance(item, dict)
            and item.get("id")]


def remember(saved: list | None, session_id: str, question: str) -> list[dict]:
    """The browser's list of conversations with this one first, named by its first question."""
    saved = [item for item in saved or [] if isinstance(item, dict) and item.get("id")]
    existing = next((item for item in saved if item["id"] == session_id), None)
    title = existing["title"] if existing else (question if len(question) <= 24 else question[:24] + "…")
    rest = [item for item in saved if item["id"] != session_id]
    return ([{"id": session_id, "title": title, "time": time.time()}] + rest)[:CONVERSATIONS_KEPT]


def _turns(store, session_id: str, user: str) -> list[dict]:
    """The stored turns of a conversation (question, answer, answer id), oldest first."""
    if store is None or not hasattr(store, "turns"):
        return []
    try:
        return store.turns(session_id, user)
    except Exception:  # noqa: BLE001 - a database failure shows an empty conversation, never an error page
        return []


# --------------------------------------------------------------------------- the page

def create_web(assistant: Assistant, sessions) -> gr.Blocks:
    """The page; `sessions` keeps conversations (store.PageSessions: get/save/drop by id and user)."""
    settings = assistant.settings
    limit = settings.max_question_chars
    store = getattr(sessions, "store", None)
    shown: dict = {}

    def corpus() -> CorpusView:
        """The corpus as the page shows it, rebuilt when 文件管理 publishes or retires a document (the
        library swaps the assistant's index and catalog; the page follows at its next load, no restart)."""
        key = (id(assistant.index), id(assistant.catalog))
        if shown.get("key") != key:
            shown.update(key=key, view=CorpusView.of(assistant))
        return shown["view"]

    first = corpus()
    welcome = example_cards(generate(assistant.catalog, assistant.index.units), first.lookup, first.names)

    def user_of(request) -> str:
        return getattr(request, "username", None) or ""

    def save_turn(session_id: str, session, question: str, result: dict, user: str) -> str:
        """The conversation and the answer in the store; the answer id ("" when the database fails)."""
        if store is not None and hasattr(store, "save_turn"):
            try:
                return store.save_turn(session_id, user, session, question, result, kind="page")
            except Exception:  # noqa: BLE001 - the conversation goes on in memory
                pass
        sessions.save(session_id, session, user)
        return ""

    def respond(message: str, history: list, state: dict | None, doc_filter: list[str] | None, saved: list | None,
                request: gr.Request = None):
        message = (message or "").strip()
        keep = gr.update()
        if not message:  # an empty question sends nothing
            yield history, state, keep, saved, gr.update()
            return
        if len(message) > limit:  # the text stays in the box to be shortened
            gr.Warning(f"问题过长（{len(message)} 字），请控制在 {limit} 字以内。", title="提示")
            yield history, state, keep, saved, gr.update()
            return
        user = user_of(request)
        state = dict(state or {})
        session_id, session = sessions.get(state.get("session_id"), user)
        state["session_id"] = session_id
        session.docs = list(doc_filter) if doc_filter else None
        history = list(history or []) + [{"role": "user", "content": render_question(message)},
                                         {"role": "assistant", "content": '<p class="pending">正在检索文件……</p>'}]
        yield history, state, "", saved, gr.update()
        try:
            result = assistant.ask(message, session).to_dict()
        except Exception as exc:  # noqa: BLE001 - the question goes back into the box
            history[-1] = {"role": "assistant", "content": f'<p class="error">出错了：{escape(exc)}。问题已放回输入框，可稍后重试。</p>'}
            yield history, state, message, saved, gr.update()
            return
        answer_id = save_turn(session_id, session, message, result, user)
        lookup = corpus().lookup
        for partial in stream_chunks(result["answer"]):
            history[-1] = {"role": "assistant", "content": f'<div class="reply">{answer_html(partial, [], lookup)}</div>'}
            yield history, state, "", saved, gr.update()
        history[-1] = {"role": "assistant", "content": render_answer(result, lookup, answer_id)}
        saved = remember(saved, session_id, message)
        yield history, state, "", saved, gr.update(choices=conversation_choices(saved), value=session_id)

    def new_conversation():
        """Clear = 新对话: the next question starts a new conversation (the old one stays in the list)."""
        return [], {"session_id": None}, "", gr.update(value=None)

    def open_conversation(session_id: str | None, saved: list | None, request: gr.Request = None):
        if not session_id:
            return gr.update(), gr.update()
        user = user_of(request)
        turns = _turns(store, session_id, user)
        if not turns:
            gr.Warning("该对话已过期或无法读取。", title="提示")
            return gr.update(), gr.update()
        sessions.get(session_id, user)  # the dialogue state, for follow-up questions
        lookup = corpus().lookup
        history = []
        for turn in turns:
            history += [{"role": "user", "content": render_question(turn["question"])},
                        {"role": "assistant", "content": render_answer(turn["answer"], lookup, turn["answer_id"])}]
        return history, {"session_id": session_id}

    def on_action(raw: str, state: dict | None, request: gr.Request = None) -> str:
        """A judgement from an answer's action bar: {"answer_id", "liked": true|false|null, "reason"}."""
        try:
            action = json.loads(raw or "{}")
        except json.JSONDecodeError:
            return ""
        answer_id = str(action.get("answer_id") or "")
        liked = action.get("liked")
        if not answer_id or liked not in (True, False, None):
            return ""
        user = user_of(request)
        row = store.answer(answer_id) if store is not None else None
        if row is None or row.get("user", "") != user:
            gr.Warning("未找到该回答，无法评价。", title="提示")
            return ""
        try:
            feedback.record(settings.feedback_path, liked=liked, question=row["question"],
                            answer={**row["answer"], "answer_id": answer_id}, session_id=row["session_id"],
                            reason=str(action.get("reason") or "")[:2000], user=user, store=store)
        except feedback.FeedbackError as exc:
            gr.Warning(str(exc), title="提示")
            return ""
        gr.Info("已撤销评价。" if liked is None else "已记录您的反馈，谢谢！", title="提示")
        return ""

    def corpus_outputs(doc_filter: list | None, doc_id: str | None, unit: str = "") -> tuple:
        """The filter, 文件浏览's picker and document, the header and the report from the current corpus
        (a document published or retired since the page was built is in or out); the filter keeps the
        documents still there, 文件浏览 the chosen one if it is still there."""
        view = corpus()
        known = {value for _, value in view.choices}
        if view.entry(doc_id) is None:
            doc_id, unit = (view.browse[0][1] if view.browse else None), ""
        return (gr.update(choices=view.choices, value=[d for d in doc_filter or [] if d in known]),
                gr.update(choices=view.browse, value=doc_id), view.render(doc_id, unit), header_html(view.docs, limit),
                render_report(view.report))

    def on_load(saved: list | None, doc_filter: list | None, request: gr.Request):
        """Side bar from the browser's list, the document lists from the current corpus; a deep link
        (?doc=…&unit=…) opens 文件浏览 at that unit."""
        params = dict(request.query_params) if request is not None else {}
        doc, unit = params.get("doc", ""), params.get("unit", "")
        linked = corpus().entry(doc) is not None
        return ((gr.update(choices=conversation_choices(saved)), gr.update(selected="browse") if linked else gr.update())
                + corpus_outputs(doc_filter, doc if linked else None, unit))

    def refresh_lists(doc_filter: list | None, doc_id: str | None) -> tuple:
        """After a publish, retire or rescan in this page: the filter, 文件浏览 and the header follow."""
        return corpus_outputs(doc_filter, doc_id)

    def show_document(doc_id: str | None) -> str:
        return corpus().render(doc_id)

    with gr.Blocks(title="政策问答助手", fill_height=True) as demo:
        saved = gr.BrowserState([], storage_key="pa-conversations")
        state = gr.State({"session_id": None})
        with gr.Sidebar(label="对话记录", open=True, elem_id="sidebar", width=260):
            new_button = gr.Button("＋ 新对话", elem_id="new-conversation", variant="secondary")
            doc_filter = gr.Dropdown(choices=first.choices, multiselect=True, value=[], label="限定文件（不选为全部文件）",
                                     elem_id="doc-filter")
            conversations = gr.Radio(choices=[], label="历史对话", elem_id="conversations", container=False)
            gr.HTML('<p class="sidebar-note">对话记录保存在服务器上，列表保存在本浏览器中。</p>')
        header = gr.HTML(header_html(first.docs, limit), elem_id="app-header")
        with gr.Tabs(elem_id="tabs") as tabs:
            with gr.Tab("问答", id="chat-tab", elem_id="chat-tab"):
                chatbot = gr.Chatbot(show_label=False, elem_id="chat", sanitize_html=True, allow_tags=False,
                                     render_markdown=True, autoscroll=False, buttons=[], feedback_options=[],
                                     height="100%", min_height=280, placeholder=welcome, line_breaks=False,
                                     group_consecutive_messages=False)
                with gr.Row(elem_id="composer", equal_height=True):
                    box = gr.Textbox(placeholder="输入问题，回车发送", label="问题",
                                     show_label=False, scale=8, lines=1, max_lines=5, elem_id="question",
                                     container=False)
                    send = gr.Button("发送", variant="primary", scale=1, min_width=72, elem_id="send")
                action = gr.Textbox(visible="hidden", elem_id="action", label="评价")
                action_go = gr.Button("提交评价", visible="hidden", elem_id="action-go")
            with gr.Tab("文件浏览", id="browse", elem_id="browse-tab"):
                report = gr.HTML(render_report(first.report), elem_id="report")
                picker = gr.Dropdown(choices=first.browse, label="选择文件",
                                     value=first.browse[0][1] if first.browse else None, elem_id="doc-picker")
                page = gr.HTML(first.render(first.browse[0][1]) if first.browse else "", elem_id="doc-view")
                picker.input(show_document, [picker], [page], api_visibility="private", show_progress="hidden")
            evaluation_tab(assistant, settings)
            changes = library_tab(assistant, demo, getattr(sessions, "store", None))  # 文件管理 (editors)
        outputs = [chatbot, state, box, saved, conversations]
        for event in (box.submit, send.click):
            event(respond, [box, chatbot, state, doc_filter, saved], outputs,
                  concurrency_limit=settings.concurrency_limit, show_progress="hidden", api_visibility="private")
        for event in (new_button.click, chatbot.clear):
            event(new_conversation, None, [chatbot, state, box, conversations], api_visibility="private", show_progress="hidden")
        conversations.input(open_conversation, [conversations, saved], [chatbot, state], api_visibility="private",
                            show_progress="hidden")
        action_go.click(on_action, [action, state], [action], api_visibility="private", show_progress="hidden")
        listed = [doc_filter, picker, page, header, report]
        demo.load(on_load, [saved, doc_filter], [conversations, tabs] + listed, api_visibility="private",
                  show_progress="hidden")
        for change in changes:  # the editor's own page follows a publish or retire at once
            change.then(refresh_lists, [doc_filter, picker], listed, api_visibility="private", show_progress="hidden")
    # Gradio's zh-CN strings lack a few keys its screen-reader announcer uses (shown as "common.complete")
    demo.i18n_instance = gr.I18n(**{locale: GRADIO_STRINGS for locale in ("zh-CN", "zh")})
    demo.queue(default_concurrency_limit=settings.concurrency_limit, max_size=settings.max_queue)
    return demo
