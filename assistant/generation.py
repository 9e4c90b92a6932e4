"""Optional LLM phrasing of open questions through an OpenAI-compatible endpoint (vLLM, Ollama, Xinference).

Only open questions use it, only the retrieved units are given to it, and its [n] markers are checked:
a marker pointing at no given unit is removed, and an answer left with no valid marker is discarded
(the extractive answer is used instead). Structured answers (lead, deadline, target, list, meta) never
come from here.
"""
from __future__ import annotations

import logging
import re

from .units import Unit

log = logging.getLogger(__name__)

SYSTEM_PROMPT = (
    "你是上海知识产权政策文件问答助手。只能依据用户消息中编号的条款回答，不得使用其他知识，不得编造。"
    "每一句事实陈述后用 [编号] 注明所依据的条款，例如 [1]。条款中没有答案时，只回答“文件中未找到”。"
    "回答简洁，使用中文，可用短列表。"
)
MARKER = re.compile(r"\[(\d+)\]")


class GenerationError(RuntimeError):
    pass


def build_messages(question: str, units: list[Unit]) -> list[dict]:
    sources = "\n\n".join(f"[{i}] 《{u.doc_title}》{u.label}\n{u.full_text}" for i, u in enumerate(units, 1))
    return [{"role": "system", "content": SYSTEM_PROMPT},
            {"role": "user", "content": f"条款：\n{sources}\n\n问题：{question}"}]


def check_citations(text: str, units: list[Unit]) -> tuple[str, list[Unit]]:
    """Markers renumbered in order of first use; markers to units not given are dropped."""
    used: list[Unit] = []

    def renumber(match: re.Match) -> str:
        n = int(match.group(1))
        if not 1 <= n <= len(units):
            return ""
        unit = units[n - 1]
        if unit not in used:
            used.append(unit)
        return f"[{used.index(unit) + 1}]"

    return MARKER.sub(renumber, text).strip(), used


def phrase(question: str, units: list[Unit], *, base_url: str, model: str, api_key: str = "",
           timeout: float = 30.0) -> tuple[str, list[Unit]]:
    """The LLM's answer with checked citations; raises GenerationError when it cannot be used."""
    import httpx  # only when an LLM is configured: the extractive path never pays for the import

    headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
    payload = {"model": model, "messages": build_messages(question, units), "temperature": 0, "stream": False}
    try:
        response = httpx.post(base_url.rstrip("/") + "/chat/completions", json=payload, headers=headers,
                              timeout=timeout)
        response.raise_for_status()
        text = response.json()["choices"][0]["message"]["content"]
    except (httpx.HTTPError, KeyError, IndexError, TypeError, ValueError) as exc:
        raise GenerationError(f"LLM endpoint failed: {exc}") from exc
    text, used = check_citations(text or "", units)
    if not used or "文件中未找到" in text:
        raise GenerationError("LLM answer cites none of the given units")
    return text, used
