"""The web app: Gradio chat at `/`, HTTP API at `/api/*`, OpenAPI docs at `/docs`, on one server.

Run `make run` (or `python app.py [--host H] [--port P] [--root-path /sub]`). The index is built on
first start when missing or stale, with a progress bar in the terminal.
"""
from __future__ import annotations

import argparse
import logging
import os
import sys

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")  # intranets are offline: no phoning home

import gradio as gr  # noqa: E402
import uvicorn  # noqa: E402

from assistant.api import create_api  # noqa: E402
from assistant.chat import Assistant, SessionStore  # noqa: E402
from assistant.config import Settings  # noqa: E402
from assistant.embedding import ModelError  # noqa: E402
from assistant.index import IndexBuildError  # noqa: E402
from assistant.web import CSS, create_web  # noqa: E402


def create_app(settings: Settings | None = None, assistant: Assistant | None = None):
    """FastAPI app with the API routes first and the Gradio page mounted at the root."""
    assistant = assistant or Assistant(settings)
    settings = assistant.settings
    sessions = SessionStore(settings.max_sessions)
    api = create_api(assistant, sessions)
    demo = create_web(assistant, sessions)
    return gr.mount_gradio_app(api, demo, path="/", root_path=settings.root_path or None,
                               auth=settings.credentials() or None, auth_message="请输入用户名和密码。",
                               css=CSS, footer_links=["api"], show_error=True)


def main(argv: list[str] | None = None) -> int:
    settings = Settings()
    parser = argparse.ArgumentParser(description="政策问答助手 web app")
    parser.add_argument("--host", default=settings.host)
    parser.add_argument("--port", type=int, default=settings.port)
    parser.add_argument("--root-path", default=settings.root_path, help="sub-path behind a reverse proxy, e.g. /policy-qa")
    args = parser.parse_args(argv)
    settings.host, settings.port, settings.root_path = args.host, args.port, args.root_path.rstrip("/")
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("assistant").setLevel(logging.INFO)
    try:
        app = create_app(settings)
    except (IndexBuildError, ModelError) as exc:
        print(f"启动失败：{exc}", file=sys.stderr)
        return 1
    print(f"政策问答助手已启动：http://{settings.host}:{settings.port}{settings.root_path}/  （API 文档：/docs）", flush=True)
    uvicorn.run(app, host=settings.host, port=settings.port, root_path=settings.root_path, log_level="warning")
    return 0


if __name__ == "__main__":
    sys.exit(main())
