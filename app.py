"""The web app: Gradio chat at `/`, HTTP API at `/api/*`, OpenAPI docs at `/docs`, on one server.

Run `make run` (or `python app.py [--host H] [--port P] [--root-path /sub] [--workers N]`). The server
answers at once: while the model and the index load (the index is built on first start when missing
or stale, with a progress bar in the terminal) the page shows "正在加载模型…" with the input disabled,
`/api/health` answers 503 `{"status": "starting"}` and then 200 `{"status": "ready"}`. With several
workers one process builds the index under a file lock while the others wait, then load it.

Start-up is staged so that each part is usable as soon as it can be: the server listens with nothing
but uvicorn imported and serves the start-up page at once; the loading thread then loads the index and
the query model and mounts the HTTP API (answers from ~2 s); Gradio (~3 s to import) is imported last,
and the page and `/api/health` "ready" follow when the chat page is mounted.
"""
from __future__ import annotations

import argparse
import asyncio
import fcntl
import html
import json
import logging
import os
import signal
import sys
import threading
from contextlib import contextmanager
from pathlib import Path

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")  # intranets are offline: no phoning home

import uvicorn  # noqa: E402

from assistant.config import Settings  # noqa: E402

LOG_LEVEL = os.environ.get("PA_LOG_LEVEL", "warning")  # uvicorn's; "info" logs each worker's start-up
STATIC = Path(__file__).resolve().parent / "assistant" / "static"
log = logging.getLogger("assistant.app")


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


def load_assistant(settings: Settings):
    """The assistant over a current index (the query model loading beside the imports, see
    assistant/startup.py); a missing or stale index is rebuilt by one process only."""
    from assistant.startup import load_assistant as load

    return load(settings, rebuild=_rebuild)


def _rebuild(settings: Settings):
    from assistant import index as index_module
    from assistant.chat import Assistant

    if hasattr(index_module, "build_lock"):
        return Assistant(settings)  # index.py serialises builds itself
    with index_lock(settings):
        return Assistant(settings)  # re-checks: another process may have built it while this one waited


def _store_and_limiter(assistant, store=None, limiter=None):
    """The conversation store and the login limiter one process shares between its API and page."""
    from assistant import feedback
    from assistant.api import LoginLimiter
    from assistant.store import Store

    settings = assistant.settings
    store = store or Store.from_settings(settings, units=assistant.units_by_id)
    feedback.use_store(store)
    limiter = limiter or LoginLimiter(settings.login_failures_per_user, settings.login_failures_per_client,
                                      settings.login_window_seconds, store=store)
    return store, limiter


def build_api(assistant, store=None, limiter=None):
    """The HTTP API alone (no Gradio), behind the same request guard: what answers while the page loads."""
    from assistant.api import RequestGuard, create_api

    settings = assistant.settings
    store, limiter = _store_and_limiter(assistant, store, limiter)
    return RequestGuard(create_api(assistant, store, limiter), api_limit=settings.max_body_bytes,
                        page_limit=settings.max_page_body_bytes, upload_limit=settings.max_upload_bytes,
                        limiter=limiter, login=bool(settings.credentials()))


def build_app(assistant, store=None, limiter=None):
    """FastAPI app with the API routes first and the Gradio page mounted at the root (assistant loaded)."""
    from assistant.gradio_loader import gr

    from assistant.api import RequestGuard, create_api
    from assistant.store import PageSessions
    from assistant.web import CSS, HEAD, create_web, theme

    settings = assistant.settings
    store, limiter = _store_and_limiter(assistant, store, limiter)
    api = create_api(assistant, store, limiter)
    demo = create_web(assistant, PageSessions(store, settings.max_page_sessions))
    # footer_links=[]: no "Use via API" panel for the page's internal functions (the HTTP API is /docs)
    app = gr.mount_gradio_app(api, demo, path="/", root_path=settings.root_path or None,
                              auth=settings.credentials() or None, auth_message="请输入用户名和密码。",
                              css=CSS, head=HEAD, theme=theme(), footer_links=[], show_error=True,
                              max_file_size=settings.max_upload_bytes)
    app.add_middleware(RequestGuard, api_limit=settings.max_body_bytes, page_limit=settings.max_page_body_bytes,
                       upload_limit=settings.max_upload_bytes, limiter=limiter, login=bool(settings.credentials()))
    app.state.store = store
    return app


def create_app(settings: Settings | None = None, assistant=None, store=None):
    """The ASGI app. With an assistant: the full app at once (tests). Without: an app that serves the
    start-up page at once and the full app once the assistant has loaded in a thread.

    Without arguments it reads the settings from the environment (`uvicorn app:create_app --factory`).
    """
    if assistant is not None:
        return build_app(assistant, store)
    return staged_app(settings or Settings(), store)


