"""The 文件管理 tab: editors upload documents, read the parse review, publish, replace or retire.

The mechanism lives in library.py; this module only renders it. Every handler checks the login's role
again (PA_EDITORS): a reader sees the tab's notice and the document list, and a forged call is refused.
Everything shown is HTML-escaped (file names and document text are user input).
"""
from __future__ import annotations

import html
import time
from pathlib import Path

from .gradio_loader import gr
from .library import ACTIONS, LibraryError, library_for

READER_NOTICE = ("当前账号为**只读**：可以查看收录的文件和变更记录；上传、替换、停用文件需要编辑权限"
                 "（由管理员在 PA_EDITORS 中设置）。")
EDITOR_NOTICE = ("上传 .docx、.pdf、.html、.md 或 .txt 文件（可一次选择多个），先查看**解析报告**——条款数、"
                 "每条的牵头单位和时限、目标、文件头要素和警告——确认无误后点击“发布”：索引随即更新，无需重启，"
                 "进行中的对话不受影响。替换的旧版本和停用的文件保存在历史中。")
KIND_NAMES = {"header": "文件头", "goals": "目标", "clause": "条款", "section": "章节"}


def escape(value) -> str:
    return html.escape(str(value), quote=True)


def _user(request) -> str:
    return getattr(request, "username", None) or ""


def render_review(review: dict) -> str:
    """One upload's parse review: what the file would add, clause by clause, before anything changes."""
    report = review.get("report") or {}
    kinds = "、".join(f"{KIND_NAMES.get(k, k)} {n}" for k, n in (report.get("units_by_kind") or {}).items())
    clauses = review.get("clauses") or []
    action = (f"替换「{escape(review['replaces_file'])}」（编号 {escape(review['replaces'])}，旧版本存入历史）"
              if review.get("replaces") else f"新增为「{escape(review['file'])}」（编号 {escape(review['doc_id'])}）")
    items = [("状态", report.get("state_label", "")), ("编号层级", report.get("structure", "")),
             ("单元", kinds or "无"), ("条款", f"{len(clauses)} 条"),
             ("有责任单位的条款", f"{report.get('clauses_with_owner', 0)}/{report.get('clauses', 0)}"),
             ("目标", str(report.get("targets", 0))), ("文件头要素", "、".join(report.get("facts") or []) or "无"),
             ("涉及部门", f"{len(review.get('departments') or [])} 个：" + "、".join(review.get("departments") or []))]
    lis = "".join(f"<li>{escape(label)}：{escape(value)}</li>" for label, value in items)
    warnings = "".join(f'<li class="warning">警告：{escape(w)}</li>' for w in report.get("warnings") or [])
    rows = []
    for clause in clauses:
        parts = []
        if clause["lead_units"]:
            parts.append("牵头：" + "、".join(clause["lead_units"]))
        if clause["cooperating_units"]:
            parts.append("配合：" + "、".join(clause["cooperating_units"]))
        if clause["guiding_units"]:
            parts.append("指导：" + "、".join(clause["guiding_units"]))
        if clause["deadline"]:
            parts.append("时限：" + clause["deadline"])
        owner = "；".join(parts) or "未找到责任单位"
        rows.append(f'<li class="clause-line" data-unit="{escape(clause["unit_id"])}">'
                    f'{escape(clause["label"])}“{escape(clause["title"])}” — {escape(owner)}</li>')
    return (f'<div class="lib-review" data-file="{escape(review["original"])}">'
            f'<h4>《{escape(review.get("title") or review["original"])}》</h4>'
            f'<p>上传文件「{escape(review["original"])}」（{review["size"]:,} 字节，SHA-256 '
            f'{escape(review["checksum"][:16])}…）将{action}。</p>'
            f'<ul class="lib-report">{lis}{warnings}</ul>'
            f'<details open><summary>条款清单（{len(clauses)} 条）</summary><ol class="lib-clauses">{"".join(rows)}</ol>'
            f'</details></div>')


def render_documents(documents: list[dict]) -> str:
    head = "".join(f"<th>{h}</th>" for h in ("编号", "文件", "标题", "状态", "单元", "条款", "大小", "校验和（SHA-256）"))
    rows = []
    for doc in documents:
        cells = [doc["doc_id"] or "—", doc["file"], doc["title"] or "—", doc["state_label"], doc["units"],
                 doc["clauses"], f"{doc['size']:,}", doc["checksum"][:16] + "…"]
        rows.append(f'<tr class="{escape(doc["state"])}">' + "".join(f"<td>{escape(c)}</td>" for c in cells) + "</tr>")
    return (f'<table class="report" id="lib-documents"><thead><tr>{head}</tr></thead>'
            f'<tbody>{"".join(rows)}</tbody></table>')


