"""Optional LLM phrasing against a local OpenAI-compatible endpoint (a tiny server on 127.0.0.1).

The server stands in for vLLM/Ollama: it records the request and returns a fixed completion, so the
tests check our side: only retrieved units are sent, bad citations are dropped, failures fall back to
the extractive answer, and structured intents never call it.
"""
from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from assistant.chat import Assistant, Session
from assistant.generation import check_citations


class FakeLLM:
    def __init__(self, reply: str, status: int = 200):
        self.reply, self.status, self.requests = reply, status, []
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["content-length"])))
                owner.requests.append((self.path, self.headers.get("authorization"), body))
                data = json.dumps({"choices": [{"message": {"role": "assistant", "content": owner.reply}}]}).encode()
                self.send_response(owner.status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    def close(self):
        self.server.shutdown()


@pytest.fixture
def llm_assistant(assistant, request):
    llm = FakeLLM(*request.param)
    settings = type(assistant.settings)(**{**vars(assistant.settings), "llm_base_url": llm.url,
                                           "llm_model": "qwen", "llm_api_key": "k"})
    yield Assistant(settings, index=assistant.index), llm
    llm.close()


@pytest.mark.parametrize("llm_assistant", [("浦东支持企业海外维权 [2]，并建立维权援助机制 [9]。",)], indirect=True)
def test_open_question_phrased_with_checked_citations(llm_assistant):
    bot, llm = llm_assistant
    a = bot.ask("浦东在海外维权方面有哪些安排？", Session())
    path, auth, body = llm.requests[-1]
    assert path == "/v1/chat/completions" and auth == "Bearer k" and body["model"] == "qwen"
    prompt = body["messages"][-1]["content"]
    assert "[9]" not in a.answer and "[1]" in a.answer and len(a.citations) == 1
    assert a.citations[0].text in prompt and a.citations[0].unit_id in a.retrieved
    assert "语言模型" in a.answer


@pytest.mark.parametrize("llm_assistant", [("没有引用的回答。",), ("x", 500)], indirect=True)
def test_unusable_llm_answer_falls_back_to_extractive(llm_assistant):
    bot, llm = llm_assistant
    a = bot.ask("浦东在海外维权方面有哪些安排？", Session())
    assert llm.requests and a.answered and "文件中的相关安排" in a.answer and "语言模型" not in a.answer


@pytest.mark.parametrize("llm_assistant", [("不应被使用 [1]",)], indirect=True)
def test_structured_answers_never_use_the_llm(llm_assistant):
    bot, llm = llm_assistant
    for question in ["普陀区2025年PCT国际专利申请量的目标是多少？", "数据知识产权试点由哪个部门牵头？",
                     "浦东2023年保护处牵头哪些任务？", "普陀区行动方案的文号是什么？", "今天上海天气怎么样？"]:
        assert "不应被使用" not in bot.ask(question, Session()).answer
    assert llm.requests == []


def test_check_citations_renumbers_and_drops(units):
    given = units[10:13]
    text, used = check_citations("甲 [3]。乙 [1][3]。丙 [7]。", given)
    assert text == "甲 [1]。乙 [2][1]。丙 。" and used == [given[2], given[0]]