def staged_app(settings: Settings, store=None, exit_on_failure: bool = False) -> "StartingApp":
    """A StartingApp that loads the assistant and serves the API first (`early`), then mounts the page."""
    loaded: dict = {}

    def early():
        assistant = load_assistant(settings)
        loaded["store"], loaded["limiter"] = _store_and_limiter(assistant, store)
        loaded["assistant"] = assistant
        return build_api(assistant, loaded["store"], loaded["limiter"])

    def build():
        if "assistant" not in loaded:
            early()
        return build_app(loaded["assistant"], loaded["store"], loaded["limiter"])

    return StartingApp(build, settings, exit_on_failure=exit_on_failure, early=early)


# --------------------------------------------------------------------------- start-up state

STARTING_PAGE = """<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>政策问答助手 · 正在启动</title>
<style>
body {{ margin: 0; font-family: system-ui, "PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", sans-serif;
  background: #f6f7f9; color: #1f2937; display: flex; flex-direction: column; height: 100vh; }}
header {{ padding: 14px 20px; background: #fff; border-bottom: 1px solid #e5e7eb; }}
header h1 {{ margin: 0; font-size: 20px; }}
main {{ flex: 1; display: flex; align-items: center; justify-content: center; }}
.state {{ text-align: center; color: #4b5563; font-size: 16px; }}
.state.failed {{ color: #b91c1c; }}
.spinner {{ width: 28px; height: 28px; margin: 0 auto 12px; border: 3px solid #d1d5db; border-top-color: #2563eb;
  border-radius: 50%; animation: spin 1s linear infinite; }}
.failed .spinner {{ display: none; }}
@keyframes spin {{ to {{ transform: rotate(360deg); }} }}
footer {{ display: flex; gap: 8px; padding: 12px 20px calc(12px + env(safe-area-inset-bottom)); background: #fff;
  border-top: 1px solid #e5e7eb; }}
footer textarea {{ flex: 1; resize: none; height: 44px; padding: 10px; border: 1px solid #d1d5db; border-radius: 8px;
  font: inherit; background: #f3f4f6; }}
footer button {{ padding: 0 18px; border: 0; border-radius: 8px; background: #93c5fd; color: #fff; font: inherit; }}
</style></head>
<body>
<header><h1>政策问答助手</h1></header>
<main><div class="state{failed_class}" id="starting" role="status" aria-live="polite">
<div class="spinner"></div><div id="starting-text">{message}</div></div></main>
<footer><textarea id="question" disabled placeholder="正在加载模型，请稍候…" aria-label="问题"></textarea>
<button id="send" disabled>发送</button></footer>
<script>
(function () {{
  var health = {health};
  function poll() {{
    fetch(health, {{cache: "no-store"}}).then(function (r) {{ return r.json().then(function (b) {{ return [r.status, b]; }}); }})
      .then(function (res) {{
        if (res[1].status === "ready") {{ location.reload(); return; }}
        if (res[1].status === "failed") {{
          document.getElementById("starting").className = "state failed";
          document.getElementById("starting-text").textContent = res[1].detail;
          return;
        }}
        setTimeout(poll, 1000);
      }}).catch(function () {{ setTimeout(poll, 2000); }});
  }}
  setTimeout(poll, 1000);
}})();
</script>
</body></html>
"""


API_WAIT_SECONDS = 120  # an API request made during start-up waits this long for the model, then gets 503


