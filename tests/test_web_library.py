"""End to end: the 文件管理 tab of the real server (app.py) in Debian's Chromium, with logins and roles.

An editor uploads an invented district's plan, reads its parse review (clause count, departments, each
clause's lead unit and deadline), publishes it and asks about it in the chat — no restart — while a
reader's conversation in another browser continues across the publish; the editor retires it and the
question is refused. The reader's tab has no upload, and a forged call to the page's upload handler is
refused. The server runs on a temporary copy of corpus/ and of the test index.
"""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PLAN = ROOT / "tests" / "fixtures" / "library" / "lanxi-2026.txt"
QUESTION = "岚溪区数据资产登记试点由哪个部门牵头？"


@pytest.fixture(scope="module")
def server(index, settings, tmp_path_factory):
    """app.py with two logins, alice (editor) and bob (reader), over a corpus copy and a copy of the test index."""
    from bench.load import free_port, start_server, stop_server

    folder = tmp_path_factory.mktemp("web-library")
    shutil.copytree(settings.corpus_dir, folder / "corpus")
    shutil.copytree(settings.index_dir, folder / "index")
    port = free_port()
    proc = start_server(port, {"PA_INDEX": str(folder / "index"), "PA_CORPUS": str(folder / "corpus"),
                               "PA_DATA": str(folder / "data"), "PA_AUTH": "alice:pw1,bob:pw2",
                               "PA_EDITORS": "alice", "GRADIO_ANALYTICS_ENABLED": "False"})
    yield f"http://127.0.0.1:{port}", folder
    stop_server(proc, timeout=20)


def login(browser, base: str, user: str, password: str):
    """A browser context of its own (cookies: one login per session) on the chat page."""
    context = browser.new_context(viewport={"width": 1400, "height": 1200})
    page = context.new_page()
    page.goto(base + "/", wait_until="load")
    page.locator("input[type=password]").wait_for(timeout=60_000)
    page.locator("input:not([type=password])").first.fill(user)
    page.locator("input[type=password]").fill(password)
    page.keyboard.press("Enter")
    page.locator("#question textarea").wait_for(timeout=60_000)
    return page


def ask(page, question: str, expect: str, timeout: float = 60_000) -> str:
    """Ask in the chat and wait until the answer shows `expect`; returns the latest answer's text."""
    answers = page.locator("#chat .bot, #chat [data-testid='bot']")
    before = answers.count()
    page.locator("#question textarea").fill(question)
    page.locator("#send").click()
    page.wait_for_function("([n, text]) => { const a = document.querySelectorAll(\"#chat .bot, #chat [data-testid='bot']\");"
                           " return a.length > n && a[a.length - 1].innerText.includes(text); }",
                           arg=[before, expect], timeout=timeout)
    return answers.last.inner_text()


def open_library(page) -> None:
    page.get_by_role("tab", name="文件管理").click()
    page.locator("#lib-notice").wait_for(timeout=30_000)
    page.locator("#lib-documents").wait_for(timeout=30_000)


def test_editor_uploads_reviews_publishes_and_retires_while_a_reader_keeps_talking(server, browser):
    base, folder = server
    reader = login(browser, base, "bob", "pw2")
    first = ask(reader, "普陀区2025年PCT国际专利申请量的目标是多少？", "65件")
    assert "65件" in first
    # the reader's tab: the list and the log, no upload
    open_library(reader)
    assert "只读" in reader.locator("#lib-notice").inner_text()
    assert not reader.locator("#lib-upload").is_visible() and not reader.locator("#lib-check").is_visible()
    reader.get_by_role("tab", name="问答").click()

    editor = login(browser, base, "alice", "pw1")
    assert "区数据资源局" not in ask(editor, QUESTION, "没有")  # not in the corpus yet: refused
    open_library(editor)
    assert "上传" in editor.locator("#lib-notice").inner_text()
    editor.locator("#lib-upload input[type=file]").set_input_files(str(PLAN))
    editor.locator("#lib-upload").get_by_text("lanxi-2026.txt").first.wait_for(timeout=30_000)
    editor.locator("#lib-check").click()
    review = editor.locator(".lib-review")
    review.wait_for(timeout=60_000)
    text = review.inner_text()
    assert "条款清单（8 条）" in text and "条款：8 条" in text
    assert "涉及部门：13 个" in text and "区大数据管理中心" in text and "区公安分局" in text
    assert "第2条“开展数据资产登记试点” — 牵头：区数据资源局；配合：区财政局；时限：2026年12月底" in text
    assert not (folder / "corpus" / "005_lanxi-2026.txt").exists()  # the review changed nothing

    editor.locator("#lib-publish").click()
    editor.locator("#lib-status").get_by_text("已发布").wait_for(timeout=180_000)
    assert (folder / "corpus" / "005_lanxi-2026.txt").exists()
    editor.locator("#lib-documents").get_by_text("005_lanxi-2026.txt").wait_for(timeout=30_000)
    assert "alice" in editor.locator("#lib-changes").inner_text()

    # the chat answers about the new plan at once, in both sessions; the reader's conversation continues
    editor.get_by_role("tab", name="问答").click()
    assert "区数据资源局" in ask(editor, QUESTION, "区数据资源局")
    follow_up = ask(reader, "那2024年呢？", "60件")
    assert "60件" in follow_up
    assert "区数据资源局" in ask(reader, QUESTION, "区数据资源局")

    # retire: the question is refused, the file is kept in the history
    open_library(editor)
    editor.locator("#lib-retire-pick input").click()
    editor.get_by_role("option", name="005 · 岚溪区2026年数据要素市场培育工作方案").click()
    editor.locator("#lib-retire").click()
    editor.locator("#lib-status").get_by_text("已停用").wait_for(timeout=180_000)
    assert not (folder / "corpus" / "005_lanxi-2026.txt").exists()
    assert [p.name.endswith("_005_lanxi-2026.txt") for p in (folder / "corpus" / ".history").iterdir()] == [True]
    editor.get_by_role("tab", name="问答").click()
    refused = ask(editor, QUESTION, "没有")
    assert "区数据资源局" not in refused
    assert "区数据资源局" not in ask(reader, QUESTION, "没有")
    for page in (editor, reader):
        page.context.close()


def test_a_reader_cannot_upload_through_the_page(server, browser, tmp_path):
    """The handler behind the tab checks the role itself: a reader calling it directly is refused."""
    from gradio_client import Client, handle_file

    base, folder = server
    before = sorted(p.name for p in (folder / "corpus").iterdir())
    client = Client(base + "/", auth=("bob", "pw2"), verbose=False)
    result = client.predict([handle_file(str(PLAN))], None, api_name="/library_check")  # tokens are page state
    assert "只有编辑人员" in result[0] and result[1] == ""
    result = client.predict("002", api_name="/library_retire")
    assert "只有编辑人员" in result[0]
    client.close()
    assert sorted(p.name for p in (folder / "corpus").iterdir()) == before
