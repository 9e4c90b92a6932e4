"""The 评测 tab: staff upload a gold set (.xlsx/.csv/.jsonl), run it against the live assistant, read the
per-type table and the failures, and download the report. Reading and grading live in goldsets.py.

A bad upload only changes this tab's status line; the chat and the other tabs are untouched.
"""
from __future__ import annotations

import html
import logging
import tempfile
import time
from pathlib import Path

import pandas as pd

from . import goldsets
from .goldsets import GoldSetError
from .gradio_loader import gr

log = logging.getLogger(__name__)

INTRO = """上传评测集（.xlsx、.csv 或 .jsonl，不超过 10 MB），点击“开始评测”，逐题向助手提问并按标准答案评分。
表格列名：**问题**、**类型**（必填），答案、任一答案、不应出现、引用、文件、编号、备注（可选）；
多轮对话在“问题”中用换行或 `||` 分隔；多个答案用“；”分隔。详见模板中的“填写说明”。"""


def _error(message: str) -> str:
    lines = [html.escape(line) for line in message.splitlines() if line.strip()]
    return "**无法使用该文件：**\n\n" + "\n".join(f"- {line}" for line in lines)


def _path(upload) -> str | None:
    if upload is None:
        return None
    return getattr(upload, "name", None) or str(upload)


def _table(headers: list[str], rows: list[list]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=headers)


def evaluation_tab(assistant, settings) -> None:
    """Builds the 评测 tab inside the current gr.Blocks (call it where the other tabs are declared)."""
    template = goldsets.template_file(settings.cache_dir)
    hidden = gr.update(visible=False, value=None)

    def check(upload) -> str:
        path = _path(upload)
        if path is None:
            return "请上传评测集文件。"
        try:
            gold = goldsets.read_gold(path)
        except GoldSetError as exc:
            return _error(str(exc))
        return html.escape(gold.describe()) + "点击“开始评测”运行。"

    def run(upload, progress=gr.Progress()):
        path = _path(upload)
        if path is None:
            return "请先上传评测集文件。", hidden, hidden, hidden, hidden
        try:
            gold = goldsets.read_gold(path)
        except GoldSetError as exc:
            return _error(str(exc)), hidden, hidden, hidden, hidden

        def report(done: int, total: int, item: dict) -> None:
            progress((done, total), desc=f"正在评测第 {min(done + 1, total)}/{total} 题", unit="题")

        started = time.perf_counter()
        try:
            results = goldsets.run_gold(assistant, gold.items, progress=report)
            folder = Path(tempfile.mkdtemp(prefix="gold-report-"))
            stamp = time.strftime("%Y%m%d-%H%M%S")
            xlsx = goldsets.write_report_xlsx(folder / f"评测报告-{stamp}.xlsx", results, gold.source)
            md = goldsets.write_report_markdown(folder / f"评测报告-{stamp}.md", results, gold.source)
        except Exception as exc:  # the tab reports it; the rest of the page keeps working
            log.exception("evaluation failed")
            return f"评测出错：{html.escape(str(exc))}", hidden, hidden, hidden, hidden
        strict = sum(r.strict_ok for r in results)
        status = (f"评测完成：共 {len(results)} 题，严格正确 {strict} 题（{strict / len(results) * 100:.1f}%），"
                  f"用时 {time.perf_counter() - started:.1f} 秒。")
        if gold.skipped_rows:
            status += f"已跳过 {len(gold.skipped_rows)} 个空行。"
        headers, rows = goldsets.summary_rows(goldsets.summarise(results))
        failures = goldsets.failure_rows(results)
        return (status,
                gr.update(value=_table(headers, rows), visible=True),
                gr.update(value=_table(goldsets.FAILURE_HEADERS, failures), visible=bool(failures),
                          label=f"未通过的题目（{len(failures)}）"),
                gr.update(value=str(xlsx), visible=True),
                gr.update(value=str(md), visible=True))

    with gr.Tab("评测"):
        gr.Markdown(INTRO)
        with gr.Row():
            upload = gr.File(label="评测集文件（.xlsx / .csv / .jsonl）", file_count="single", type="filepath",
                             elem_id="eval-upload", scale=3)
            with gr.Column(scale=1):
                gr.DownloadButton("下载模板（.xlsx）", value=str(template), elem_id="eval-template")
                start = gr.Button("开始评测", variant="primary", elem_id="eval-run")
        status = gr.Markdown("请上传评测集文件。", elem_id="eval-status")
        summary = gr.Dataframe(label="按题型统计（严格正确 = 答案与引用都正确；召回率@k = 引用片段在检索前 k 条中的比例）",
                               interactive=False, visible=False, elem_id="eval-summary")
        failures = gr.Dataframe(label="未通过的题目", interactive=False, visible=False, wrap=True,
                                elem_id="eval-failures", max_height=800,
                                column_widths=["7%", "6%", "14%", "15%", "22%", "24%", "12%"])
        with gr.Row():
            xlsx = gr.DownloadButton("下载报告（.xlsx）", visible=False, elem_id="eval-report-xlsx")
            md = gr.DownloadButton("下载报告（.md）", visible=False, elem_id="eval-report-md")
        # the page's own functions, not an API (the HTTP API is /docs)
        upload.upload(check, [upload], [status], show_progress="hidden", api_visibility="private")
        upload.clear(lambda: "请上传评测集文件。", None, [status], show_progress="hidden", api_visibility="private")
        start.click(run, [upload], [status, summary, failures, xlsx, md], concurrency_limit=1,
                    concurrency_id="evaluation", api_visibility="private")
