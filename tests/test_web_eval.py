"""End to end: the 评测 tab of the real server (app.py), driven by Playwright in Debian's Chromium.

Downloads the template, fills it with three questions about the corpus (one expected answer is wrong on
purpose, so the failures table has a row whatever the assistant's accuracy), uploads it, runs it, reads
the per-type table, downloads both reports; then a malformed spreadsheet gets its row-level message and
the chat still answers.
"""
from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook


UPLOAD_LIMIT = 200_000  # bytes; the gold sets here are a few kB
ITEMS = [
    ["t1", "普陀区2025年PCT国际专利申请量的目标是多少？\n那2024年呢？", "目标", "60件", "", "", "新增PCT国际专利申请量"],
    ["l1", "浦东2023年知识产权质押融资和保险新险种哪个处牵头", "牵头", "发展促进处", "", "", "积极推进知识产权金融创新工作"],
    ["m1", "普陀区行动方案的文号是什么？", "文件信息", "普府办〔2024〕99号", "", "", ""],  # wrong on purpose
]


@pytest.fixture(scope="module")
def server(index, settings, tmp_path_factory):
    """app.py on a free loopback port, reusing the test index (already built and current)."""
    from bench.load import free_port, start_server

    feedback = tmp_path_factory.mktemp("web-eval") / "feedback.jsonl"
    port = free_port()
    proc = start_server(port, {"PA_INDEX": str(settings.index_dir), "PA_CORPUS": str(settings.corpus_dir),
                              "PA_FEEDBACK": str(feedback), "GRADIO_ANALYTICS_ENABLED": "False",
                              "PA_MAX_UPLOAD_BYTES": str(UPLOAD_LIMIT)})
    yield f"http://127.0.0.1:{port}"
    proc.terminate()
    proc.wait(timeout=20)




def open_tab(browser, base: str):
    page = browser.new_page(viewport={"width": 1400, "height": 1200}, accept_downloads=True)
    page.goto(base + "/", wait_until="load")
    page.get_by_role("tab", name="评测").click()
    page.locator("#eval-run").wait_for(timeout=60_000)
    return page


def download(page, selector: str, folder: Path) -> Path:
    with page.expect_download(timeout=30_000) as info:
        page.locator(selector).click()
    target = folder / info.value.suggested_filename
    info.value.save_as(target)
    return target


def upload(page, path: Path) -> None:
    page.locator("#eval-upload input[type=file]").set_input_files(str(path))


def status_text(page, contains: str, timeout: float = 30_000) -> str:
    status = page.locator("#eval-status")
    status.get_by_text(contains, exact=False).first.wait_for(timeout=timeout)
    return status.inner_text()


def test_evaluation_tab_runs_an_uploaded_template_and_offers_the_reports(server, browser, tmp_path):
    page = open_tab(browser, server)
    template = download(page, "#eval-template", tmp_path)
    assert template.suffix == ".xlsx"
    book = load_workbook(template)
    assert [c.value for c in book["评测题"][1]][:3] == ["编号", "问题", "类型"]
    for row in ITEMS:
        book["评测题"].append(row)
    filled = tmp_path / "filled.xlsx"
    book.save(filled)

    upload(page, filled)
    assert "已读取 3 道题（牵头 1、目标 1、文件信息 1）" in status_text(page, "已读取")
    page.locator("#eval-run").click()
    assert "共 3 题" in status_text(page, "评测完成", timeout=180_000)

    summary = page.locator("#eval-summary").inner_text()
    for word in ("类型", "严格正确率", "召回率@1", "召回率@5", "牵头", "目标", "文件信息", "全部"):
        assert word in summary
    failures = page.locator("#eval-failures").inner_text()
    assert "普陀区行动方案的文号是什么？" in failures and "普府办〔2024〕99号" in failures
    assert "普府办〔2024〕26号" in failures  # what the assistant said, beside what was expected
    assert "缺少“普府办〔2024〕99号”" in failures
    page.screenshot(path=str(tmp_path / "eval-tab.png"), full_page=True)

    report = load_workbook(download(page, "#eval-report-xlsx", tmp_path))
    assert report.sheetnames == ["汇总", "未通过", "明细"]
    summary_rows = [[c.value for c in row] for row in report["汇总"].iter_rows()]
    assert summary_rows[0][:2] == ["评测集", "filled.xlsx"]
    assert summary_rows[-1][:2] == ["全部", 3]
    failed_ids = [row[0].value for row in report["未通过"].iter_rows(min_row=2)]
    assert "m1" in failed_ids
    detail = {row[0].value: [c.value for c in row] for row in report["明细"].iter_rows(min_row=2)}
    assert set(detail) == {"t1", "l1", "m1"}
    assert "60件" in detail["t1"][11]  # the answer to the second turn
    assert "普府办〔2024〕26号" in detail["m1"][11] and detail["m1"][6] == "否"

    md = download(page, "#eval-report-md", tmp_path).read_text(encoding="utf-8")
    assert md.startswith("# 评测报告")
    assert "| 全部 | 3 |" in md and "### m1（文件信息）" in md
    page.close()


