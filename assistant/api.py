"""HTTP API: the same answer object as every other interface, over JSON, on the web app's server.

`POST /api/ask` keeps a conversation per `session_id`: the server issues the id (an unknown, expired
or someone else's id starts a new conversation with a new id), binds it to the login, and keeps
the conversation in the database so that it survives restarts and is shared by worker processes.
Every answer carries an `answer_id`; `POST /api/feedback` judges it (again to change, `liked: null`
to withdraw). Errors are 4xx/503 with a Chinese `detail` a page can show as it is.

Guards: a byte-counting body limit (chunked uploads included), a bounded number of answers in flight
(503 + Retry-After beyond it; `/api/health` never waits behind answers), login attempts limited per
client address and per user name (429 + Retry-After), UTF-8 credentials compared as bytes.
"""
from __future__ import annotations

import asyncio
import base64
import binascii
import hmac
import json
import math
import os
import threading
import time
from collections import OrderedDict, deque
from contextlib import nullcontext
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import parse_qs

from fastapi import Depends, FastAPI, File, Form, HTTPException, Request, UploadFile
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse
from fastapi.security import HTTPBasic
from pydantic import AfterValidator, BaseModel, ConfigDict, Field
from pydantic_core import PydanticCustomError
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from .chat import Assistant, QuestionError, document_list, resolve_doc_filter
from .feedback import FeedbackError, append_jsonl, entry_for
from .library import LibraryError, library_for
from .store import Store, StoreError

MAX_BODY_BYTES = 64 * 1024
STATIC = Path(__file__).resolve().parent / "static"
RETRY_AFTER_BUSY = 2  # seconds a refused client waits before asking again


# --------------------------------------------------------------------------- request and response models