def render_changes(changes: list[dict]) -> str:
    if not changes:
        return '<p id="lib-changes">尚无变更记录。</p>'
    head = "".join(f"<th>{h}</th>" for h in ("时间", "操作人", "操作", "编号", "文件", "校验和（SHA-256）", "说明"))
    rows = []
    for change in changes:
        when = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(change["at"]))
        what = change["file"] + (f"（原文件存入历史：{change['history_file']}）" if change.get("history_file") else "")
        cells = [when, change["actor"] or "—", ACTIONS.get(change["action"], change["action"]), change["doc_id"] or "—",
                 what, change["checksum"][:16] + "…", change["detail"]]
        rows.append(f'<tr class="{escape(change["action"])}">' + "".join(f"<td>{escape(c)}</td>" for c in cells) + "</tr>")
    return (f'<table class="report" id="lib-changes"><thead><tr>{head}</tr></thead>'
            f'<tbody>{"".join(rows)}</tbody></table>')


def _messages(lines: list[str]) -> str:
    return "\n".join(f"- {escape(line)}" for line in lines)


def library_tab(assistant, demo: gr.Blocks, store=None) -> list:
    """Builds the 文件管理 tab inside the current gr.Blocks; `demo` refreshes it for each visitor's role.
    Returns the events that change the corpus (publish, retire, rescan), for the page to follow."""
    library = library_for(assistant, store)
    settings = assistant.settings

    def editor(request) -> str:
        user = _user(request)
        if settings.role(user) != "editor":
            raise LibraryError("只有编辑人员可以上传、发布、替换或停用文件（当前账号为只读）。", status=403)
        return user

    def listing():
        documents = library.documents()
        choices = [(f"{d['doc_id']} · {d['title'] or d['file']}", d["doc_id"]) for d in documents if d["doc_id"]]
        summary = f"当前收录 {sum(1 for d in documents if d['doc_id'])} 份文件，共 {len(assistant.index.units)} 个可引用单元。"
        return (summary, render_documents(documents), render_changes(library.changes(50)),
                gr.update(choices=choices, value=None), gr.update(choices=choices, value=None))

    def on_load(request: gr.Request = None):
        is_editor = settings.role(_user(request)) == "editor"
        return (EDITOR_NOTICE if is_editor else READER_NOTICE, gr.update(visible=is_editor)) + listing()

    def check(files, replace, tokens, request: gr.Request = None):
        """Parse every chosen file into a review; refused files are listed with their reason."""
        for token in tokens or []:
            library.cancel(token)
        try:
            user = editor(request)
        except LibraryError as exc:
            return f"**{escape(exc)}**", "", [], gr.update(interactive=False)
        paths = [files] if isinstance(files, str) else list(files or [])
        if not paths:
            return "请先选择要上传的文件。", "", [], gr.update(interactive=False)
        if replace and len(paths) > 1:
            return "替换时只能选择一个文件（新版本）。", "", [], gr.update(interactive=False)
        reviews, refused = [], []
        for path in paths:
            path = Path(getattr(path, "name", None) or path)
            try:
                reviews.append(library.stage(path.name, path, user, replace or None))
            except LibraryError as exc:
                refused.append(str(exc))
        status = []
        if reviews:
            status.append(f"已解析 {len(reviews)} 个文件，请核对下方的解析报告，确认后点击“发布”；不发布则点击“取消”。")
        if refused:
            status.append(f"**未收录 {len(refused)} 个文件（未作任何更改）：**\n\n" + _messages(refused))
        html_reviews = "".join(render_review(r.to_dict()) for r in reviews)
        return "\n\n".join(status), html_reviews, [r.token for r in reviews], gr.update(interactive=bool(reviews))

    def publish(tokens, request: gr.Request = None, progress=gr.Progress()):
        try:
            user = editor(request)
        except LibraryError as exc:
            return (f"**{escape(exc)}**", gr.update(), tokens, gr.update()) + listing()
        done, failed = [], []
        tokens = list(tokens or [])
        for i, token in enumerate(tokens):
            progress((i, len(tokens)), desc=f"正在发布第 {i + 1}/{len(tokens)} 个文件（解析、向量化、更新索引）")
            try:
                result = library.publish(token, user)
                done.append(f"已发布《{result['title']}》（编号 {result['doc_id']}，{result['units']} 个单元，"
                            f"用时 {result['seconds']:.1f} 秒）：现在即可提问。")
            except LibraryError as exc:
                failed.append(str(exc))
                library.cancel(token)
        lines = _messages(done) + ("\n\n**未发布：**\n\n" + _messages(failed) if failed else "")
        return (lines, "", [], gr.update(interactive=False)) + listing()

    def cancel(tokens):
        for token in tokens or []:
            library.cancel(token)
        return "已取消，未作任何更改。", "", [], gr.update(interactive=False)

    def retire(doc_id, request: gr.Request = None):
        try:
            user = editor(request)
            if not doc_id:
                raise LibraryError("请先选择要停用的文件。")
            result = library.retire(doc_id, user)
            message = (f"已停用文件「{result['file']}」（编号 {result['doc_id']}）：不再用于回答，"
                       f"原文件保存在历史中（{result['history_file']}）。")
        except LibraryError as exc:
            message = f"**{escape(exc)}**"
        return (message,) + listing()

    def rescan(request: gr.Request = None):
        try:
            user = editor(request)
            result = library.rescan(user)
            found = result["new_files"]
            message = (f"已重新扫描语料目录：发现 {len(found)} 个新文件" + (f"（{'、'.join(found)}）" if found else "")
                       + f"，共 {result['units']} 个可引用单元。")
        except LibraryError as exc:
            message = f"**{escape(exc)}**"
        return (message,) + listing()

    initial = listing()[3]["choices"]  # refreshed on every page load and after every change
    with gr.Tab("文件管理", elem_id="library-tab"):
        notice = gr.Markdown(READER_NOTICE, elem_id="lib-notice")
        tokens = gr.State([])
        with gr.Column(visible=False, elem_id="lib-editor") as editor_box:
            with gr.Row():
                files = gr.File(label="选择文件（.docx / .pdf / .html / .md / .txt，可多选）", file_count="multiple",
                                elem_id="lib-upload", scale=3)
                with gr.Column(scale=2):
                    replace = gr.Dropdown(choices=initial, value=None, label="替换已收录的文件（新版本，可选）",
                                          elem_id="lib-replace")
                    check_button = gr.Button("检查解析", variant="primary", elem_id="lib-check")
                    with gr.Row():
                        publish_button = gr.Button("发布", variant="primary", interactive=False, elem_id="lib-publish")
                        cancel_button = gr.Button("取消", elem_id="lib-cancel")
            status = gr.Markdown("", elem_id="lib-status")
            review = gr.HTML("", elem_id="lib-review")
            with gr.Row():
                retire_pick = gr.Dropdown(choices=initial, value=None, label="停用文件（不再用于回答，保留历史）",
                                          elem_id="lib-retire-pick", scale=3)
                retire_button = gr.Button("停用所选文件", variant="stop", elem_id="lib-retire", scale=1)
                rescan_button = gr.Button("重新扫描语料目录", elem_id="lib-rescan", scale=1)
        summary = gr.Markdown("", elem_id="lib-summary")
        documents = gr.HTML("", elem_id="lib-documents-box")
        gr.Markdown("#### 变更记录")
        changes = gr.HTML("", elem_id="lib-changes-box")
        listed = [summary, documents, changes, replace, retire_pick]
        # the page's own functions, not an API (the HTTP API is /docs): hidden from /gradio_api/info and
        # from the Gradio clients; each handler still checks the role, as a raw queue call can reach it
        private = {"api_visibility": "private"}
        check_button.click(check, [files, replace, tokens], [status, review, tokens, publish_button],
                           concurrency_limit=2, concurrency_id="library", **private)
        published = publish_button.click(publish, [tokens], [status, review, tokens, publish_button] + listed,
                                          concurrency_limit=1, concurrency_id="library-publish", **private)
        cancel_button.click(cancel, [tokens], [status, review, tokens, publish_button], **private)
        retired = retire_button.click(retire, [retire_pick], [status] + listed, concurrency_limit=1,
                                      concurrency_id="library-publish", **private)
        rescanned = rescan_button.click(rescan, None, [status] + listed, concurrency_limit=1,
                                        concurrency_id="library-publish", **private)
    demo.load(on_load, None, [notice, editor_box] + listed, show_progress="hidden", **private)
    return [published, retired, rescanned]
