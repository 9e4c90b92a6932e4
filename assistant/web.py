"""Web chat (Gradio 6): the staff-facing page, one conversation per browser session.

Everything shown is escaped here before Gradio renders it: the chatbot renders markdown and HTML,
and a clause or a question containing `<script>` or `<img onerror>` must appear as text.
"""
from __future__ import annotations

import html
import time

import gradio as gr

from . import feedback
from .chat import Assistant, document_list
from .examples import by_kind, generate
from .web_eval import evaluation_tab
from .web_library import library_tab

EXAMPLES_PER_PAGE = 5
KIND_NAMES = {"header": "文件头", "goals": "目标", "clause": "条款", "section": "章节"}

CSS = """
.source { margin: 0.25em 0; }
.source summary { cursor: pointer; }
.clause { white-space: pre-wrap; padding: 0.4em 0.8em; border-left: 3px solid #9ca3af; margin: 0.3em 0; }
.report { border-collapse: collapse; font-size: 0.9em; width: 100%; }
.report th, .report td { border: 1px solid #d1d5db; padding: 0.25em 0.5em; text-align: left; vertical-align: top; }
.report tr.partial td.state { color: #b45309; font-weight: bold; }
.report tr.rejected td.state { color: #b91c1c; font-weight: bold; }
.report-summary.problem { color: #b91c1c; font-weight: bold; }
"""


def escape(text: str) -> str:
    """HTML-escape text shown in the page; markdown emphasis (**) still renders."""
    return html.escape(text, quote=True)


def render_source(citation: dict) -> str:
    parts = [f"[{citation['n']}] 《{citation['doc_title']}》 {citation['label']}"]
    if citation.get("section"):
        parts.append(citation["section"])
    if citation.get("lead_units"):
        parts.append("牵头/责任：" + "、".join(citation["lead_units"]))
    if citation.get("deadline"):
        parts.append("时限：" + citation["deadline"])
    clause = escape(citation["text"]).replace("\n", "<br>")
    return (f'<details class="source"><summary>{escape(" · ".join(parts))}</summary>'
            f'<div class="clause">{clause}</div></details>')


def render_answer(result: dict) -> str:
    """Answer markdown followed by its numbered sources, each expandable to the full clause text."""
    body = escape(result["answer"])
    if not result.get("citations"):
        return body
    sources = "\n".join(render_source(c) for c in result["citations"])
    return f"{body}\n\n**来源**\n\n{sources}"


def stream_chunks(text: str):
    """Answer text revealed line by line, as it would arrive from a generator."""
    lines = text.split("\n")
    for end in range(1, len(lines) + 1):
        yield "\n".join(lines[:end])


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