def _valid_text(value: str) -> str:
    """Text that can be stored and sent back: lone surrogates (\\ud800) cannot be encoded as UTF-8."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise PydanticCustomError("surrogate", "lone surrogate") from None
    return value


Text = Annotated[str, AfterValidator(_valid_text)]


class AskRequest(BaseModel):
    question: Text = Field(description="用户的问题（中文）", examples=["这项任务由哪个部门牵头？"])
    session_id: Text | None = Field(default=None, max_length=128,
                                    description="会话编号：首次提问不填，之后用返回的编号继续追问；"
                                                "未知、过期或他人的编号会开始新会话并返回新编号")
    docs: list[Text] | None = Field(default=None, max_length=50,
                                    description="只在这些文件中查找（编号如 000 或 pudong-2023）；不填为全部")


class CitationOut(BaseModel):
    n: int
    doc_id: str
    doc_title: str
    unit_id: str
    label: str
    section: str
    text: str
    lead_units: list[str] = []
    deadline: str = ""


class AskResponse(BaseModel):
    answer: str
    answered: bool
    intent: str
    citations: list[CitationOut]
    retrieved: list[str] = Field(description="本回答检索排序的条款编号；直接由解析出的字段（指标、牵头单位清单、文件头）作答时未检索，为空")
    session_id: str = Field(description="本会话的编号（由服务器签发），追问时带上")
    answer_id: str = Field(description="本回答的编号，评价（/api/feedback）时使用")


class CitationRef(BaseModel):
    model_config = ConfigDict(extra="ignore")
    unit_id: Text = ""


class AnswerRef(BaseModel):
    """The answer object as /api/ask returned it; only its id is used."""
    model_config = ConfigDict(extra="ignore")
    answer_id: Text | None = Field(default=None, max_length=64)
    answer: Text = ""
    citations: list[CitationRef] = []


class FeedbackRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")
    answer_id: Text | None = Field(default=None, max_length=64, description="/api/ask 返回的 answer_id")
    liked: bool | None = Field(description="true 有用，false 无用，null 撤销评价")
    reason: Text = Field(default="", max_length=2000, description="可选的理由")
    answer: AnswerRef | None = Field(default=None, description="（兼容旧客户端）/api/ask 返回的整个回答对象")
    question: Text = Field(default="", max_length=5000, description="（兼容旧客户端，不再使用）")
    session_id: Text | None = Field(default=None, max_length=128, description="（兼容旧客户端，不再使用）")


class FeedbackResponse(BaseModel):
    saved: bool
    answer_id: str
    liked: bool | None
    time: float


class ErrorResponse(BaseModel):
    detail: str = Field(description="中文说明，可直接显示给用户")


class InvalidRequest(BaseModel):
    detail: str = Field(description="中文说明，可直接显示给用户")
    errors: list[list[str | int]] = Field(default=[], description="出错字段的位置")


def _responses(*codes: int) -> dict:
    text = {400: "问题为空、过长或文件编号未知", 401: "需要登录", 404: "未找到", 413: "请求内容过大",
            422: "请求不是有效的 JSON 或字段不正确", 429: "登录失败次数过多，请稍后再试（Retry-After）",
            503: "服务繁忙或存储不可用，请稍后再试（Retry-After）"}
    return {code: {"model": InvalidRequest if code == 422 else ErrorResponse, "description": text[code]} for code in codes}


# --------------------------------------------------------------------------- login

class LoginLimiter:
    """Failed logins counted per client address and per user name in a sliding window; beyond the
    limits every attempt (right or wrong) is refused until the window frees up. With a store the
    counts live in the database, shared by every worker and replica; without one (or while the
    database fails) in this process."""

    def __init__(self, per_user: int = 5, per_client: int = 20, window: float = 300, store: Store | None = None,
                 max_keys: int = 100_000):
        self.limits = {"user": per_user, "client": per_client}
        self.window = window
        self.store = store
        self.max_keys = max_keys
        self._failures: OrderedDict[str, deque] = OrderedDict()
        self._lock = threading.Lock()
        self.failing: set[str] = set()  # users seen with recent failures (their success clears them)

    @staticmethod
    def _keys(client: str, user: str | None) -> list[str]:
        return [f"client:{client}"] + ([f"user:{user}"] if user else [])

    def _limit(self, key: str) -> int:
        return self.limits[key.split(":", 1)[0]]

    def retry_after(self, client: str, user: str | None) -> int:
        """Seconds until this client / user may try again; 0 = may try now."""
        now = time.time()
        keys = self._keys(client, user)
        found = None
        if self.store is not None:
            try:
                found = self.store.login_failures(keys, now - self.window)
            except StoreError:
                found = None
        if found is None:
            with self._lock:
                found = {key: [t for t in self._failures.get(key, ()) if t > now - self.window] for key in keys}
        if user and found.get(f"user:{user}"):
            if len(self.failing) > 10_000:
                self.failing.clear()
            self.failing.add(user)
        wait = 0.0
        for key, times in found.items():
            limit = self._limit(key)
            if len(times) >= limit:
                wait = max(wait, times[-limit] + self.window - now)
        return math.ceil(wait) if wait > 0 else 0

    def failed(self, client: str, user: str | None) -> None:
        now = time.time()
        keys = self._keys(client, user)
        if self.store is not None:
            try:
                return self.store.add_login_failure(keys, now, self.window)
            except StoreError:
                pass
        with self._lock:
            for key in keys:
                self._failures.setdefault(key, deque(maxlen=max(self.limits.values()) + 1)).append(now)
                self._failures.move_to_end(key)
            while len(self._failures) > self.max_keys:
                self._failures.popitem(last=False)

    def succeeded(self, user: str) -> None:
        self.failing.discard(user)
        if self.store is not None:
            try:
                self.store.clear_login_failures(f"user:{user}")
            except StoreError:
                pass
        with self._lock:
            self._failures.pop(f"user:{user}", None)


def too_many_attempts(seconds: int) -> dict:
    return {"detail": f"登录失败次数过多，请 {seconds} 秒后再试。",
            "headers": {"Retry-After": str(seconds)}}


def parse_basic(header: str | None) -> tuple[str, str] | None:
    """(user, password) from an HTTP Basic header, decoded as UTF-8 (RFC 7617), else Latin-1."""
    if not header or not header[:6].lower() == "basic ":
        return None
    try:
        raw = base64.b64decode(header[6:].strip(), validate=True)
    except (binascii.Error, ValueError):
        return None
    try:
        decoded = raw.decode("utf-8")
    except UnicodeDecodeError:
        decoded = raw.decode("latin-1")
    user, sep, password = decoded.partition(":")
    return (user, password) if sep else None


def credentials_match(credentials: list[tuple[str, str]], user: str, password: str) -> bool:
    """Constant-time comparison of UTF-8 bytes; every pair is compared so timing does not tell users."""
    given_user = user.encode("utf-8", "surrogatepass")
    given_password = password.encode("utf-8", "surrogatepass")
    found = False
    for known_user, known_password in credentials:
        same_user = hmac.compare_digest(given_user, known_user.encode("utf-8", "surrogatepass"))
        same_password = hmac.compare_digest(given_password, known_password.encode("utf-8", "surrogatepass"))
        found |= same_user and same_password
    return found


class UTF8Basic(HTTPBasic):
    """HTTP Basic in the OpenAPI schema; the header is read by `parse_basic` (FastAPI's is ASCII only)."""

    async def __call__(self, request: Request) -> None:  # type: ignore[override]
        return None


def client_address(request_or_scope) -> str:
    scope = request_or_scope if isinstance(request_or_scope, dict) else request_or_scope.scope
    client = scope.get("client")
    return client[0] if client else "?"


# --------------------------------------------------------------------------- back-pressure

class AnswerGate:
    """At most `limit` answers in flight (running + waiting); answers run in their own threads so
    that the event loop, and with it /api/health, never waits behind them."""

    def __init__(self, workers: int, limit: int):
        self.limit = max(limit, workers)
        self.pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="answer")
        self.in_flight = 0

    async def run(self, fn, *args):
        if self.in_flight >= self.limit:
            raise HTTPException(503, f"当前提问较多（{self.in_flight} 个正在处理），请稍后再试（约 {RETRY_AFTER_BUSY} 秒后）。",
                                headers={"Retry-After": str(RETRY_AFTER_BUSY)})
        self.in_flight += 1  # the event loop is single-threaded: no lock needed
        try:
            return await asyncio.get_running_loop().run_in_executor(self.pool, fn, *args)
        finally:
            self.in_flight -= 1


