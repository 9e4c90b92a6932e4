"""Screenshots of the chat page for the README, written on purpose (the test suite never writes docs/).

    .venv/bin/python docs/screens.py [--out docs]

Starts app.py on a free port over the corpus and index in the environment (PA_CORPUS, PA_INDEX; a
throw-away database), then in Chromium: the start-up page, desktop 1400×900 with an answer, phone
390×844, the citation panel, and the embed loader on examples/embed.html.
"""
from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.load import free_port, start_server, stop_server  # noqa: E402

DESKTOP = {"width": 1400, "height": 900}
PHONE = {"width": 390, "height": 844}
QUESTIONS = ["普陀区2025年PCT国际专利申请量的目标是多少？", "那2024年呢？", "浦东2023年知识产权质押融资和保险新险种哪个处牵头"]


def ask(page, question: str) -> None:
    before = page.locator("#chat .reply .actions").count()
    page.locator("#question textarea").fill(question)
    page.locator("#send").click()
    page.wait_for_function(f"document.querySelectorAll('#chat .reply .actions').length > {before}", timeout=60_000)
    page.wait_for_timeout(400)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "docs"))
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    from playwright.sync_api import sync_playwright

    data = tempfile.mkdtemp(prefix="pa-screens-")
    port = free_port()
    proc = start_server(port, {"PA_DATA": data, "GRADIO_ANALYTICS_ENABLED": "False"})
    base = f"http://127.0.0.1:{port}"
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=shutil.which("chromium") or "/usr/bin/chromium",
                                        args=["--no-sandbox", "--disable-gpu"])
            desktop = browser.new_context(locale="zh-CN", viewport=DESKTOP).new_page()
            desktop.goto(base + "/")
            desktop.locator("#question textarea").wait_for(timeout=60_000)
            desktop.wait_for_timeout(800)
            desktop.screenshot(path=str(out / "chat-welcome.png"))
            for question in QUESTIONS:
                ask(desktop, question)
            desktop.screenshot(path=str(out / "chat.png"))
            desktop.locator("#chat .reply").last.locator(".answer .cite").first.click()
            desktop.wait_for_timeout(600)
            desktop.screenshot(path=str(out / "citation-panel.png"))

            phone = browser.new_context(locale="zh-CN", viewport=PHONE, is_mobile=True, has_touch=True).new_page()
            phone.goto(base + "/")
            phone.locator("#question textarea").wait_for(timeout=60_000)
            ask(phone, QUESTIONS[2])
            phone.screenshot(path=str(out / "chat-phone.png"))

            portal = Path(data) / "portal.html"
            sample = (ROOT / "examples" / "embed.html").read_text(encoding="utf-8")
            portal.write_text(sample.replace("https://intranet.example/policy-qa/", base + "/"), encoding="utf-8")
            embed = browser.new_context(locale="zh-CN", viewport=DESKTOP).new_page()
            embed.goto(portal.as_uri())
            embed.locator(".pqa-button").click()
            frame = embed.frame_locator(".pqa-panel iframe")
            frame.locator("#question textarea").wait_for(timeout=60_000)
            frame.locator("#question textarea").fill(QUESTIONS[2])
            frame.locator("#send").click()
            frame.locator("#chat .reply .actions").first.wait_for(timeout=60_000)
            embed.wait_for_timeout(600)
            embed.screenshot(path=str(out / "embed.png"))
            browser.close()
    finally:
        stop_server(proc, timeout=20)
    for name in ("chat-welcome", "chat", "citation-panel", "chat-phone", "embed"):
        print(out / f"{name}.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