def render_document(entry: dict, units) -> str:
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
        items.append(f'<details class="source"><summary>{escape(summary)}</summary>'
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


def render_entry(entry: dict | None, units) -> str:
    if entry is None:
        return "<p>请选择一份文件。</p>"
    if entry["id"].startswith("file:"):
        return (f"<h3>{escape(entry['title'])}</h3>{render_report_entry(entry['report'])}"
                "<p>此文件没有可引用单元，问答不会使用它。</p>")
    return render_document(entry, [u for u in units if u.doc_id == entry["id"]])


def create_web(assistant: Assistant, sessions) -> gr.Blocks:
    """The page; `sessions` keeps conversations (store.PageSessions: get/save/drop by id and user)."""
    settings = assistant.settings
    docs = document_list(assistant.index.units)
    choices = [(f"{d['title']}", d["id"]) for d in docs]
    report = getattr(assistant.index, "report", None) or {}
    entries = browser_entries(assistant.index.units, report)
    browse_choices = [(("" if (e.get("report") or {}).get("state", "ok") == "ok"
                        else f"〔{e['report'].get('state_label', '')}〕") + e["title"], e["id"]) for e in entries]
    examples = by_kind(generate(assistant.catalog, assistant.index.units))
    first_example = next((items[0].question for items in examples.values()), "")

    def respond(message: str, history: list, state: dict | None, doc_filter: list[str] | None,
                request: gr.Request = None):
        user = getattr(request, "username", None) or ""
        state = state or {"session_id": None, "answers": {}}
        session_id, session = sessions.get(state["session_id"], user)
        state["session_id"] = session_id
        session.docs = list(doc_filter) if doc_filter else None
        message = message or ""
        limit = settings.max_question_chars
        shown = message if len(message) <= limit else message[:limit] + "……（已截断）"
        history = history + [{"role": "user", "content": escape(shown)},
                             {"role": "assistant", "content": "正在检索文件……"}]
        yield history, state, ""
        started = time.perf_counter()
        result = assistant.ask(message, session).to_dict()
        sessions.save(session_id, session, user)  # the conversation survives a restart
        answer_text = escape(result["answer"])
        for partial in stream_chunks(answer_text):
            history[-1] = {"role": "assistant", "content": partial}
            yield history, state, ""
        history[-1] = {"role": "assistant", "content": render_answer(result)}
        state["answers"][len(history) - 1] = {"question": message, "answer": result,
                                              "seconds": round(time.perf_counter() - started, 3)}
        yield history, state, ""

    def new_conversation(state: dict | None, request: gr.Request = None):
        if state and state.get("session_id"):
            sessions.drop(state["session_id"], getattr(request, "username", None) or "")
        return [], None, ""

    def on_feedback(state: dict | None, data: gr.LikeData, request: gr.Request = None) -> None:
        record = (state or {}).get("answers", {}).get(data.index if isinstance(data.index, int) else data.index[0])
        if record is None:
            return
        liked = None if data.liked in ("", None) else (data.liked is True or data.liked == "Like")
        try:
            feedback.record(settings.feedback_path, liked=liked, question=record["question"], answer=record["answer"],
                            session_id=state.get("session_id") or "", user=getattr(request, "username", None) or "")
        except feedback.FeedbackError as exc:
            gr.Warning(str(exc))
            return
        gr.Info("已记录您的反馈，谢谢！")

    def show_document(doc_id: str | None) -> str:
        return render_entry(next((e for e in entries if e["id"] == doc_id), None), assistant.index.units)

    with gr.Blocks(title="政策问答助手") as demo:
        gr.Markdown("## 政策问答助手\n就已收录的政策文件提问：回答注明出处条款；文件中没有的内容会如实说明。")
        with gr.Tab("问答"):
            state = gr.State(None)
            doc_filter = gr.Dropdown(choices=choices, multiselect=True, value=[], label="限定文件（不选为全部文件）")
            chatbot = gr.Chatbot(label="对话", height=520, sanitize_html=True, allow_tags=False,
                                 render_markdown=True, elem_id="chat",
                                 placeholder="请在下方输入问题" + (f"，例如“{first_example}”" if first_example else "。"))
            with gr.Row():
                box = gr.Textbox(placeholder="输入问题，按回车发送", show_label=False, scale=8, elem_id="question")
                send = gr.Button("发送", variant="primary", scale=1, elem_id="send")
                clear = gr.Button("新对话", scale=1, elem_id="new-conversation")
            for items in examples.values():  # generated from the catalog: see assistant/examples.py
                gr.Examples(examples=[[e.question] for e in items], inputs=[box], label=f"示例：{items[0].label}",
                            examples_per_page=EXAMPLES_PER_PAGE)
            outputs = [chatbot, state, box]
            for event in (box.submit, send.click):
                event(respond, [box, chatbot, state, doc_filter], outputs,
                      concurrency_limit=settings.concurrency_limit, show_progress="minimal")
            clear.click(new_conversation, [state], outputs)
            chatbot.like(on_feedback, [state], None)
        with gr.Tab("文件浏览"):
            gr.HTML(render_report(report), elem_id="report")
            picker = gr.Dropdown(choices=browse_choices, label="选择文件",
                                 value=browse_choices[0][1] if browse_choices else None, elem_id="doc-picker")
            page = gr.HTML(show_document(browse_choices[0][1]) if browse_choices else "", elem_id="doc-view")
            picker.change(show_document, [picker], [page])
        evaluation_tab(assistant, settings)
        library_tab(assistant, demo, getattr(sessions, "store", None))  # 文件管理 (editors)
    demo.queue(default_concurrency_limit=settings.concurrency_limit, max_size=settings.max_queue)
    return demo
