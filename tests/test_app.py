"""End to end: the real server (app.py) in a subprocess, driven by Playwright in Debian's Chromium.

Asks a lead question in the chat page, checks the department and expands a source to the clause
text, checks that an HTML payload shows as text, then does the same inside an iframe. The page's
other behaviours (citation panel, start-up, input rules, embed loader…) are in test_web_chat.py.
"""
from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def server(index, settings, tmp_path_factory):
    """app.py on a free loopback port, reusing the test index (already built and current)."""
    from bench.load import free_port, start_server

    feedback = tmp_path_factory.mktemp("web") / "feedback.jsonl"
    port = free_port()
    proc = start_server(port, {"PA_INDEX": str(settings.index_dir), "PA_CORPUS": str(settings.corpus_dir),
                              "PA_FEEDBACK": str(feedback), "GRADIO_ANALYTICS_ENABLED": "False",
                              "PA_DATA": str(tmp_path_factory.mktemp("web") / "state")})
    yield f"http://127.0.0.1:{port}", feedback
    proc.terminate()
    proc.wait(timeout=20)




def ask_and_check(frame, question: str, department: str) -> None:
    frame.locator("#question textarea").fill(question)
    frame.locator("#send").click()
    frame.locator("#chat details.source").first.wait_for(timeout=30_000)
    assert department in frame.locator("#chat").inner_text()
    source = frame.locator("#chat details.source").first
    clause = source.locator(".clause")
    assert not clause.is_visible()
    source.locator("summary").click()
    clause.wait_for(state="visible", timeout=5_000)
    assert "数据知识产权" in clause.inner_text()


def test_chat_page_answers_with_expandable_sources(server, browser, tmp_path):
    base, feedback = server
    page = browser.new_page(viewport={"width": 1280, "height": 1100})
    page.goto(base + "/", wait_until="load")
    page.locator("#question textarea").wait_for(timeout=60_000)
    ask_and_check(page, "数据知识产权试点由哪个部门牵头？", "办公室")
    page.locator("#chat .actions .act.down").last.click()
    deadline = time.time() + 10
    while time.time() < deadline and not feedback.exists():
        time.sleep(0.2)
    from assistant.feedback import read_all

    saved = read_all(feedback)
    assert saved and saved[-1]["liked"] is False and saved[-1]["question"] == "数据知识产权试点由哪个部门牵头？"
    assert saved[-1]["citations"]
    # a test never rewrites tracked files: the screenshots in docs/ are written by `python docs/screens.py`
    page.screenshot(path=str(tmp_path / "chat.png"), full_page=True)

    payload = '<img src=x onerror="window.pwned=1"><script>window.pwned=2</script>谁负责'
    page.locator("#question textarea").fill(payload)
    page.locator("#send").click()
    page.get_by_text("目前可查询的文件", exact=False).last.wait_for(timeout=30_000)
    assert page.evaluate("window.pwned") is None
    assert '<img src=x onerror="window.pwned=1">' in page.locator("#chat").inner_text()

    page.locator("#new-conversation").click()
    page.wait_for_function("!document.querySelector('#chat details.source')", timeout=10_000)
    page.close()


def test_embed_page_iframe(server, browser, tmp_path):
    base, _ = server
    html = (ROOT / "examples" / "embed.html").read_text(encoding="utf-8")
    snippet = re.search(r"&lt;iframe src=\"https://intranet.example/policy-qa/\"[^&]*", html)
    assert snippet, "examples/embed.html shows the iframe alternative"
    embed = tmp_path / "embed.html"
    embed.write_text(f'<!DOCTYPE html><html lang="zh-CN"><body><h1>内网门户</h1><iframe id="assistant" src="{base}/" '
                     'title="政策问答助手" style="width:100%;height:900px;border:0"></iframe></body></html>', encoding="utf-8")
    page = browser.new_page(viewport={"width": 1280, "height": 1200})
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(embed.as_uri(), wait_until="load")
    frame = page.frame_locator("#assistant")
    frame.locator("#question textarea").wait_for(timeout=60_000)
    # Chromium denies a cross-site iframe its localStorage; the page runs on an in-memory one instead of
    # throwing while Gradio mounts (which left the chat tab at "加载中…" when modules arrived in some orders)
    assert errors == []
    assert page.frames[-1].evaluate("window.__paMemoryStorage === true")
    ask_and_check(frame, "数据知识产权试点由哪个部门牵头？", "办公室")
    assert errors == []
    page.close()


def test_two_browser_sessions_keep_separate_conversations(server, browser):
    base, _ = server
    pages = [browser.new_page() for _ in range(2)]
    for page in pages:
        page.goto(base + "/", wait_until="load")
        page.locator("#question textarea").wait_for(timeout=60_000)
    questions = ["普陀区2025年PCT国际专利申请量的目标是多少？", "XX新区2024年知识产权质押融资金额目标是多少？"]
    for page, question in zip(pages, questions):
        page.locator("#question textarea").fill(question)
        page.locator("#send").click()
        page.locator("#chat details.source").first.wait_for(timeout=30_000)
    pages[0].locator("#question textarea").fill("那2024年呢？")
    pages[0].locator("#send").click()
    pages[0].wait_for_function("document.querySelectorAll('#chat details.source').length >= 2", timeout=30_000)
    text = pages[0].locator("#chat").inner_text()
    assert "60件" in text and "质押融资" not in text
    for page in pages:
        page.close()