class StartingApp:
    """ASGI app that listens at once: a start-up page and `/api/health` "starting" until the real app
    (built by `build` in a thread) is ready, then everything goes to the real app, whose lifespan
    (Gradio's queue) is started first. An API request made meanwhile waits for it (up to `api_wait`
    seconds, then 503 + Retry-After), so a worker still loading behind a load balancer delays an
    answer instead of failing it.

    With `early` (a callable run first in the same thread, returning an API-only app), API requests
    are served by that app as soon as it is built, while `build` still imports and mounts the page;
    the page, `/api/health` and everything else switch to the real app when it is ready."""

    def __init__(self, build, settings: Settings, exit_on_failure: bool = False, api_wait: float = API_WAIT_SECONDS,
                 early=None):
        self.build = build
        self.early = early
        self.settings = settings
        self.exit_on_failure = exit_on_failure
        self.api_wait = api_wait
        self.app = None  # the real app, once its lifespan has started
        self.api = None  # the early API-only app, once its lifespan has started
        self.failure = ""
        self._done = asyncio.Event()  # set when the real app is ready or the start failed
        self._answering = asyncio.Event()  # set when an app can answer API calls, or the start failed
        self._lifespans: list[tuple[asyncio.Queue, asyncio.Queue]] = []  # (to app, from app) per started app
        self._closing = False
        self._task: asyncio.Task | None = None

    @property
    def status(self) -> str:
        return "ready" if self.app is not None else "failed" if self.failure else "starting"

    async def _load(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            if self.early is not None:
                api = await loop.run_in_executor(None, self.early)
                if self._closing:
                    return
                await self._start_lifespan(api)
                self.api = api
                self._answering.set()
                print("政策问答助手 API 已可回答，页面加载中…", file=sys.stderr, flush=True)
            app = await loop.run_in_executor(None, self.build)
            if self._closing:
                return
            await self._start_lifespan(app)
        except Exception as exc:  # noqa: BLE001 - any failure is shown on the page and logged
            self.failure = f"启动失败：{exc}"
            print(self.failure, file=sys.stderr, flush=True)
            log.exception("start-up failed")
            self._done.set()
            self._answering.set()
            if self.exit_on_failure:
                os.kill(os.getpid(), signal.SIGTERM)
            return
        self.app = app
        self._done.set()
        self._answering.set()
        print("政策问答助手已就绪。", file=sys.stderr, flush=True)

    async def _start_lifespan(self, app) -> None:
        to_app, from_app = asyncio.Queue(), asyncio.Queue()
        asyncio.ensure_future(app({"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}},
                                  to_app.get, from_app.put))
        await to_app.put({"type": "lifespan.startup"})
        message = await from_app.get()
        if message["type"] != "lifespan.startup.complete":
            raise RuntimeError(message.get("message") or "页面启动失败")
        self._lifespans.append((to_app, from_app))

    async def __call__(self, scope, receive, send):
        if scope["type"] == "lifespan":
            return await self._lifespan(receive, send)
        if self.app is not None:
            return await self.app(scope, receive, send)
        if self._task is None:  # a server without lifespan events: load on first request
            self._task = asyncio.ensure_future(self._load())
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1013})
            return
        if self._waits(scope):
            if self.api is None:
                try:
                    await asyncio.wait_for(self._answering.wait(), timeout=self.api_wait)
                except asyncio.TimeoutError:
                    pass
            if self.app is not None or self.api is not None:
                return await (self.app or self.api)(scope, receive, send)
        await self._starting(scope, send)

    @staticmethod
    def _waits(scope) -> bool:
        """API calls (not /api/health, which reports the state at once) wait for the model."""
        root = scope.get("root_path", "") or ""
        path = scope.get("path", "")
        path = path[len(root):] if root and path.startswith(root) else path
        return path.startswith("/api/") and path != "/api/health"

    async def _lifespan(self, receive, send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                self._task = asyncio.ensure_future(self._load())
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                self._closing = True
                for to_app, from_app in reversed(self._lifespans):
                    await to_app.put({"type": "lifespan.shutdown"})
                    try:
                        await asyncio.wait_for(from_app.get(), timeout=10)
                    except asyncio.TimeoutError:
                        pass
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def _starting(self, scope, send) -> None:
        root = scope.get("root_path", "") or ""
        path = scope.get("path", "")
        path = path[len(root):] if root and path.startswith(root) else path
        failed = self.status == "failed"
        detail = self.failure if failed else "正在加载模型，请稍后再试。"
        if path == "/embed.js":
            return await _respond(send, 200, (STATIC / "embed.js").read_bytes(), "application/javascript; charset=utf-8")
        if path.startswith("/api/") or path in ("/openapi.json", "/config", "/gradio_api/info"):
            body = {"status": self.status, "detail": detail} if path == "/api/health" else {"detail": detail}
            return await _respond(send, 503, json.dumps(body, ensure_ascii=False).encode("utf-8"),
                                  "application/json; charset=utf-8", retry=not failed)
        message = html.escape(detail if failed else "正在加载模型…")
        page = STARTING_PAGE.format(message=message, failed_class=" failed" if failed else "",
                                    health=json.dumps(f"{root}/api/health"))
        await _respond(send, 200, page.encode("utf-8"), "text/html; charset=utf-8")


async def _respond(send, status: int, body: bytes, content_type: str, retry: bool = False) -> None:
    headers = [(b"content-type", content_type.encode()), (b"content-length", str(len(body)).encode()),
               (b"cache-control", b"no-store")]
    if retry:
        headers.append((b"retry-after", b"2"))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


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
    address = f"http://{settings.host}:{settings.port}{settings.root_path}/"
    if args.workers > 1:
        # each worker builds its own app from the environment; the first to find the index stale rebuilds it
        os.environ.update({"PA_HOST": settings.host, "PA_PORT": str(settings.port), "PA_ROOT_PATH": settings.root_path})
        print(f"政策问答助手启动中（{args.workers} 个进程）：{address}", flush=True)
        uvicorn.run("app:create_app", factory=True, workers=args.workers, host=settings.host, port=settings.port,
                    root_path=settings.root_path, log_level=LOG_LEVEL, app_dir=str(Path(__file__).resolve().parent))
        return 0
    app = staged_app(settings, exit_on_failure=True)
    print(f"政策问答助手启动中：{address}  （模型加载完成前页面显示“正在加载模型…”；API 文档：/docs）", flush=True)
    uvicorn.run(app, host=settings.host, port=settings.port, root_path=settings.root_path, log_level=LOG_LEVEL)
    return 1 if app.failure else 0


if __name__ == "__main__":
    sys.exit(main())