# --------------------------------------------------------------------------- errors in Chinese

STATUS_TEXT = {400: "请求不正确。", 401: "需要登录。", 403: "没有权限访问。", 404: "未找到该地址。",
               405: "不支持该请求方法。", 406: "无法提供所请求的格式。", 413: "请求内容过大。",
               415: "不支持的内容类型：请发送 JSON（content-type: application/json）。",
               422: "请求格式不正确。", 429: "请求过于频繁，请稍后再试。", 503: "服务暂时不可用，请稍后再试。"}


def validation_message(errors: list[dict]) -> str:
    kinds = {error.get("type") for error in errors}
    if "json_invalid" in kinds:
        return "请求不是有效的 JSON。"
    if "surrogate" in kinds:
        return "请求包含无法识别的字符（孤立的 Unicode 代理码元），请检查输入后重试。"
    fields = "、".join(dict.fromkeys(".".join(str(p) for p in e.get("loc", ())[1:]) or "请求体" for e in errors))
    return ("请求格式不正确：需要 JSON 对象，如 {\"question\": \"……\", \"session_id\": null, \"docs\": []}。"
            f"出错的字段：{fields}。")


def _safe_loc(error: dict) -> list[str | int]:
    return [p if isinstance(p, int) else str(p).encode("utf-8", "replace").decode("utf-8") for p in error.get("loc", ())]


