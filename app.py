"""The web app: Gradio chat at `/`, HTTP API at `/api/*`, OpenAPI docs at `/docs`, on one server.

Run `make run` (or `python app.py [--host H] [--port P] [--root-path /sub] [--workers N]`). The index is
built on first start when missing or stale, with a progress bar in the terminal; with several workers
one process builds it under a file lock while the others wait, then load it.
"""
from __future__ import annotations

import argparse
import fcntl
import logging
import os
import sys
from contextlib import contextmanager
from pathlib import Path

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")  # intranets are offline: no phoning home

import gradio as gr  # noqa: E402
import uvicorn  # noqa: E402

from assistant import feedback  # noqa: E402
from assistant.api import LoginLimiter, RequestGuard, create_api  # noqa: E402
from assistant.chat import Assistant  # noqa: E402
from assistant.config import Settings  # noqa: E402
from assistant.embedding import ModelError  # noqa: E402
from assistant import index as index_module  # noqa: E402
from assistant.index import IndexBuildError, index_status  # noqa: E402
from assistant.store import PageSessions, Store  # noqa: E402
from assistant.web import CSS, create_web  # noqa: E402

LOG_LEVEL = os.environ.get("PA_LOG_LEVEL", "warning")  # uvicorn's; "info" logs each worker's start-up


@contextmanager
def index_lock(settings: Settings):
    """One process at a time may build the index (workers and replicas sharing the folder)."""
    lock_path = Path(settings.index_dir).parent / f".{Path(settings.index_dir).name}.app-lock"
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_path, "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def load_assistant(settings: Settings) -> Assistant:
    """The assistant over a current index; a missing or stale index is rebuilt by one process only."""
    if hasattr(index_module, "build_lock") or index_status(settings) == "current":
        return Assistant(settings)  # index.py serialises builds itself
    with index_lock(settings):
        return Assistant(settings)  # re-checks: another process may have built it while this one waited


def create_app(settings: Settings | None = None, assistant: Assistant | None = None, store: Store | None = None):
    """FastAPI app with the API routes first and the Gradio page mounted at the root.

    Without arguments it reads the settings from the environment (`uvicorn app:create_app --factory`).
    """
    assistant = assistant or load_assistant(settings or Settings())
    settings = assistant.settings
    store = store or Store.from_settings(settings, units=assistant.units_by_id)
    feedback.use_store(store)
    limiter = LoginLimiter(settings.login_failures_per_user, settings.login_failures_per_client,
                           settings.login_window_seconds, store=store)
    api = create_api(assistant, store, limiter)
    demo = create_web(assistant, PageSessions(store, settings.max_page_sessions))
    app = gr.mount_gradio_app(api, demo, path="/", root_path=settings.root_path or None,
                              auth=settings.credentials() or None, auth_message="请输入用户名和密码。",
                              css=CSS, footer_links=["api"], show_error=True,
                              max_file_size=settings.max_upload_bytes)
    app.add_middleware(RequestGuard, api_limit=settings.max_body_bytes, page_limit=settings.max_page_body_bytes,
                       upload_limit=settings.max_upload_bytes, limiter=limiter, login=bool(settings.credentials()))
    app.state.store = store
    return app


def main(argv: list[str] | None = None) -> int:
    settings = Settings()
    parser = argparse.ArgumentParser(description="政策问答助手 web app")
    parser.add_argument("--host", default=settings.host)
    parser.add_argument("--port", type=int, default=settings.port)
    parser.add_argument("--root-path", default=settings.root_path, help="sub-path behind a reverse proxy, e.g. /policy-qa")
    parser.add_argument("--workers", type=int, default=int(os.environ.get("PA_WORKERS", "1")),
                        help="worker processes sharing the index folder and the database")
    args = parser.parse_args(argv)
    settings.host, settings.port, settings.root_path = args.host, args.port, args.root_path.rstrip("/")
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("assistant").setLevel(logging.INFO)
    if args.workers > 1:
        # each worker builds its own app from the environment; the first to find the index stale rebuilds it
        os.environ.update({"PA_HOST": settings.host, "PA_PORT": str(settings.port), "PA_ROOT_PATH": settings.root_path})
        print(f"政策问答助手启动中（{args.workers} 个进程）：http://{settings.host}:{settings.port}{settings.root_path}/",
              flush=True)
        uvicorn.run("app:create_app", factory=True, workers=args.workers, host=settings.host, port=settings.port,
                    root_path=settings.root_path, log_level=LOG_LEVEL, app_dir=str(Path(__file__).resolve().parent))
        return 0
    try:
        app = create_app(settings)
    except (IndexBuildError, ModelError, RuntimeError) as exc:
        print(f"启动失败：{exc}", file=sys.stderr)
        return 1
    print(f"政策问答助手已启动：http://{settings.host}:{settings.port}{settings.root_path}/  （API 文档：/docs）", flush=True)
    uvicorn.run(app, host=settings.host, port=settings.port, root_path=settings.root_path, log_level=LOG_LEVEL)
    return 0


if __name__ == "__main__":
    sys.exit(main())
