"""The HTTP API against the real assistant: answers, conversations, documents, and bad input."""
from __future__ import annotations

import pytest
from fastapi.testclient import TestClient


@pytest.fixture(scope="module")
def client(assistant, tmp_path_factory):
    from app import create_app
    from assistant import feedback
    from assistant.store import Store

    folder = tmp_path_factory.mktemp("state")
    assistant.settings.feedback_path = folder / "feedback.jsonl"
    store = Store(f"sqlite:///{folder / 'state.db'}", units=assistant.units_by_id)
    with TestClient(create_app(assistant=assistant, store=store)) as client:
        client.store = store
        yield client
    assistant.settings.feedback_path = None
    feedback.use_store(None)
    store.close()


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
    assert follow["session_id"] == first["session_id"] and follow["answer_id"] != first["answer_id"]
    assert follow["answered"] and "2024" in follow["answer"] and "PCT" in follow["answer"]
    fresh = client.post("/api/ask", json={"question": "那2024年呢？"}).json()
    assert "PCT" not in fresh["answer"]


def test_the_server_issues_session_ids(client):
    """A client-chosen id ("alice") or an unknown one starts a new conversation under a new id."""
    first = client.post("/api/ask", json={"question": "普陀区2025年PCT国际专利申请量的目标是多少？",
                                          "session_id": "alice"}).json()
    assert first["session_id"] != "alice" and len(first["session_id"]) == 32
    follow = client.post("/api/ask", json={"question": "那2024年呢？", "session_id": "alice"}).json()
    assert follow["session_id"] not in ("alice", first["session_id"]) and "PCT" not in follow["answer"]


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
    assert all(d["report"]["state"] == "ok" for d in docs)  # the ingestion report travels with each document
    assert next(d for d in docs if d["id"] == "004")["report"]["clauses_with_owner"] == 0
    one = client.get("/api/documents/000").json()
    assert len(one["unit_list"]) == sum(u.doc_id == "000" for u in units)
    assert client.get("/api/documents/999").status_code == 404
    health = client.get("/api/health").json()
    assert health["units"] == len(units) and health["database"] == "sqlite"
    schema = client.get("/openapi.json").json()
    ask = schema["paths"]["/api/ask"]["post"]["responses"]
    assert {"200", "400", "413", "422", "503"} <= set(ask)
    assert ask["422"]["content"]["application/json"]["schema"]["$ref"].endswith("/InvalidRequest")
    assert schema["components"]["schemas"]["InvalidRequest"]["properties"]["detail"]["type"] == "string"
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


def test_feedback_is_one_toggleable_judgement_per_answer(client, assistant):
    from assistant.feedback import read_all

    answer = client.post("/api/ask", json={"question": "浦东在海外维权方面有哪些安排？"}).json()
    liked = client.post("/api/feedback", json={"answer_id": answer["answer_id"], "liked": True})
    assert liked.status_code == 200 and liked.json()["liked"] is True
    # an older client posting the whole answer object back: its answer_id is used
    disliked = client.post("/api/feedback", json={"liked": False, "question": "浦东在海外维权方面有哪些安排？",
                                                  "answer": answer, "reason": "没有提到具体部门"})
    assert disliked.status_code == 200
    rows = [r for r in client.store.feedback() if r["answer_id"] == answer["answer_id"]]
    assert len(rows) == 1 and rows[0]["liked"] is False and rows[0]["reason"] == "没有提到具体部门"
    assert rows[0]["citations"] == [c["unit_id"] for c in answer["citations"]]
    saved = read_all(assistant.settings.feedback_path)  # the optional JSONL copy
    assert saved[-1]["liked"] is False and saved[-1]["citations"] == [c["unit_id"] for c in answer["citations"]]
    assert client.post("/api/feedback", json={"answer_id": answer["answer_id"], "liked": None}).status_code == 200
    assert not [r for r in client.store.feedback() if r["answer_id"] == answer["answer_id"]]
    unknown = client.post("/api/feedback", json={"answer_id": "0" * 32, "liked": True})
    assert unknown.status_code == 404 and "未找到该回答" in unknown.json()["detail"]


def test_login_required_when_configured(assistant, tmp_path):
    from app import create_app
    from assistant.store import Store

    assistant.settings.auth = "staff:s3cret"
    try:
        with TestClient(create_app(assistant=assistant, store=Store(f"sqlite:///{tmp_path / 's.db'}"))) as client:
            assert client.post("/api/ask", json={"question": "谁负责？"}).status_code == 401
            ok = client.post("/api/ask", json={"question": "数据知识产权试点由哪个部门牵头？"}, auth=("staff", "s3cret"))
            assert ok.status_code == 200
    finally:
        assistant.settings.auth = ""