def install_error_handlers(api: FastAPI) -> None:
    @api.exception_handler(RequestValidationError)
    async def bad_request(request: Request, exc: RequestValidationError):
        errors = exc.errors()
        return JSONResponse({"detail": validation_message(errors), "errors": [_safe_loc(e) for e in errors]},
                            status_code=422)

    @api.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException):
        if exc.status_code == 400 and exc.detail == "There was an error parsing the body":
            # FastAPI's answer to a body that is not UTF-8: the same as any other unreadable JSON
            return JSONResponse({"detail": "请求不是有效的 JSON（须为 UTF-8 编码）。", "errors": [["body"]]},
                                status_code=422)
        detail = exc.detail if isinstance(exc.detail, str) and not exc.detail.isascii() else \
            STATUS_TEXT.get(exc.status_code, "请求无法处理。")
        return JSONResponse({"detail": detail}, status_code=exc.status_code, headers=exc.headers)

    @api.exception_handler(StoreError)
    async def store_error(request: Request, exc: StoreError):
        return JSONResponse({"detail": str(exc)}, status_code=503, headers={"Retry-After": "5"})


# --------------------------------------------------------------------------- the API

def create_api(assistant: Assistant, store: Store, limiter: LoginLimiter | None = None) -> FastAPI:
    settings = assistant.settings
    api = FastAPI(title="政策问答助手 API", version="1.1", docs_url=None, redoc_url=None,
                  description="用中文就已收录的政策文件提问；回答注明出处条款（编号 [n] 对应 citations）。")
    credentials = settings.credentials()
    limiter = limiter or LoginLimiter(settings.login_failures_per_user, settings.login_failures_per_client,
                                      settings.login_window_seconds, store=store)
    api.state.limiter = limiter
    gate = AnswerGate(settings.concurrency_limit, settings.max_inflight)
    api.state.gate = gate
    listing: dict = {}

    def listed() -> tuple[list[dict], list[dict]]:
        """(documents, rejected files) of the index answers come from now; recomputed after a publish."""
        index = assistant.index
        if listing.get("index") is not index:
            cache = document_list(index.units)
            report = getattr(index, "report", None) or {}
            reported = {e.get("doc_id"): e for e in report.get("documents", []) if e.get("doc_id")}
            for entry in cache:  # the ingestion report of each document (state, owners, warnings)
                entry["report"] = reported.get(entry["id"]) or reported.get(entry["doc_id"]) or {}
            rejected = [{"id": "", "doc_id": "", "title": e.get("title") or e.get("file", ""), "file": e.get("file", ""),
                         "facts": {}, "units": 0, "clauses": 0, "report": e}
                        for e in report.get("documents", []) if e.get("state") == "rejected"]
            listing.update(index=index, documents=cache, unusable=rejected)
        return listing["documents"], listing["unusable"]

    library = library_for(assistant, store)
    install_error_handlers(api)

    async def check_login(request: Request, _: None = Depends(UTF8Basic(auto_error=False))) -> str:
        """The login user ("" without PA_AUTH); 401 without or with wrong credentials, 429 when limited."""
        if not credentials:
            return ""
        given = parse_basic(request.headers.get("authorization"))
        client = client_address(request)
        wait = await run_in_threadpool(limiter.retry_after, client, given[0] if given else None)
        if wait:
            raise HTTPException(429, **too_many_attempts(wait))
        if given is None:
            raise HTTPException(401, "需要登录：请使用 HTTP Basic 认证提供用户名和密码。",
                                headers={"WWW-Authenticate": 'Basic realm="policy-qa", charset="UTF-8"'})
        if not credentials_match(credentials, *given):
            await run_in_threadpool(limiter.failed, client, given[0])
            raise HTTPException(401, "用户名或密码不正确。",
                                headers={"WWW-Authenticate": 'Basic realm="policy-qa", charset="UTF-8"'})
        if given[0] in limiter.failing:  # a write only after failures, not on every authenticated request
            await run_in_threadpool(limiter.succeeded, given[0])
        return given[0]

    def answer(request: AskRequest, user: str) -> dict:
        try:
            question = assistant.validate(request.question)
            docs = resolve_doc_filter(request.docs, assistant.index.units)
        except QuestionError as exc:
            raise HTTPException(400, str(exc)) from exc
        # two requests of one conversation take turns; a new conversation has nobody to wait for
        with store.lock(request.session_id) if request.session_id else nullcontext():
            session_id, session = store.get_or_new(request.session_id, user, "api")
            session.docs = docs
            result = assistant.ask(question, session).to_dict()
            answer_id = store.save_turn(session_id, user, session, question, result)
        return {**result, "session_id": session_id, "answer_id": answer_id}

    @api.post("/api/ask", response_model=AskResponse, summary="提问（支持多轮追问）",
              responses=_responses(400, 401, 413, 422, 429, 503))
    async def ask(request: AskRequest, user: str = Depends(check_login)) -> dict:
        return await gate.run(answer, request, user)

    @api.get("/api/documents", summary="语料中的文件", responses=_responses(401, 429))
    def documents(user: str = Depends(check_login)) -> list[dict]:
        """Every indexed document with its ingestion report, then the files the parser rejected (no units)."""
        current, rejected = listed()
        return current + rejected

    @api.get("/api/documents/{doc}", summary="一份文件的全部条款", responses=_responses(401, 404, 429))
    def document(doc: str, user: str = Depends(check_login)) -> dict:
        index = assistant.index
        try:
            doc_id = resolve_doc_filter([doc], index.units)[0]
        except QuestionError as exc:
            raise HTTPException(404, str(exc)) from exc
        entry = next(e for e in listed()[0] if e["id"] == doc_id)
        units = [u.to_dict() | {"full_text": u.full_text} for u in index.units if u.doc_id == doc_id]
        return {**entry, "unit_list": units}

    # ----------------------------------------------------------------------- the document library (editors)

    def editor(user: str = Depends(check_login)) -> str:
        """The login, when it has the editor role (PA_EDITORS); 403 for readers."""
        if settings.role(user) != "editor":
            raise HTTPException(403, "只有编辑人员可以上传、替换或停用文件（当前账号为只读）。")
        return user

    def library_call(fn, *args):
        try:
            return fn(*args)
        except LibraryError as exc:
            raise HTTPException(exc.status, str(exc)) from None

    @api.post("/api/documents", summary="上传文件：检查、解析并发布（编辑人员）",
              responses=_responses(400, 401, 413, 422, 429, 503) | {
                  403: {"model": ErrorResponse, "description": "不是编辑人员"},
                  409: {"model": ErrorResponse, "description": "与已收录的文件重复"},
                  415: {"model": ErrorResponse, "description": "不支持的文件格式"}})
    async def add_document(file: UploadFile = File(description=".docx、.pdf、.html、.md 或 .txt 文件"),
                           replace: str | None = Form(default=None, description="要替换的文件编号（新版本），不填为新增"),
                           dry_run: bool = Form(default=False, description="只返回解析报告，不发布"),
                           user: str = Depends(editor)) -> dict:
        """The parse review (ingestion report, clauses with their units and deadlines) and, unless
        `dry_run`, the publish: the index follows without a restart. Nothing changes on any error."""
        data = await file.read(settings.max_upload_bytes + 1)
        name = file.filename or ""

        def run() -> dict:
            if len(data) > settings.max_upload_bytes:
                library.check(name, max(len(data), file.size or 0))  # raises: too large
            if dry_run:
                review = library.stage(name, data, user, replace)
                library.cancel(review.token)
                return {"published": False, "review": review.to_dict()}
            return {"published": True, **library.add(name, data, user, replace)}

        return await run_in_threadpool(library_call, run)

    @api.delete("/api/documents/{doc}", summary="停用文件（编辑人员）：不再用于回答，保留在历史中",
                responses=_responses(401, 404, 422, 429) | {403: {"model": ErrorResponse, "description": "不是编辑人员"}})
    async def retire_document(doc: str, user: str = Depends(editor)) -> dict:
        return await run_in_threadpool(library_call, library.retire, doc, user)

    @api.get("/api/changes", summary="文件变更记录（谁、何时、哪个文件、校验和）", responses=_responses(401, 422, 429))
    def changes(limit: int = 100, user: str = Depends(check_login)) -> list[dict]:
        return library.changes(max(1, min(limit, 1000)))

    def judge(request: FeedbackRequest, user: str) -> dict:
        answer_id = request.answer_id or (request.answer.answer_id if request.answer else None)
        if not answer_id:
            raise HTTPException(422, "请提供要评价的回答编号 answer_id（/api/ask 的返回值中）。")
        saved = store.judge(answer_id, user, request.liked, request.reason)
        if saved is None:
            raise HTTPException(404, "未找到该回答（编号不正确或已过期），无法评价。")
        if settings.feedback_path is not None:
            row = store.answer(answer_id) or {}
            append_jsonl(settings.feedback_path, entry_for(
                liked=request.liked, question=row.get("question", ""), answer=row.get("answer", {}),
                session_id=row.get("session_id", ""), reason=request.reason, answer_id=answer_id, user=user))
        return {"saved": True, "answer_id": answer_id, "liked": request.liked, "time": saved["time"]}

    @api.post("/api/feedback", response_model=FeedbackResponse, summary="评价回答（有用 / 无用 / 撤销）",
              responses=_responses(401, 404, 413, 422, 429, 503))
    async def give_feedback(request: FeedbackRequest, user: str = Depends(check_login)) -> dict:
        try:
            return await run_in_threadpool(judge, request, user)
        except FeedbackError as exc:
            raise HTTPException(503, str(exc), headers={"Retry-After": "60"}) from None

    @api.get("/api/health", summary="服务状态（starting 启动中 / ready 就绪）")
    async def health() -> dict:
        """Answered on the event loop from memory: never queued behind answers or the database. While the
        model loads, app.py answers 503 {"status": "starting"} in its place."""
        return {"status": "ready", "documents": len(listed()[0]), "units": len(assistant.index.units),
                "model": settings.model, "database": store.dialect, "answers_in_flight": gate.in_flight,
                "max_in_flight": gate.limit, "worker": os.getpid()}

    install_offline_docs(api)

    @api.get("/embed.js", include_in_schema=False)
    def embed_script() -> FileResponse:
        """The loader an intranet page includes: a floating chat button and panel (assistant/static/embed.js)."""
        return FileResponse(STATIC / "embed.js", media_type="application/javascript; charset=utf-8",
                            headers={"Cache-Control": "no-cache"})

    @api.api_route("/api/{rest:path}", methods=["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"],
                   include_in_schema=False)
    async def unmatched(request: Request, rest: str):
        """/api/* that no route serves: 405 when the path exists with other methods, else 404."""
        allowed = sorted({method for route in api.routes if route is not unmatched_route
                          and getattr(route, "path", "").startswith("/api/")
                          and route.matches(request.scope)[0] != Match.NONE for method in route.methods})
        if allowed:
            raise HTTPException(405, f"该地址不支持 {request.method} 请求，可用：{', '.join(allowed)}。",
                                headers={"Allow": ", ".join(allowed)})
        raise HTTPException(404, "未找到该地址：可用的接口见 /docs。")

    unmatched_route = api.routes[-1]
    return api


