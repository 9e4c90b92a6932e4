"""Web chat (Gradio 6): the staff-facing page, one conversation per browser session.

Everything shown is escaped here before Gradio renders it: the chatbot renders markdown and HTML,
and a clause or a question containing `<script>` or `<img onerror>` must appear as text.
"""
from __future__ import annotations

import html
import time

import gradio as gr

from . import feedback
from .chat import Assistant, SessionStore, document_list
from .web_eval import evaluation_tab

EXAMPLES = {
    "谁牵头": ["数据知识产权试点由哪个部门牵头？", "浦东在专利开放许可试点方面由谁负责？"],
    "完成时限": ["地理标志保护相关任务的完成时限是什么时候？", "工作计划什么时候之前报送？"],
    "指标目标": ["普陀区2025年PCT国际专利申请量的目标是多少？", "各区每万人口高价值发明专利拥有量目标分别是多少？"],
    "任务清单": ["浦东2023年保护处牵头哪些任务？"],
    "文件信息": ["普陀区行动方案的文号是什么？", "2023年上海市知识产权行政保护工作实施方案是哪个单位发的？"],
    "开放问题": ["浦东在海外维权方面有哪些安排？"],
}

CSS = """
.source { margin: 0.25em 0; }
.source summary { cursor: pointer; }
.clause { white-space: pre-wrap; padding: 0.4em 0.8em; border-left: 3px solid #9ca3af; margin: 0.3em 0; }
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
    return (f"<h3>{escape(entry['title'])}</h3><ul>{head}</ul>"
            f"<p>共 {entry['units']} 个可引用单元，其中条款 {entry['clauses']} 条。</p>" + "".join(items))


def create_web(assistant: Assistant, sessions: SessionStore) -> gr.Blocks:
    settings = assistant.settings
    docs = document_list(assistant.index.units)
    choices = [(f"{d['title']}", d["id"]) for d in docs]

    def respond(message: str, history: list, state: dict | None, doc_filter: list[str] | None):
        state = state or {"session_id": None, "answers": {}}
        session_id, session = sessions.get(state["session_id"])
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
        answer_text = escape(result["answer"])
        for partial in stream_chunks(answer_text):
            history[-1] = {"role": "assistant", "content": partial}
            yield history, state, ""
        history[-1] = {"role": "assistant", "content": render_answer(result)}
        state["answers"][len(history) - 1] = {"question": message, "answer": result,
                                              "seconds": round(time.perf_counter() - started, 3)}
        yield history, state, ""

    def new_conversation(state: dict | None):
        if state and state.get("session_id"):
            sessions.drop(state["session_id"])
        return [], None, ""

    def on_feedback(state: dict | None, data: gr.LikeData) -> None:
        record = (state or {}).get("answers", {}).get(data.index if isinstance(data.index, int) else data.index[0])
        if record is None:
            return
        liked = data.liked is True or data.liked == "Like"
        feedback.record(settings.feedback_path, liked=liked, question=record["question"], answer=record["answer"],
                        session_id=state.get("session_id") or "")
        gr.Info("已记录您的反馈，谢谢！")

    def show_document(doc_id: str | None) -> str:
        entry = next((d for d in docs if d["id"] == doc_id), None)
        if entry is None:
            return "<p>请选择一份文件。</p>"
        return render_document(entry, [u for u in assistant.index.units if u.doc_id == doc_id])

    with gr.Blocks(title="政策问答助手") as demo:
        gr.Markdown("## 政策问答助手\n就上海知识产权政策文件提问：回答注明出处条款；文件中没有的内容会如实说明。")
        with gr.Tab("问答"):
            state = gr.State(None)
            doc_filter = gr.Dropdown(choices=choices, multiselect=True, value=[], label="限定文件（不选为全部文件）")
            chatbot = gr.Chatbot(label="对话", height=520, sanitize_html=True, allow_tags=False,
                                 render_markdown=True, elem_id="chat", placeholder="请在下方输入问题，例如“数据知识产权试点由哪个部门牵头？”")
            with gr.Row():
                box = gr.Textbox(placeholder="输入问题，按回车发送", show_label=False, scale=8, elem_id="question")
                send = gr.Button("发送", variant="primary", scale=1, elem_id="send")
                clear = gr.Button("新对话", scale=1, elem_id="new-conversation")
            for kind, questions in EXAMPLES.items():
                gr.Examples(examples=[[q] for q in questions], inputs=[box], label=f"示例：{kind}")
            outputs = [chatbot, state, box]
            for event in (box.submit, send.click):
                event(respond, [box, chatbot, state, doc_filter], outputs,
                      concurrency_limit=settings.concurrency_limit, show_progress="minimal")
            clear.click(new_conversation, [state], outputs)
            chatbot.like(on_feedback, [state], None)
        with gr.Tab("文件浏览"):
            picker = gr.Dropdown(choices=choices, label="选择文件", value=choices[0][1] if choices else None)
            page = gr.HTML(show_document(choices[0][1]) if choices else "")
            picker.change(show_document, [picker], [page])
        evaluation_tab(assistant, settings)
    demo.queue(default_concurrency_limit=settings.concurrency_limit, max_size=settings.max_queue)
    return demo