def test_malformed_spreadsheets_get_row_level_messages_and_the_chat_still_works(server, browser, tmp_path):
    page = open_tab(browser, server)
    wrong_column = tmp_path / "wrong-column.xlsx"
    book = Workbook()
    for row in (["问题", "类别", "答案"], ["数据知识产权试点由哪个部门牵头？", "牵头", "办公室"]):
        book.active.append(row)
    book.save(wrong_column)
    upload(page, wrong_column)
    text = status_text(page, "无法使用该文件")
    assert "第1行“类别”列：不是可识别的列名" in text and "第1行“类型”列：缺少必需的列" in text

    bad_rows = tmp_path / "bad-rows.xlsx"
    book = Workbook()
    for row in (["问题", "类型", "答案"], ["数据知识产权试点由哪个部门牵头？", "牵头", "办公室"],
                ["普陀区行动方案的文号是什么？", "牵投", ""], [None, None, None], [None, "目标", "65件"]):
        book.active.append(row)
    book.save(bad_rows)
    page.locator("#eval-upload button[aria-label='清除']").first.click()  # the page's Chinese for Gradio's "Clear"
    upload(page, bad_rows)
    text = status_text(page, "未知类型")
    assert "第3行“类型”列：未知类型“牵投”" in text and "第5行“问题”列：问题为空" in text
    page.locator("#eval-run").click()  # running a bad file repeats the message, shows no results
    status_text(page, "未知类型")
    assert not page.locator("#eval-summary").is_visible()
    page.screenshot(path=str(tmp_path / "eval-error.png"), full_page=True)

    page.get_by_role("tab", name="问答").click()
    page.locator("#question textarea").fill("数据知识产权试点由哪个部门牵头？")
    page.locator("#send").click()
    page.locator("#chat details.source").first.wait_for(timeout=30_000)
    assert "办公室" in page.locator("#chat").inner_text()
    page.close()


def test_an_over_size_upload_gets_a_chinese_message(server, browser, tmp_path):
    """The page's upload client refuses a file over the limit before sending it; its message is Chinese."""
    big = tmp_path / "大评测集.csv"
    big.write_text("问题,类型\n" + "谁牵头？,牵头\n" * (UPLOAD_LIMIT // 10), encoding="utf-8")
    assert big.stat().st_size > UPLOAD_LIMIT
    page = open_tab(browser, server)
    upload(page, big)
    toast = page.locator("[data-testid=toast-body]").filter(has_text="文件超过允许的大小")
    toast.wait_for(timeout=30_000)
    text = toast.inner_text()
    assert "大评测集.csv" in text and "KB" in text and "exceed" not in text and "Error" not in text
    assert page.locator("#eval-status").inner_text() == "请上传评测集文件。"  # nothing was read
    page.close()