# --------------------------------------------------------------------------- /docs without a CDN

def install_offline_docs(api: FastAPI) -> None:
    """Swagger UI at /docs and ReDoc at /redoc from the assets fastapi-offline ships (nothing from the internet)."""
    import fastapi_offline
    from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
    from fastapi.staticfiles import StaticFiles

    assets = Path(fastapi_offline.__file__).resolve().parent / "static"
    api.mount("/docs-assets", StaticFiles(directory=assets), name="docs-assets")

    @api.get("/docs-zh.js", include_in_schema=False)
    def swagger_zh() -> FileResponse:
        """Chinese for Swagger UI's own labels (assistant/static/swagger-zh.js)."""
        return FileResponse(STATIC / "swagger-zh.js", media_type="application/javascript; charset=utf-8")

    @api.get("/docs", include_in_schema=False)
    def swagger(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        page = get_swagger_ui_html(openapi_url=f"{root}/openapi.json", title=f"{api.title} · 接口文档",
                                   swagger_js_url=f"{root}/docs-assets/swagger-ui-bundle.js",
                                   swagger_css_url=f"{root}/docs-assets/swagger-ui.css",
                                   swagger_favicon_url=f"{root}/docs-assets/favicon.png")
        body = page.body.decode("utf-8").replace("</body>", f'<script src="{root}/docs-zh.js"></script></body>', 1)
        return HTMLResponse(body.replace("<html>", '<html lang="zh-CN">', 1))

    @api.get("/redoc", include_in_schema=False)
    def redoc(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return get_redoc_html(openapi_url=f"{root}/openapi.json", title=f"{api.title} · 接口文档",
                              redoc_js_url=f"{root}/docs-assets/redoc.standalone.js",
                              redoc_favicon_url=f"{root}/docs-assets/favicon.png", with_google_fonts=False)


# --------------------------------------------------------------------------- ASGI guard (body size, page login)

def _route_path(scope: dict) -> str:
    path, root = scope.get("path", ""), scope.get("root_path", "")
    return path[len(root):] if root and path.startswith(root) else path


async def _send_json(send, status: int, body: dict, headers: dict | None = None) -> None:
    payload = json.dumps(body, ensure_ascii=False).encode("utf-8")
    raw = [(b"content-type", b"application/json; charset=utf-8"), (b"content-length", str(len(payload)).encode()),
           (b"connection", b"close")]
    raw += [(k.lower().encode(), str(v).encode()) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": payload})


class RequestGuard:
    """Pure ASGI middleware in front of the API and the page.

    Request bodies are counted as they arrive (Content-Length or chunked): beyond the limit of the
    path (64 KB for /api/*, the upload size for Gradio uploads, a few MB for the page's own calls)
    the request is answered 413 without reading further, so a 200 MB chunked body costs at most the
    limit in memory. The page's login form (POST /login) is limited like the API's Basic auth.
    """

    def __init__(self, app, *, api_limit: int, page_limit: int, upload_limit: int,
                 limiter: LoginLimiter | None = None, login: bool = False):
        self.app = app
        self.api_limit, self.page_limit, self.upload_limit = api_limit, page_limit, upload_limit
        self.limiter = limiter
        self.login = login

    def limit_for(self, path: str) -> int:
        if path.rstrip("/") == "/api/documents":  # document uploads (POST; the GET has no body)
            return self.upload_limit + 64 * 1024
        if path.startswith("/api/"):
            return self.api_limit
        if "/upload" in path:
            return self.upload_limit + 64 * 1024  # multipart framing around the file
        return self.page_limit

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        path = _route_path(scope)
        limit = self.limit_for(path)
        headers = dict((k.lower(), v) for k, v in scope.get("headers", []))
        length = headers.get(b"content-length", b"")
        if length.isdigit() and int(length) > limit:
            if path.rstrip("/") == "/api/documents":
                return await _send_json(send, 413, {"detail": f"文件过大（{int(length) / 1048576:.1f} MB），上限为 "
                                                              f"{self.upload_limit / 1048576:.1f} MB；未收录，未作任何更改。"})
            return await _send_json(send, 413, {"detail": f"请求内容过大（{int(length)} 字节），上限为 {limit} 字节。"})
        send = _chinese_errors(send)
        if scope.get("method") in ("GET", "HEAD", "OPTIONS") and not length and b"transfer-encoding" not in headers:
            return await self.app(scope, receive, send)
        chunks, size = [], 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body = message.get("body", b"")
            size += len(body)
            if size > limit:
                if path.rstrip("/") == "/api/documents":
                    return await _send_json(send, 413, {"detail": f"文件过大（超过 {self.upload_limit / 1048576:.1f} MB "
                                                                  "的上限）；未收录，未作任何更改。"})
                return await _send_json(send, 413, {"detail": f"请求内容过大（超过 {limit} 字节的上限）。"})
            chunks.append(body)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        if self.login and self.limiter is not None and scope.get("method") == "POST" and path.rstrip("/") == "/login":
            return await self._login(scope, body, receive, send)
        await self.app(scope, _replay(body, receive), send)

    async def _login(self, scope, body: bytes, receive, send):
        form = parse_qs(body.decode("utf-8", "replace"))
        user = (form.get("username") or [""])[0].strip() or None
        client = client_address(scope)
        wait = await run_in_threadpool(self.limiter.retry_after, client, user)
        if wait:
            blocked = too_many_attempts(wait)
            return await _send_json(send, 429, {"detail": blocked["detail"]}, blocked["headers"])
        status = {}

        async def watch(message):
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
            await send(message)

        await self.app(scope, _replay(body, receive), watch)
        if status.get("code") == 200:
            await run_in_threadpool(self.limiter.succeeded, user or "")
        elif status.get("code") in (400, 401, 403):
            await run_in_threadpool(self.limiter.failed, client, user)


ENGLISH_DETAIL = {"Not Found": STATUS_TEXT[404], "Method Not Allowed": STATUS_TEXT[405],
                  "Incorrect credentials.": "用户名或密码不正确。", "Not authenticated": STATUS_TEXT[401]}


def chinese_detail(status: int, detail) -> dict | None:
    """A Chinese body for an English (or list-shaped) 4xx `detail` from the mounted page app; None when
    the detail is already Chinese."""
    if isinstance(detail, str) and detail in ENGLISH_DETAIL:
        return {"detail": ENGLISH_DETAIL[detail]}
    if isinstance(detail, list):  # FastAPI's validation errors of Gradio's own routes
        locations = [[str(p) for p in e.get("loc", ())] for e in detail if isinstance(e, dict)]
        return {"detail": "请求格式不正确。", "errors": locations}
    if isinstance(detail, str) and detail.isascii():
        if status == 403 and detail.startswith("File not allowed"):
            return {"detail": "不允许访问该文件。"}
        return {"detail": STATUS_TEXT.get(status, "请求无法处理。")}
    return None


def _chinese_errors(send):
    """English 4xx JSON bodies of the mounted page app (Starlette's 404/405, Gradio's own) in Chinese."""
    held: dict = {}

    async def wrapped(message):
        if message["type"] == "http.response.start":
            content_type = dict(message.get("headers", [])).get(b"content-type", b"")
            if 400 <= message["status"] < 500 and content_type.startswith(b"application/json"):
                held["start"], held["body"] = message, b""
                return
            return await send(message)
        if "start" in held and message["type"] == "http.response.body":
            held["body"] += message.get("body", b"")
            if message.get("more_body"):
                return
            body = held.pop("body")
            try:
                replaced = chinese_detail(held["start"]["status"], json.loads(body).get("detail"))
                if replaced is not None:
                    body = json.dumps(replaced, ensure_ascii=False).encode("utf-8")
            except (ValueError, AttributeError):
                pass
            start = held.pop("start")
            headers = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
            await send({**start, "headers": headers + [(b"content-length", str(len(body)).encode())]})
            return await send({"type": "http.response.body", "body": body})
        return await send(message)

    return wrapped


def _replay(body: bytes, receive):
    sent = False

    async def replay():
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay
