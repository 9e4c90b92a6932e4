"""The HTTP API against the real assistant: answers, conversations, documents, and bad input."""
from __future__ import annotations

import pytest
from fastapi.testclient import TestClient


@pytest.fixture(scope="module")
def client(assistant, tmp_path_factory):
    from app import create_app

    assistant.settings.feedback_path = tmp_path_factory.mktemp("feedback") / "feedback.jsonl"
    with TestClient(create_app(assistant=assistant)) as client:
        yield client


def test_ask_returns_the_gold_format_answer_object(client):
    response = client.post("/api/ask", json={"question": "普陀区2025年PCT国际专利申请量的目标是多少？"})
    assert response.status_code == 200
    body = response.json()
    assert body["answered"] is True and body["intent"] == "target"
    assert "65件" in body["answer"] and "[1]" in body["answer"]
    citation = body["citations"][0]
    assert {"n", "doc_id", "doc_title", "unit_id", "label", "section", "text"} <= set(citation)
    assert "PCT" in citation["text"] and body["session_id"]


def test_follow_up_uses_the_session(client):
    first = client.post("/api/ask", json={"question": "普陀区2025年PCT国际专利申请量的目标是多少？"}).json()
    follow = client.post("/api/ask", json={"question": "那2024年呢？", "session_id": first["session_id"]}).json()
    assert follow["answered"] and "2024" in follow["answer"] and "PCT" in follow["answer"]
    fresh = client.post("/api/ask", json={"question": "那2024年呢？"}).json()
    assert "PCT" not in fresh["answer"]


def test_doc_filter_restricts_citations(client):
    body = client.post("/api/ask", json={"question": "数据知识产权试点由哪个部门牵头？", "docs": ["putuo-2024-2025"]}).json()
    assert body["citations"] and {c["doc_id"] for c in body["citations"]} == {"putuo-2024-2025"}


@pytest.mark.parametrize("payload, status, words", [
    ({"question": ""}, 400, "请输入问题"),
    ({"question": "   "}, 400, "请输入问题"),
    ({"question": "专利" * 400}, 400, "问题过长"),
    ({"question": 42}, 422, "请求格式不正确"),
    ({"text": "缺少 question"}, 422, "请求格式不正确"),
    ({"question": "谁负责？", "docs": ["nope"]}, 400, "未知的文件"),
])
def test_bad_requests_get_chinese_4xx(client, payload, status, words):
    response = client.post("/api/ask", json=payload)
    assert response.status_code == status
    assert words in response.json()["detail"]


def test_invalid_json_and_huge_body(client):
    response = client.post("/api/ask", content=b"{not json", headers={"content-type": "application/json"})
    assert response.status_code == 422 and "JSON" in response.json()["detail"]
    huge = ("{\"question\": \"" + "问" * (1024 * 1024 // 3) + "\"}").encode()
    response = client.post("/api/ask", content=huge, headers={"content-type": "application/json"})
    assert response.status_code == 413 and "过大" in response.json()["detail"]


def test_documents_health_and_openapi(client, units):
    docs = client.get("/api/documents").json()
    assert len(docs) == 5 and all(d["title"] and d["clauses"] > 0 for d in docs)
    one = client.get("/api/documents/000").json()
    assert len(one["unit_list"]) == sum(u.doc_id == "000" for u in units)
    assert client.get("/api/documents/999").status_code == 404
    assert client.get("/api/health").json()["units"] == len(units)
    assert "/api/ask" in client.get("/openapi.json").json()["paths"]
    assert client.get("/docs").status_code == 200


def test_xss_question_is_returned_as_data_and_escaped_in_the_page(client):
    from assistant.web import render_answer

    payload = "<script>alert(1)</script><img src=x onerror=alert(2)>谁负责"
    body = client.post("/api/ask", json={"question": payload}).json()
    page = render_answer(body)
    assert "<script>" not in page and "<img" not in page
    hostile = {"answer": "见 <img src=x onerror=alert(1)> [1]", "citations": [
        {"n": 1, "doc_title": "<b>标题</b>", "label": "第1条", "section": "", "text": "<script>alert(1)</script>",
         "lead_units": ["<i>处</i>"], "deadline": ""}]}
    page = render_answer(hostile)
    assert "<script>" not in page and "<img" not in page and "<b>" not in page and "<i>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_feedback_is_appended(client, assistant):
    from assistant.feedback import read_all

    answer = client.post("/api/ask", json={"question": "浦东在海外维权方面有哪些安排？"}).json()
    assert client.post("/api/feedback", json={"liked": False, "question": "浦东在海外维权方面有哪些安排？",
                                              "answer": answer}).status_code == 200
    saved = read_all(assistant.settings.feedback_path)
    assert saved[-1]["liked"] is False and saved[-1]["citations"] == [c["unit_id"] for c in answer["citations"]]


def test_login_required_when_configured(assistant):
    from app import create_app

    assistant.settings.auth = "staff:s3cret"
    try:
        with TestClient(create_app(assistant=assistant)) as client:
            assert client.post("/api/ask", json={"question": "谁负责？"}).status_code == 401
            ok = client.post("/api/ask", json={"question": "数据知识产权试点由哪个部门牵头？"}, auth=("staff", "s3cret"))
            assert ok.status_code == 200
    finally:
        assistant.settings.auth = ""
