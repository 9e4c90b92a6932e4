"""HTTP API: the same answer object as every other interface, over JSON, on the web app's server.

`POST /api/ask` keeps a conversation per `session_id` (returned on the first call, sent back on the
next), so follow-ups ("那2025年呢？") work over HTTP as in the chat. Errors are 4xx with a Chinese
`detail` a page can show as it is.
"""
from __future__ import annotations

import secrets

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.security import HTTPBasic, HTTPBasicCredentials
from pydantic import BaseModel, Field

from . import feedback
from .chat import Assistant, QuestionError, SessionStore, document_list, resolve_doc_filter

MAX_BODY_BYTES = 64 * 1024


class AskRequest(BaseModel):
    question: str = Field(description="用户的问题（中文）", examples=["普陀区2025年PCT国际专利申请量的目标是多少？"])
    session_id: str | None = Field(default=None, max_length=128,
                                   description="会话编号；首次提问可不填，之后用返回的编号继续追问")
    docs: list[str] | None = Field(default=None, description="只在这些文件中查找（编号如 000 或 pudong-2023）；不填为全部")


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
    retrieved: list[str]
    session_id: str


class FeedbackRequest(BaseModel):
    liked: bool
    question: str = Field(max_length=5000)
    answer: dict
    session_id: str | None = Field(default=None, max_length=128)


def create_api(assistant: Assistant, sessions: SessionStore) -> FastAPI:
    settings = assistant.settings
    api = FastAPI(title="政策问答助手 API", version="1.0",
                  description="Questions in Chinese over the corpus of policy documents; answers cite numbered clauses.")
    credentials = settings.credentials()
    basic = HTTPBasic(auto_error=False)

    def check_login(given: HTTPBasicCredentials | None = Depends(basic)) -> None:
        if not credentials:
            return
        if given is None or not any(secrets.compare_digest(given.username, user) and
                                    secrets.compare_digest(given.password, password) for user, password in credentials):
            raise HTTPException(401, "需要登录：请使用 HTTP Basic 认证提供用户名和密码。",
                                headers={"WWW-Authenticate": "Basic"})

    @api.middleware("http")
    async def limit_body(request: Request, call_next):
        length = request.headers.get("content-length")
        if request.url.path.startswith("/api/") and length and length.isdigit() and int(length) > MAX_BODY_BYTES:
            return JSONResponse({"detail": f"请求内容过大（{int(length)} 字节），上限为 {MAX_BODY_BYTES} 字节。"},
                                status_code=413)
        return await call_next(request)

    @api.exception_handler(RequestValidationError)
    async def bad_request(request: Request, exc: RequestValidationError):
        kinds = {error.get("type") for error in exc.errors()}
        if "json_invalid" in kinds:
            message = "请求不是有效的 JSON。"
        else:
            message = "请求格式不正确：需要 JSON 对象，如 {\"question\": \"……\", \"session_id\": null, \"docs\": []}。"
        return JSONResponse({"detail": message, "errors": [e.get("loc") for e in exc.errors()]}, status_code=422)

    @api.post("/api/ask", response_model=AskResponse, dependencies=[Depends(check_login)],
              summary="提问（支持多轮追问）")
    def ask(request: AskRequest) -> dict:
        try:
            question = assistant.validate(request.question)
            docs = resolve_doc_filter(request.docs, assistant.index.units)
        except QuestionError as exc:
            raise HTTPException(400, str(exc)) from exc
        session_id, session = sessions.get(request.session_id)
        session.docs = docs
        result = assistant.ask(question, session)
        return {**result.to_dict(), "session_id": session_id}

    @api.get("/api/documents", dependencies=[Depends(check_login)], summary="语料中的文件")
    def documents() -> list[dict]:
        return document_list(assistant.index.units)

    @api.get("/api/documents/{doc}", dependencies=[Depends(check_login)], summary="一份文件的全部条款")
    def document(doc: str) -> dict:
        try:
            doc_id = resolve_doc_filter([doc], assistant.index.units)[0]
        except QuestionError as exc:
            raise HTTPException(404, str(exc)) from exc
        entry = next(e for e in document_list(assistant.index.units) if e["id"] == doc_id)
        units = [u.to_dict() | {"full_text": u.full_text} for u in assistant.index.units if u.doc_id == doc_id]
        return {**entry, "unit_list": units}

    @api.post("/api/feedback", dependencies=[Depends(check_login)], summary="对回答点赞或点踩")
    def give_feedback(request: FeedbackRequest) -> dict:
        entry = feedback.record(settings.feedback_path, liked=request.liked, question=request.question,
                                answer=request.answer, session_id=request.session_id or "")
        return {"saved": True, "time": entry["time"]}

    @api.get("/api/health", summary="服务状态")
    def health() -> dict:
        return {"status": "ok", "documents": len(document_list(assistant.index.units)),
                "units": len(assistant.index.units), "model": settings.model, "sessions": len(sessions)}

    return api
