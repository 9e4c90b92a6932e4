"""The chat page in Chromium (Playwright), desktop 1400×900 and phone 390×844, in a zh-CN browser.

The real server (app.py) is started cold by the module fixture, which first looks at the start-up state
(page served at once with "正在加载模型…" and the input disabled, /api/health "starting"), then every
test drives the ready page: citation panel, network requests, English strings, input rules, feedback,
copy, clear, conversation list, filter honesty, examples, layout, /docs offline and the embed loader.
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlparse

import httpx
import pytest

ROOT = Path(__file__).resolve().parent.parent
DESKTOP = {"width": 1400, "height": 900}
PHONE = {"width": 390, "height": 844}
SIZES = pytest.mark.parametrize("size", [DESKTOP, PHONE], ids=["desktop", "phone"])
LEAD = "数据知识产权试点由哪个部门牵头？"
TARGET = "普陀区2025年PCT国际专利申请量的目标是多少？"
LONG_LIST = "普陀2024—2025行动方案中区知识产权局负责哪些任务？"
CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def app(index, settings, tmp_path_factory, browser):
    """app.py started cold on a free port: what its start-up looked like, then the ready server."""
    from bench.load import free_port, stop_server

    data = tmp_path_factory.mktemp("web-chat")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = tempfile.NamedTemporaryFile(prefix="pa-web-chat-", suffix=".log", delete=False)
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "PA_INDEX": str(settings.index_dir), "PA_CORPUS": str(settings.corpus_dir),
           "PA_DATA": str(data), "PA_FEEDBACK": str(data / "feedback.jsonl"), "GRADIO_ANALYTICS_ENABLED": "False"}
    proc = subprocess.Popen([sys.executable, str(ROOT / "app.py"), "--host", "127.0.0.1", "--port", str(port)],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=log, start_new_session=True)
    proc.log_path = log.name
    seen: dict = {}
    try:
        deadline = time.time() + 60
        while time.time() < deadline:
            assert proc.poll() is None, Path(log.name).read_text(errors="replace")[-2000:]
            try:
                first = httpx.get(base + "/api/health", timeout=2)
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        seen["listening_after"] = 60 - (deadline - time.time())
        seen["health"] = (first.status_code, first.json())
        # an API call made during start-up waits for the model and is answered (behind a load balancer a
        # worker that is still loading delays an answer instead of failing it)
        early = ThreadPoolExecutor(1).submit(httpx.post, base + "/api/ask", json={"question": LEAD}, timeout=600)
        page = browser.new_page(locale="zh-CN", viewport=DESKTOP)
        page.goto(base + "/")
        seen["text"] = page.locator("#starting").inner_text()
        seen["input_disabled"] = page.locator("textarea#question").is_disabled()
        seen["send_disabled"] = page.locator("button#send").is_disabled()
        page.locator("#question textarea").wait_for(timeout=600_000)  # the page reloads itself when ready
        seen["ready_page"] = page.locator("#app-header").inner_text()
        page.close()
        seen["ready"] = httpx.get(base + "/api/health", timeout=10)
        seen["ask"] = early.result(timeout=600)
        yield {"base": base, "seen": seen, "data": data, "proc": proc}
    finally:
        stop_server(proc, timeout=20)


# Records every string without Chinese that is shown at any moment (in an element not hidden by display or
# visibility; transparent text counts: screen readers read it), two frames after it appeared so that chat.js
# has had its chance to translate it. Catches what a snapshot misses: Gradio's "queue: 1/1 |" while waiting.
WATCH_ENGLISH = r"""
window.__paEnglish = [];
(function () {
  var pending = new Set();
  function check(node) {
    var el = node.nodeType === 3 ? node.parentElement : node;
    if (!el || !el.isConnected || !el.getClientRects().length) return;
    if (el.checkVisibility && !el.checkVisibility({ checkVisibilityCSS: true })) return;
    if (el.closest("script, style, .copy-text")) return;
    var text = node.nodeType === 3 ? node.nodeValue : (el.innerText || "");
    text.split("\n").forEach(function (line) {
      var s = line.trim();
      if (/[A-Za-z]{2,}/.test(s) && !/[\u4e00-\u9fff]/.test(s) && window.__paEnglish.indexOf(s) < 0) window.__paEnglish.push(s);
    });
  }
  new MutationObserver(function (records) {
    records.forEach(function (r) {
      if (r.type === "characterData") pending.add(r.target);
      r.addedNodes.forEach(function (n) { pending.add(n); });
    });
    requestAnimationFrame(function () { requestAnimationFrame(function () {
      var now = pending; pending = new Set(); now.forEach(check);
    }); });
  }).observe(document, { childList: true, subtree: true, characterData: true });
})();
"""


def open_chat(browser, base: str, size=DESKTOP, watch: bool = False, **options):
    """A fresh zh-CN context (its own browser storage) on the chat page; every request it makes is kept.
    With `watch`, every English string shown at any moment is collected in window.__paEnglish."""
    context = browser.new_context(locale="zh-CN", viewport=size, is_mobile=size is PHONE, has_touch=size is PHONE,
                                  **options)
    if watch:
        context.add_init_script(WATCH_ENGLISH)
    page = context.new_page()
    page.requests = []
    page.on("request", lambda request: page.requests.append(request.url))
    page.goto(base + "/")
    page.locator("#question textarea").wait_for(timeout=60_000)
    return page


def ask(page, question: str, answers: int | None = None) -> None:
    """Type and send; wait until the page holds `answers` finished answers (default: one more)."""
    before = page.locator("#chat .reply .actions").count()
    page.locator("#question textarea").fill(question)
    page.locator("#send").click()
    wanted = before + 1 if answers is None else answers
    page.wait_for_function(f"document.querySelectorAll('#chat .reply .actions').length >= {wanted}", timeout=60_000)


def last_reply(page):
    return page.locator("#chat .reply").last


def english_strings(page) -> list[str]:
    """Visible text and tooltips (title, aria-label, placeholder) with Latin words and no Chinese."""
    texts = page.evaluate("""() => {
      const out = new Set();
      const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
      let node;
      while ((node = walker.nextNode())) {
        const el = node.parentElement;
        if (!el || !el.getClientRects().length) continue;
        const style = getComputedStyle(el);
        if (style.visibility === 'hidden' || style.display === 'none') continue;
        const text = node.nodeValue.trim();
        if (text) out.add(text);
      }
      document.querySelectorAll('[title],[aria-label],[placeholder]').forEach(el => {
        if (el.closest('.copy-text')) return;  // the copy button's payload, not a tooltip
        for (const name of ['title', 'aria-label', 'placeholder']) {
          const value = el.getAttribute(name);
          if (value) out.add(value);
        }
      });
      return Array.from(out);
    }""")
    return sorted(t for t in texts if re.search(r"[A-Za-z]{2,}", t) and not CJK.search(t))


def judgements(data: Path) -> list[dict]:
    from assistant.store import Store

    store = Store(f"sqlite:///{data / 'assistant.db'}")
    try:
        return store.feedback()
    finally:
        store.close()


# --------------------------------------------------------------------------- start-up

def test_start_up_state_is_served_at_once(app):
    seen = app["seen"]
    assert seen["listening_after"] < 30  # the server answers long before the model has loaded
    status, body = seen["health"]
    assert status == 503 and body["status"] == "starting" and "正在加载模型" in body["detail"]
    assert seen["ask"].status_code == 200 and "办公室" in seen["ask"].json()["answer"]
    assert "正在加载模型" in seen["text"] and seen["input_disabled"] and seen["send_disabled"]
    assert "政策问答助手" in seen["ready_page"] and "已收录 5 份文件" in seen["ready_page"]
    ready = seen["ready"]
    assert ready.status_code == 200 and ready.json()["status"] == "ready" and ready.json()["units"] > 100


# --------------------------------------------------------------------------- citations

@SIZES
def test_citation_marker_opens_the_clause_with_the_used_sentence_highlighted(app, browser, size):
    page = open_chat(browser, app["base"], size)
    ask(page, "浦东2023年知识产权质押融资和保险新险种哪个处牵头")
    reply = last_reply(page)
    assert "发展促进处" in reply.inner_text()
    name = reply.locator(".answer .doc-name").first  # short name, full title on hover
    assert name.inner_text() == "浦东2023要点" and name.get_attribute("title") == "浦东新区知识产权局2023年工作要点"
    panel = page.locator("#cite-panel")
    assert not panel.is_visible() or panel.bounding_box()["x"] >= size["width"] - 1
    reply.locator(".answer .cite").first.click()
    page.wait_for_function("document.querySelector('#cite-panel.open')")
    page.wait_for_timeout(400)  # the slide-in transition
    box = panel.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= size["width"] + 1  # fully on screen
    text = panel.inner_text()
    assert "第6条" in text and "发展促进处" in text and "所在位置" in text and "（二）有力促进知识产权高质量创造" in text
    marked = panel.locator("mark.used")
    assert marked.count() >= 1 and "积极推进知识产权金融创新工作" in marked.first.inner_text()
    assert "稳步推进知识产权质押融资工作" in panel.locator(".cd-text").inner_text()  # the whole clause is there
    link = panel.locator("a.cd-link")
    assert link.inner_text() == "在文件浏览中查看此条"
    href = link.get_attribute("href")
    assert href.startswith("?doc=000&unit=")
    page.keyboard.press("Escape")
    page.wait_for_function("!document.querySelector('#cite-panel.open')")
    # the deep link opens 文件浏览 at that clause, open and marked
    page.goto(app["base"] + "/" + href)
    target = page.locator("#doc-view details.target")
    target.wait_for(timeout=30_000)
    assert target.get_attribute("open") is not None and "积极推进知识产权金融创新工作" in target.inner_text()
    assert page.get_by_role("tab", name="文件浏览").get_attribute("aria-selected") == "true"
    page.context.close()


def test_long_list_folds_after_ten_items_and_the_new_answer_shows_its_start(app, browser):
    page = open_chat(browser, app["base"])
    ask(page, TARGET)
    ask(page, LONG_LIST)
    reply = last_reply(page)
    assert reply.locator(".answer > ol > li").count() == 10
    more = reply.locator(".answer details.more")
    assert not more.locator("li").first.is_visible() and "展开全部" in more.locator("summary").inner_text()
    assert reply.locator(".sources > details.source").count() == 5  # the rest of the sources fold too
    # the question of the new answer is at the top of the conversation, not scrolled past
    question = page.locator("#chat .message-row.user-row").last.bounding_box()
    chat = page.locator("#chat").bounding_box()
    assert chat["y"] - 5 <= question["y"] <= chat["y"] + 80
    more.locator("summary").click()
    assert more.locator("li").first.is_visible() and reply.locator("li").count() > 30
    assert "《普陀区落实" not in reply.locator(".answer").inner_text()  # short names, not the full title per line
    page.context.close()


# --------------------------------------------------------------------------- offline and Chinese

@SIZES
def test_only_the_app_is_contacted_and_no_english_is_shown(app, browser, size):
    page = open_chat(browser, app["base"], size, watch=True)
    assert english_strings(page) == []
    ask(page, LEAD)
    # while a long answer is on its way (queued, then retrieving, then streaming)
    page.locator("#question textarea").fill(LONG_LIST)
    page.locator("#send").click()
    page.wait_for_function("document.querySelector('#chat .pending') || "
                           "document.querySelectorAll('#chat .reply .actions').length >= 2", timeout=60_000)
    during = english_strings(page)
    page.wait_for_function("document.querySelectorAll('#chat .reply .actions').length >= 2", timeout=60_000)
    assert during == []
    last_reply(page).locator(".cite").first.click()
    page.wait_for_function("document.querySelector('#cite-panel.open')")
    strings = english_strings(page)
    page.keyboard.press("Escape")
    page.wait_for_function("!document.querySelector('#cite-panel.open')")
    page.wait_for_timeout(300)
    last_reply(page).locator(".act.up").click()
    page.get_by_text("已记录您的反馈", exact=False).first.wait_for(timeout=20_000)
    strings += english_strings(page)
    page.locator("#chat button[aria-label='清空对话']").click()
    strings += english_strings(page)
    assert strings == []
    page.wait_for_timeout(300)
    assert page.evaluate("window.__paEnglish") == []  # nothing English at any moment in between either
    hosts = {urlparse(url).netloc for url in page.requests if url.startswith("http")}
    assert hosts == {urlparse(app["base"]).netloc}, hosts
    assert all(url.startswith(("http://127.0.0.1", "data:", "blob:")) for url in page.requests)
    page.context.close()


def test_internal_functions_are_not_offered_as_an_api(app):
    info = httpx.get(app["base"] + "/gradio_api/info", timeout=30).json()
    # none of the page's functions: chat, 文件浏览, 评测 (check, run) and 文件管理 (check, publish, retire…)
    assert info["named_endpoints"] == {} and info["unnamed_endpoints"] == {}
    config = httpx.get(app["base"] + "/config", timeout=30).json()
    assert "api" not in (config.get("footer_links") or [])


def test_docs_are_served_without_a_cdn(app, browser):
    html = httpx.get(app["base"] + "/docs", timeout=30).text
    assert "cdn" not in html.lower() and "/docs-assets/swagger-ui-bundle.js" in html
    assert httpx.get(app["base"] + "/docs-assets/swagger-ui-bundle.js", timeout=30).status_code == 200
    redoc = httpx.get(app["base"] + "/redoc", timeout=30).text
    assert "fonts.googleapis" not in redoc and "/docs-assets/redoc.standalone.js" in redoc
    page = browser.new_page()
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(app["base"] + "/docs")
    page.locator(".swagger-ui .info .title").wait_for(timeout=30_000)
    assert "政策问答助手 API" in page.locator(".swagger-ui .info .title").inner_text()
    assert page.locator(".opblock-summary-path", has_text="/api/ask").count() == 1
    assert {urlparse(u).netloc for u in requests if u.startswith("http")} == {urlparse(app["base"]).netloc}
    page.close()


def test_swagger_ui_labels_in_chinese(app, browser):
    """/docs loads assistant/static/swagger-zh.js: Swagger UI's labels become Chinese as panels open,
    while paths, methods, schema names and JSON stay as they are."""
    assert '<script src="/docs-zh.js">' in httpx.get(app["base"] + "/docs", timeout=30).text
    page = browser.new_page(locale="zh-CN")
    page.goto(app["base"] + "/docs")
    page.locator(".swagger-ui .info .title").wait_for(timeout=30_000)
    page.locator(".opblock-summary", has_text="/api/ask").first.click()
    page.locator(".try-out__btn").first.click()
    page.locator(".execute").first.click()  # the example body: a response is shown
    page.locator(".responses-inner .live-responses-table").first.wait_for(timeout=30_000)
    text = page.locator(".swagger-ui").inner_text()
    for label in ("参数", "请求体", "执行", "清除", "响应", "请求地址", "服务器响应", "响应内容", "状态码", "说明",
                  "示例值", "数据结构"):
        assert label in text, label
    english = ("Parameters", "Request body", "Execute", "Responses", "Server response", "Response body",
               "Example Value", "Schemas", "Try it out", "Successful Response", "Copy to clipboard")
    attributes = page.evaluate("Array.from(document.querySelectorAll('[title],[aria-label]'))"
                               ".map(e => (e.getAttribute('title') || '') + '|' + (e.getAttribute('aria-label') || ''))")
    assert not [w for w in english if re.search(rf"(^|\n){re.escape(w)}($|\n)", text) or any(w in a for a in attributes)]
    assert page.locator(".opblock-summary-path", has_text="/api/ask").count() == 1 and "AskRequest" in text
    page.close()


# --------------------------------------------------------------------------- input

@SIZES
def test_input_rules_empty_counter_and_over_long(app, browser, size):
    page = open_chat(browser, app["base"], size)
    send, box = page.locator("#send"), page.locator("#question textarea")
    assert send.is_disabled()
    box.press("Enter")
    page.wait_for_timeout(500)
    assert page.locator("#chat .message-row").count() == 0  # no empty bubble, no empty answer
    box.fill("专利" * 250 + "？")
    counter = page.locator("#char-count")
    assert counter.inner_text() == "501 / 500" and "over" in counter.get_attribute("class") and send.is_disabled()
    box.press("Enter")
    page.wait_for_timeout(500)
    assert page.locator("#chat .message-row").count() == 0 and box.input_value().endswith("？")
    # the server's own check: forced through, the question is refused and stays in the box
    page.evaluate("document.querySelector('#send').disabled = false; document.querySelector('#send').click()")
    page.get_by_text("问题过长（501 字）", exact=False).first.wait_for(timeout=20_000)
    assert page.locator("#chat .message-row").count() == 0 and len(box.input_value()) == 501
    box.fill("数据知识产权试点")
    assert counter.inner_text() == "8 / 500" and not send.is_disabled()
    # the composer stays at the bottom of the window
    composer = page.locator("#composer").bounding_box()
    assert size["height"] - 140 <= composer["y"] and composer["y"] + composer["height"] <= size["height"] + 2
    assert page.locator("#chat").bounding_box()["height"] > size["height"] * 0.5
    page.context.close()


@SIZES
def test_example_cards_send_at_once(app, browser, size):
    page = open_chat(browser, app["base"], size)
    card = page.locator("#chat .example").first
    question = card.locator(".ex-q").inner_text()
    assert "示例：" in card.inner_text() and card.is_visible()
    card.click()
    page.wait_for_function("document.querySelectorAll('#chat .reply .actions').length >= 1", timeout=60_000)
    assert question in page.locator("#chat .message-row.user-row").first.inner_text()
    assert last_reply(page).locator(".cite").count() >= 1
    page.context.close()


# --------------------------------------------------------------------------- feedback and copy

def test_one_changeable_judgement_per_answer_with_a_reason(app, browser):
    page = open_chat(browser, app["base"])
    ask(page, TARGET)
    bar = last_reply(page).locator(".actions")
    answer_id = next(c[4:] for c in bar.get_attribute("class").split() if c.startswith("aid-"))

    def mine():
        return [j for j in judgements(app["data"]) if j["answer_id"] == answer_id]

    def settle(predicate):
        deadline = time.time() + 20
        while time.time() < deadline:
            found = mine()
            if predicate(found):
                return found
            time.sleep(0.2)
        raise AssertionError(mine())

    bar.locator(".act.up").click()
    assert bar.locator(".act.up").get_attribute("aria-pressed") == "true"
    settle(lambda f: len(f) == 1 and f[0]["liked"] is True)
    bar.locator(".act.down").click()  # changing the judgement replaces it
    assert bar.locator(".act.up").get_attribute("aria-pressed") == "false"
    assert bar.locator(".act.down").get_attribute("aria-pressed") == "true"
    settle(lambda f: len(f) == 1 and f[0]["liked"] is False)
    bar.locator(".reason input").fill("年份不对")
    bar.locator(".reason-send").click()
    found = settle(lambda f: len(f) == 1 and f[0]["reason"] == "年份不对")
    assert found[0]["question"] == TARGET and found[0]["liked"] is False
    bar.locator(".act.down").click()  # the same button again withdraws it
    settle(lambda f: f == [])
    page.context.close()


def test_copy_gives_clean_text_with_numbered_sources(app, browser):
    page = open_chat(browser, app["base"], permissions=["clipboard-read", "clipboard-write"])
    ask(page, LEAD)
    last_reply(page).locator(".act.copy").click()
    page.wait_for_function("window.__paLastCopy !== undefined")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied == page.evaluate("window.__paLastCopy")
    assert "<" not in copied and "details" not in copied and "**" not in copied
    answer, _, sources = copied.partition("\n\n来源：\n")
    assert "办公室" in answer and "[1]" in answer
    lines = sources.splitlines()
    assert lines[0].startswith("[1] 《") and all(re.match(r"\[\d+\] 《", line) for line in lines)
    page.context.close()


# --------------------------------------------------------------------------- conversations

def test_clear_resets_the_conversation(app, browser):
    page = open_chat(browser, app["base"])
    ask(page, TARGET)
    assert "65件" in last_reply(page).inner_text()
    page.locator("#chat button[aria-label='清空对话']").click()
    page.wait_for_function("!document.querySelector('#chat .message-row')")
    ask(page, "那2024年呢？")
    assert "60件" not in last_reply(page).inner_text()  # the old context is gone
    page.context.close()


def test_conversation_list_reopens_a_past_conversation(app, browser):
    page = open_chat(browser, app["base"])
    ask(page, TARGET)
    page.locator("#new-conversation").click()
    page.wait_for_function("!document.querySelector('#chat .message-row')")
    ask(page, LEAD)
    items = page.locator("#conversations label")
    page.wait_for_function("document.querySelectorAll('#conversations label').length === 2")
    assert items.nth(0).inner_text().startswith("数据知识产权试点") and items.nth(1).inner_text().startswith("普陀区2025年")
    page.reload()  # the list lives in the browser, the conversations on the server
    page.locator("#question textarea").wait_for(timeout=60_000)
    page.wait_for_function("document.querySelectorAll('#conversations label').length === 2")
    page.locator("#conversations label").nth(1).click()
    page.wait_for_function("document.querySelectorAll('#chat .reply .actions').length === 1")
    assert TARGET in page.locator("#chat").inner_text() and "65件" in page.locator("#chat").inner_text()
    ask(page, "那2024年呢？")  # the reopened conversation goes on with its context
    assert "60件" in last_reply(page).inner_text()
    page.context.close()


def test_filter_is_honest_about_a_document_outside_it(app, browser):
    page = open_chat(browser, app["base"])
    page.locator("#doc-filter input").click()
    page.get_by_role("option", name="浦东2023要点", exact=False).click()
    page.keyboard.press("Escape")
    ask(page, TARGET)
    text = last_reply(page).inner_text()
    assert "不在当前限定的文件范围内" in text and "普陀" in text
    scope = text[text.index("目前可查询的文件"):]
    assert "浦东2023要点" in scope and "普陀" not in scope and "XX" not in scope  # only the documents in scope
    page.context.close()


# --------------------------------------------------------------------------- embedding in an intranet page

@SIZES
def test_embed_loader_on_a_sample_intranet_page(app, browser, tmp_path, size):
    sample = (ROOT / "examples" / "embed.html").read_text(encoding="utf-8")
    assert "127.0.0.1" not in sample and "embed.js" in sample
    page_file = tmp_path / "portal.html"
    page_file.write_text(sample.replace("https://intranet.example/policy-qa/", app["base"] + "/"), encoding="utf-8")
    context = browser.new_context(locale="zh-CN", viewport=size, is_mobile=size is PHONE, has_touch=size is PHONE)
    page = context.new_page()
    requests: list[str] = []
    errors: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(page_file.as_uri())
    button = page.locator(".pqa-button")
    button.wait_for(timeout=20_000)
    assert button.inner_text() == "政策问答"
    button.click()
    frame_element = page.locator(".pqa-panel iframe")
    assert frame_element.get_attribute("src") == app["base"] + "/?embed=1"
    frame = page.frame_locator(".pqa-panel iframe")
    frame.locator("#question textarea").wait_for(timeout=60_000)
    assert errors == []  # a denied localStorage no longer throws while the page mounts (see chat.js)
    frame.locator("#question textarea").fill(LEAD)
    frame.locator("#send").click()
    frame.locator("#chat .reply .actions").first.wait_for(timeout=60_000)
    assert "办公室" in frame.locator("#chat").inner_text()
    panel = page.locator(".pqa-panel").bounding_box()
    assert panel["x"] >= 0 and panel["x"] + panel["width"] <= size["width"] + 1
    # the page inside the panel fits it: no second scroll bar around the chat
    inner = page.frames[-1]
    assert inner.evaluate("document.documentElement.scrollHeight <= window.innerHeight + 2")
    assert {urlparse(u).netloc for u in requests if u.startswith("http")} == {urlparse(app["base"]).netloc}
    context.close()


def test_embed_script_follows_a_sub_path(assistant):
    """Behind a proxy under /policy-qa the loader is served there and takes its address from its own src."""
    from fastapi.testclient import TestClient

    from app import create_app

    assistant.settings.root_path = "/policy-qa"
    try:
        with TestClient(create_app(assistant=assistant), root_path="/policy-qa") as client:
            script = client.get("/embed.js")
            assert script.status_code == 200 and script.headers["content-type"].startswith("application/javascript")
            assert "script.src.replace" in script.text and "127.0.0.1" not in script.text
            docs = client.get("/docs").text
            assert "/policy-qa/docs-assets/swagger-ui-bundle.js" in docs and "/policy-qa/docs-zh.js" in docs
            assert client.get("/docs-zh.js").text == (ROOT / "assistant" / "static" / "swagger-zh.js").read_text()
    finally:
        assistant.settings.root_path = ""


# --------------------------------------------------------------------------- rendering (no browser)

def test_answer_rendering_is_escaped_and_folds_long_lists():
    from assistant.web import Lookup, answer_html, copy_text, highlighted, render_answer

    citations = [{"n": 1, "doc_title": "很长的文件标题", "label": "第1条", "section": "一、任务", "text": "第一句。第二句<b>。",
                  "lead_units": ["某处"], "deadline": "", "unit_id": "u#1"}]
    lookup = Lookup(short={"很长的文件标题": "短名"})
    text = "共 12 项：\n" + "\n".join(f"{i}. 《很长的文件标题》第{i}条 [1]" for i in range(1, 13))
    page = answer_html(text, citations, lookup)
    assert page.count("<li>") == 12 and "展开全部（共 12 项，另有 2 项）" in page and "\n" not in page
    assert '<span class="doc-name" title="很长的文件标题">短名</span>' in page and 'class="cite"' in page
    assert "[2]" in answer_html("见 [2]", citations, lookup)  # a marker without a citation stays text
    marked = highlighted("第一句。第二句。", "答案用了第二句")
    assert marked == '第一句。<mark class="used">第二句。</mark>'
    full = render_answer({"answer": "某处 [1]", "citations": citations}, lookup, "ab12")
    assert "<b>" not in full and "&lt;b&gt;" in full and "aid-ab12" in full
    assert copy_text({"answer": "**某处** [1]", "citations": citations}) == "某处 [1]\n\n来源：\n[1] 《很长的文件标题》 第1条 一、任务"


def test_the_page_apps_own_4xx_details_are_chinese(app):
    base = app["base"]
    for response in (httpx.get(base + "/gradio_api/file=/etc/passwd", timeout=30),
                     httpx.post(base + "/gradio_api/queue/join", json={}, timeout=30),
                     httpx.get(base + "/docs-assets/nope.js", timeout=30)):
        assert 400 <= response.status_code < 500
        detail = response.json()["detail"]
        assert isinstance(detail, str) and CJK.search(detail), response.text