def test_document_browser_tab(server, browser):
    base, _ = server
    page = browser.new_page()
    page.goto(base + "/", wait_until="load")
    page.get_by_role("tab", name="文件浏览").click()
    page.get_by_text("可引用单元", exact=False).first.wait_for(timeout=20_000)
    assert page.locator("details.source").count() > 20
    page.close()


def test_sub_path_behind_a_reverse_proxy(assistant):
    """With PA_ROOT_PATH=/policy-qa the page's asset and API URLs carry the prefix the proxy strips."""
    from fastapi.testclient import TestClient

    from app import create_app

    assistant.settings.root_path = "/policy-qa"
    try:
        with TestClient(create_app(assistant=assistant), root_path="/policy-qa") as client:
            assert client.get("/config").json()["root"].endswith("/policy-qa")
            assert "/policy-qa" in client.get("/").text
            assert client.get("/api/health").json()["status"] == "ready"
    finally:
        assistant.settings.root_path = ""


def test_starting_app_serves_the_start_up_state_then_the_real_app():
    """While `build` runs (the model loading) the page, /api/health and the API answer at once; then the
    real app takes over with its lifespan started. Behind a proxy the page polls the prefixed health URL."""
    import threading

    from fastapi import FastAPI
    from fastapi.testclient import TestClient

    from app import StartingApp
    from assistant.config import Settings

    release, started = threading.Event(), []
    real = FastAPI(on_startup=[lambda: started.append(True)])
    real.get("/api/health")(lambda: {"status": "ready"})
    real.get("/")(lambda: {"page": "chat"})

    def build():
        release.wait(timeout=30)
        return real

    starting = StartingApp(build, Settings(), api_wait=0.3)
    with TestClient(starting, root_path="/policy-qa") as client:
        page = client.get("/")
        assert page.status_code == 200 and "正在加载模型…" in page.text and "disabled" in page.text
        assert '"/policy-qa/api/health"' in page.text
        health = client.get("/api/health")
        assert health.status_code == 503 and health.json()["status"] == "starting"
        ask = client.post("/api/ask", json={"question": "谁牵头？"})  # waited 0.3 s for the model
        assert ask.status_code == 503 and "正在加载模型" in ask.json()["detail"] and ask.headers["retry-after"]
        assert client.get("/embed.js").status_code == 200
        starting.api_wait = 30
        threading.Timer(0.5, release.set).start()
        assert client.get("/api/health").status_code == 503
        waited = client.get("/api/documents")  # an API call made while loading waits, then reaches the real app
        assert waited.status_code == 404 and starting.status == "ready"  # (the stand-in app has no such route)
        deadline = time.time() + 20
        while starting.status != "ready" and time.time() < deadline:
            time.sleep(0.05)
        assert started == [True]  # the real app's start-up events ran before it took requests
        assert client.get("/api/health").json() == {"status": "ready"} and client.get("/").json() == {"page": "chat"}


def test_starting_app_reports_a_failed_start():
    from fastapi.testclient import TestClient

    from app import StartingApp
    from assistant.config import Settings

    def build():
        raise RuntimeError("索引目录不可写")

    starting = StartingApp(build, Settings())
    with TestClient(starting) as client:
        deadline = time.time() + 20
        while starting.status == "starting" and time.time() < deadline:
            time.sleep(0.05)
        health = client.get("/api/health")
        assert health.status_code == 503 and health.json() == {"status": "failed", "detail": "启动失败：索引目录不可写"}
        assert "启动失败：索引目录不可写" in client.get("/").text


def test_starting_app_answers_the_api_from_the_early_app_while_the_page_loads():
    """With `early`, API calls reach the API-only app as soon as it is built, while the page, /api/health
    and other paths still show the start-up state; then everything switches to the real app and both
    lifespans are shut down at the end."""
    import threading

    from fastapi import FastAPI
    from fastapi.testclient import TestClient

    from app import StartingApp
    from assistant.config import Settings

    release, events = threading.Event(), []
    early_app = FastAPI(on_startup=[lambda: events.append("early up")], on_shutdown=[lambda: events.append("early down")])
    early_app.post("/api/ask")(lambda: {"answered": True, "by": "early"})
    real = FastAPI(on_startup=[lambda: events.append("real up")], on_shutdown=[lambda: events.append("real down")])
    real.post("/api/ask")(lambda: {"answered": True, "by": "real"})
    real.get("/api/health")(lambda: {"status": "ready"})
    real.get("/")(lambda: {"page": "chat"})

    def build():
        release.wait(timeout=30)
        return real

    starting = StartingApp(build, Settings(), early=lambda: early_app)
    with TestClient(starting, root_path="/policy-qa") as client:
        assert client.post("/api/ask", json={"question": "谁牵头？"}).json()["by"] == "early"  # waited for `early`
        assert starting.status == "starting" and events == ["early up"]
        health = client.get("/api/health")
        assert health.status_code == 503 and health.json()["status"] == "starting"
        assert "正在加载模型…" in client.get("/").text
        release.set()
        deadline = time.time() + 20
        while starting.status != "ready" and time.time() < deadline:
            time.sleep(0.05)
        assert client.get("/api/health").json() == {"status": "ready"} and client.get("/").json() == {"page": "chat"}
        assert client.post("/api/ask", json={"question": "谁牵头？"}).json()["by"] == "real"
    assert events == ["early up", "real up", "real down", "early down"]
