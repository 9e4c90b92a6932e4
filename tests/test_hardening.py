"""Hardening (issue 14), one test per row of the issue's table, on the real server where it matters.

The real server is app.py in a subprocess (bench.load.start_server) with its database and feedback
copy on a small tmpfs when this machine lets the tests mount one (root), so that "disk full" and
"read-only" are the kernel's own ENOSPC and EROFS; otherwise those rows run in-process with the
failure raised where the disk would raise it.
"""
from __future__ import annotations

import base64
import json
import os
import re
import select
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import psutil
import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings as hypothesis_settings

ROOT = Path(__file__).resolve().parent.parent
PCT = "普陀区2025年PCT国际专利申请量的目标是多少？"
LEAD = "数据知识产权试点由哪个部门牵头？"
LATIN = re.compile(r"[A-Za-z]")


def chinese_detail(response) -> str:
    detail = response.json()["detail"]
    assert isinstance(detail, str) and re.search(r"[\u4e00-\u9fff]", detail), detail
    return detail


# --------------------------------------------------------------------------- fixtures

@pytest.fixture(scope="module")
def tmpfs():
    """A 16 MB tmpfs (real ENOSPC / EROFS), or None when this machine cannot mount one."""
    folder = Path(tempfile.mkdtemp(prefix="pa-tmpfs-"))
    mounted = os.geteuid() == 0 and subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=16m,mode=0777", "tmpfs", str(folder)], capture_output=True).returncode == 0
    yield folder if mounted else None
    if mounted:
        subprocess.run(["umount", "-l", str(folder)], capture_output=True)
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="module")
def server(index, settings, tmp_path_factory, tmpfs):
    """app.py on a free port: one answer at a time, at most 3 in flight, state on the tmpfs."""
    from bench.load import free_port, start_server, stop_server

    data = (tmpfs or tmp_path_factory.mktemp("state")) / "state"
    port = free_port()
    proc = start_server(port, {"PA_INDEX": str(settings.index_dir), "PA_CORPUS": str(settings.corpus_dir),
                               "PA_DATA": str(data), "PA_FEEDBACK": str(data / "feedback.jsonl"),
                               "PA_CONCURRENCY": "1", "PA_MAX_INFLIGHT": "3", "PA_MAX_UPLOAD_BYTES": str(1024 * 1024),
                               "GRADIO_ANALYTICS_ENABLED": "False"})
    yield {"base": f"http://127.0.0.1:{port}", "port": port, "proc": proc, "data": data}
    stop_server(proc)


@pytest.fixture
def app_with(assistant, tmp_path):
    """An in-process app with settings changed for one test (restored afterwards)."""
    from app import create_app
    from assistant import feedback
    from assistant.store import Store

    saved = dict(vars(assistant.settings))
    stores = []

    def make(**changes):
        for key, value in changes.items():
            setattr(assistant.settings, key, value)
        assistant.settings.data_dir = tmp_path / f"state{len(stores)}"
        store = Store.from_settings(assistant.settings, units=assistant.units_by_id)
        stores.append(store)
        return TestClient(create_app(assistant=assistant, store=store), client=("10.0.0.1", 5000))

    yield make
    vars(assistant.settings).update(saved)
    feedback.use_store(None)
    for store in stores:
        store.close()


def chunked_post(port: int, path: str, total: int, chunk: int = 1024 * 1024) -> tuple[int, dict, bytes, int]:
    """POST `total` bytes with Transfer-Encoding: chunked over a raw socket, reading the response as
    soon as the server sends one; returns (status, headers, body, bytes sent)."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=30)
    sock.sendall((f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                  "Transfer-Encoding: chunked\r\n\r\n").encode())
    piece = b"{\"question\": \"" + b"x" * chunk
    sent, response = 0, b""
    try:
        while sent < total:
            readable, _, _ = select.select([sock], [], [], 0)
            if readable:
                break
            data = piece[:min(chunk, total - sent)]
            sock.sendall(f"{len(data):x}\r\n".encode() + data + b"\r\n")
            sent += len(data)
        else:
            sock.sendall(b"0\r\n\r\n")
    except (BrokenPipeError, ConnectionResetError):
        pass
    try:
        while b"\r\n\r\n" not in response or len(response.split(b"\r\n\r\n", 1)[1]) < _length(response):
            part = sock.recv(65536)
            if not part:
                break
            response += part
    except (ConnectionResetError, socket.timeout):
        pass
    sock.close()
    head, _, body = response.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines[1:] if ": " in line)
    return int(lines[0].split()[1]), {k.lower(): v for k, v in headers.items()}, body, sent


def _length(response: bytes) -> int:
    match = re.search(rb"content-length: (\d+)", response.split(b"\r\n\r\n")[0], re.I)
    return int(match.group(1)) if match else 1


# --------------------------------------------------------------------------- 1. body limit on the stream

def test_chunked_bodies_are_counted_and_refused_without_growing_memory(server):
    port = server["port"]
    status, headers, body, sent = chunked_post(port, "/api/feedback", 50 * 1024 * 1024)
    assert status == 413 and "过大" in json.loads(body)["detail"] and sent < 8 * 1024 * 1024
    process = psutil.Process(server["proc"].pid)
    before = process.memory_info().rss
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda _: chunked_post(port, "/api/ask", 200 * 1024 * 1024), range(4)))
    grown = process.memory_info().rss - before
    assert [r[0] for r in results] == [413] * 4
    assert grown < 64 * 1024 * 1024, f"server memory grew by {grown / 2**20:.0f} MiB"
    print(f"chunked 4×200 MB: 413 after {max(r[3] for r in results) / 2**20:.0f} MiB sent, "
          f"server RSS {grown / 2**20:+.1f} MiB")
    # a small chunked body is still fine
    small = httpx.post(server["base"] + "/api/ask", headers={"content-type": "application/json"},
                       content=iter([json.dumps({"question": LEAD}, ensure_ascii=False).encode()]), timeout=60)
    assert small.status_code == 200 and small.json()["answered"]


# --------------------------------------------------------------------------- 2. disk full / read-only

def test_feedback_on_a_full_then_read_only_disk(server, tmpfs):
    if tmpfs is None:
        pytest.skip("cannot mount a tmpfs here (not root); test_feedback_write_failures_in_process covers it")
    from assistant.feedback import read_all
    from assistant.store import Store

    base = server["base"]
    asked = [httpx.post(base + "/api/ask", json={"question": LEAD}, timeout=60) for _ in range(40)]
    assert all(r.status_code == 200 for r in asked), [(r.status_code, r.text) for r in asked if r.status_code != 200][:3]
    answers = [r.json()["answer_id"] for r in asked]
    filler = tmpfs / "filler"
    with open(filler, "wb", buffering=0) as handle:  # take every free byte
        try:
            while True:
                handle.write(b"\0" * 4096)
        except OSError:
            pass
    confirmed, refusals = [], []
    try:
        for answer_id in answers[:30]:
            response = httpx.post(base + "/api/feedback", json={"answer_id": answer_id, "liked": False,
                                                                "reason": "理由" * 400}, timeout=30)
            if response.status_code == 200:
                confirmed.append(answer_id)
            else:
                assert response.status_code == 503 and response.headers.get("retry-after")
                refusals.append(chinese_detail(response))
    finally:
        filler.unlink()
    assert refusals, "the full disk was never hit"
    print(f"full disk: {len(confirmed)} confirmed, {len(refusals)} refused: {refusals[0]}")
    assert all("/" not in r and not LATIN.search(r) for r in refusals), refusals
    for answer_id in answers[30:]:  # space again: these are saved, nothing before is lost or glued
        assert httpx.post(base + "/api/feedback", json={"answer_id": answer_id, "liked": True}, timeout=30).status_code == 200
        confirmed.append(answer_id)
    store = Store(f"sqlite:///{server['data'] / 'assistant.db'}")
    saved = {row["answer_id"] for row in store.feedback()}
    store.close()
    assert set(confirmed) <= saved
    lines = (server["data"] / "feedback.jsonl").read_text(encoding="utf-8").splitlines()
    copy = read_all(server["data"] / "feedback.jsonl")
    assert len(copy) == len(lines) and {e["answer_id"] for e in copy} == set(confirmed)



def test_feedback_on_a_read_only_disk(app_with, assistant, tmp_path):
    """The database file read-only (SQLite's own SQLITE_READONLY) and the JSONL copy on a tmpfs
    remounted read-only (the kernel's EROFS): 503 with a Chinese reason, no path, no OSError text."""
    from assistant.store import make_engine

    folder = tmp_path / "copy"
    folder.mkdir()
    mounted = os.geteuid() == 0 and subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(folder)],
                                                   capture_output=True).returncode == 0
    try:
        client = app_with(feedback_path=folder / "feedback.jsonl")
        answer = client.post("/api/ask", json={"question": LEAD}).json()
        store = client.app.state.store
        assert client.post("/api/feedback", json={"answer_id": answer["answer_id"], "liked": True}).status_code == 200
        if mounted:
            subprocess.run(["mount", "-o", "remount,ro", str(folder)], check=True)
            copy_refused = client.post("/api/feedback", json={"answer_id": answer["answer_id"], "liked": False})
            assert copy_refused.status_code == 503
            detail = chinese_detail(copy_refused)
            assert "只读" in detail and "/" not in detail and not LATIN.search(detail)
        database = store.url.split("///", 1)[1]
        store.engine = make_engine(f"sqlite:///file:{database}?mode=ro&uri=true")
        refused = client.post("/api/feedback", json={"answer_id": answer["answer_id"], "liked": False})
        assert refused.status_code == 503 and refused.headers["retry-after"]
        detail = chinese_detail(refused)
        assert "只读" in detail and "/" not in detail and not LATIN.search(detail)
        asked = client.post("/api/ask", json={"question": LEAD})  # answering needs the database too: 503, not 500
        assert asked.status_code == 503 and "只读" in chinese_detail(asked)
    finally:
        if mounted:
            subprocess.run(["umount", "-l", str(folder)], capture_output=True)


def test_feedback_write_failures_in_process(tmp_path, monkeypatch):
    """ENOSPC / EROFS on the JSONL copy: a Chinese message without the path, no half line left, and the
    next record stays readable; a torn tail from elsewhere is fenced off by a newline."""
    import errno

    from assistant import feedback

    path = tmp_path / "feedback.jsonl"
    answer = {"answer": "答", "citations": [{"unit_id": "u1"}]}
    feedback.record(path, liked=True, question="一", answer=answer)
    real_write = os.write

    def half_then_full(fd, data):
        real_write(fd, data[: len(data) // 2])
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(feedback.os, "write", half_then_full)
    with pytest.raises(feedback.FeedbackError) as full:
        feedback.record(path, liked=False, question="二", answer=answer)
    monkeypatch.setattr(feedback.os, "write", lambda fd, data: (_ for _ in ()).throw(OSError(errno.EROFS, "Read-only")))
    with pytest.raises(feedback.FeedbackError) as readonly:
        feedback.record(path, liked=False, question="三", answer=answer)
    monkeypatch.setattr(feedback.os, "write", real_write)
    for message, words in ((str(full.value), "已满"), (str(readonly.value), "只读")):
        assert words in message and str(tmp_path) not in message and not LATIN.search(message)
    assert path.read_bytes().endswith(b"\n")  # the half line was cut back
    with open(path, "ab") as handle:  # a torn tail left by a crash
        handle.write(b'{"time": "2026')
    feedback.record(path, liked=False, question="四", answer=answer)
    assert [e["question"] for e in feedback.read_all(path)] == ["一", "四"]


def test_the_page_feedback_error_is_chinese_when_the_database_fails(tmp_path):
    """What the 👎 button shows when the database cannot be written: no OSError text, no path."""
    from assistant import feedback
    from assistant.store import Store, make_engine

    url = f"sqlite:///{tmp_path / 'tiny.db'}"
    store = Store(url, engine=make_engine(url, sqlite_max_pages=16))
    with pytest.raises(feedback.FeedbackError) as failure:
        for i in range(200):
            feedback.record(None, liked=False, question=f"问{i}", answer={"answer": "长" * 5000}, store=store)
    message = str(failure.value)
    assert "存储空间已满" in message and str(tmp_path) not in message and not LATIN.search(message)
    store.close()


# --------------------------------------------------------------------------- 3. non-ASCII credentials

def test_non_ascii_credentials_compare_as_bytes(app_with):
    client = app_with(auth="alice:pw1,张三:密码", login_failures_per_user=100, login_failures_per_client=100)

    def basic(user: str, password: str) -> dict:
        token = base64.b64encode(f"{user}:{password}".encode("utf-8")).decode()
        return {"Authorization": f"Basic {token}"}

    assert client.get("/api/documents/000", headers=basic("alice", "wrong")).status_code == 401
    assert client.get("/api/documents/000", headers=basic("张三", "错")).status_code == 401
    assert client.get("/api/documents/000", headers=basic("张三", "密码")).status_code == 200
    assert client.get("/api/documents/000", headers=basic("alice", "pw1")).status_code == 200
    latin1 = {"Authorization": "Basic " + base64.b64encode("alice:pw\xe9".encode("latin-1")).decode()}
    assert client.get("/api/documents/000", headers=latin1).status_code == 401
    assert client.get("/api/documents/000", headers={"Authorization": "Basic %%%"}).status_code == 401
    page = client.post("/login", data={"username": "张三", "password": "密码"})
    assert page.status_code == 200 and page.json()["success"] is True


# --------------------------------------------------------------------------- 4. sessions

def test_sessions_are_issued_by_the_server_and_bound_to_the_login(app_with):
    client = app_with(auth="alice:pw1,张三:密码", login_failures_per_user=100, login_failures_per_client=100)
    alice, zhang = ("alice", "pw1"), ("张三", "密码")
    victim = client.post("/api/ask", json={"question": PCT}, auth=alice).json()
    steer = client.post("/api/ask", json={"question": "它是谁牵头？", "session_id": victim["session_id"]},
                        auth=tuple(s.encode() for s in zhang))
    assert steer.status_code == 200 and steer.json()["session_id"] != victim["session_id"]
    assert "PCT" not in steer.json()["answer"]
    chosen = client.post("/api/ask", json={"question": PCT, "session_id": "alice"}, auth=alice).json()
    assert chosen["session_id"] != "alice"
    follow = client.post("/api/ask", json={"question": "那2024年呢？", "session_id": victim["session_id"]}, auth=alice)
    assert follow.json()["session_id"] == victim["session_id"] and "PCT" in follow.json()["answer"]
    # zhang cannot judge alice's answer either
    judged = client.post("/api/feedback", json={"answer_id": victim["answer_id"], "liked": False},
                         auth=tuple(s.encode() for s in zhang))
    assert judged.status_code == 404


def test_api_traffic_does_not_evict_page_conversations(app_with):
    client = app_with(max_sessions=5, max_page_sessions=5)
    store = client.app.state.store
    page_id, page = store.new(kind="page")
    store.save(page_id, "", page, kind="page")
    for _ in range(12):
        assert client.post("/api/ask", json={"question": LEAD}).status_code == 200
    assert store.count("api") == 5 and store.load(page_id, kind="page") is not None


# --------------------------------------------------------------------------- 5. uploads without login

def test_page_uploads_are_limited_in_size(server):
    base = server["base"]
    big = httpx.post(base + "/gradio_api/upload", files={"files": ("big.bin", b"\0" * (3 * 1024 * 1024))}, timeout=60)
    assert big.status_code == 413 and "过大" in chinese_detail(big)
    status, _, body, _ = chunked_post(server["port"], "/gradio_api/upload", 20 * 1024 * 1024)
    assert status == 413
    small = httpx.post(base + "/gradio_api/upload", files={"files": ("small.txt", b"ok")}, timeout=60)
    assert small.status_code == 200


# --------------------------------------------------------------------------- 6. malformed text and types

@pytest.mark.parametrize("path, raw", [
    ("/api/ask", b'{"question": "\\ud800"}'),
    ("/api/ask", b'{"question": "\xe8\xb0\x81\\udfff\xe8\xb4\x9f\xe8\xb4\xa3"}'),
    ("/api/ask", b'{"question": "ok", "docs": ["\\udc00"]}'),
    ("/api/ask", b'{"question": "ok", "session_id": "\\ud83d"}'),
    ("/api/feedback", b'{"liked": false, "question": "q", "answer": {"citations": "x"}}'),
    ("/api/feedback", b'{"liked": false, "question": "q", "answer": {"citations": [1, 2]}}'),
    ("/api/feedback", b'{"liked": false, "answer": "not an object"}'),
    ("/api/feedback", b'{"liked": "maybe", "answer_id": "x"}'),
    ("/api/feedback", b'{"liked": true, "reason": "\\ud800", "answer_id": "x"}'),
    ("/api/ask", b'["question"]'),
    ("/api/ask", b'{"question": "\xff\xfe"}'),
])
def test_malformed_text_and_types_get_chinese_4xx(server, path, raw):
    response = httpx.post(server["base"] + path, content=raw, headers={"content-type": "application/json"}, timeout=30)
    assert 400 <= response.status_code < 500
    chinese_detail(response)


# --------------------------------------------------------------------------- 7. back-pressure

def test_back_pressure_refuses_beyond_the_bound_and_health_stays_fast(server):
    base = server["base"]
    health_times: list[float] = []
    stop = threading.Event()

    def probe():
        with httpx.Client() as client:
            while not stop.is_set():
                started = time.perf_counter()
                assert client.get(base + "/api/health", timeout=10).status_code == 200
                health_times.append(time.perf_counter() - started)
                time.sleep(0.02)

    def ask(k: int):
        return httpx.post(base + "/api/ask", json={"question": f"{LEAD}（{k}）"}, timeout=120)

    prober = threading.Thread(target=probe)
    prober.start()
    try:
        with ThreadPoolExecutor(40) as pool:
            responses = list(pool.map(ask, range(40)))
    finally:
        stop.set()
        prober.join()
    codes = [r.status_code for r in responses]
    assert set(codes) <= {200, 503} and codes.count(200) >= 3 and codes.count(503) >= 1
    refused = next(r for r in responses if r.status_code == 503)
    assert int(refused.headers["retry-after"]) > 0 and "稍后再试" in chinese_detail(refused)
    health_times.sort()
    assert health_times and health_times[int(len(health_times) * 0.95)] < 0.5, health_times[-5:]
    print(f"back-pressure: {codes.count(200)} answered, {codes.count(503)} refused (503); health p95 "
          f"{health_times[int(len(health_times) * 0.95)] * 1000:.0f} ms over {len(health_times)} probes")


# --------------------------------------------------------------------------- 8. Chinese 4xx everywhere

def test_unmatched_routes_bad_methods_and_bad_json_in_chinese(server):
    base = server["base"]
    for path in ("/api/nope", "/api/documents/000/extra", "/gradio_api/nope"):
        response = httpx.get(base + path, timeout=30)
        assert response.status_code == 404, path
        chinese_detail(response)
    wrong = httpx.get(base + "/api/ask", timeout=30)
    assert wrong.status_code == 405 and "POST" in wrong.headers["allow"] and "不支持" in chinese_detail(wrong)
    assert httpx.delete(base + "/api/health", timeout=30).status_code == 405
    bad = httpx.post(base + "/api/ask", content=b"{not json", headers={"content-type": "application/json"}, timeout=30)
    assert bad.status_code == 422 and "JSON" in chinese_detail(bad) and isinstance(bad.json()["detail"], str)


# --------------------------------------------------------------------------- 9. login attempts

def test_login_attempts_are_limited_per_user_and_per_client(app_with):
    client = app_with(auth="alice:pw1,bob:pw2", login_failures_per_user=5, login_failures_per_client=8)
    for _ in range(5):
        assert client.get("/api/documents", auth=("alice", "guess")).status_code == 401
    blocked = client.get("/api/documents", auth=("alice", "pw1"))  # even the right password waits
    assert blocked.status_code == 429 and int(blocked.headers["retry-after"]) > 0
    assert "登录失败次数过多" in chinese_detail(blocked)
    assert client.get("/api/documents", auth=("bob", "pw2")).status_code == 200  # bob is not alice
    for _ in range(3):
        assert client.get("/api/documents", auth=("carol", "x")).status_code == 401
    assert client.get("/api/documents", auth=("bob", "pw2")).status_code == 429  # this address is limited now
    other = TestClient(client.app, client=("10.0.0.2", 5000))
    assert other.get("/api/documents", auth=("bob", "pw2")).status_code == 200


def test_page_login_attempts_are_limited(app_with):
    client = app_with(auth="alice:pw1", login_failures_per_user=3, login_failures_per_client=50)
    for _ in range(3):
        assert client.post("/login", data={"username": "alice", "password": "guess"}).status_code == 400
    blocked = client.post("/login", data={"username": "alice", "password": "pw1"})
    assert blocked.status_code == 429 and blocked.headers["retry-after"] and "登录失败次数过多" in chinese_detail(blocked)
    # the API shares the count: alice is limited there too
    assert client.get("/api/documents", auth=("alice", "pw1")).status_code == 429


# --------------------------------------------------------------------------- 10. workers and restarts

def test_two_workers_share_conversations_and_a_restart_keeps_them(index, settings, tmp_path):
    """`app.py --workers 2` on one SQLite file: every turn on a new connection (either worker), then a
    restart of the whole server between two turns."""
    from bench.load import free_port, start_server, stop_server

    env = {"PA_INDEX": str(settings.index_dir), "PA_CORPUS": str(settings.corpus_dir), "PA_DATA": str(tmp_path)}
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    proc = start_server(port, env, workers=2)
    workers: set[int] = set()

    def converse(k: int) -> str:
        with httpx.Client() as fresh:  # a new connection per turn: any worker may take it
            first = httpx.post(base + "/api/ask", json={"question": PCT}, timeout=60).json()
            workers.add(fresh.get(base + "/api/health", timeout=10).json()["worker"])
            follow = httpx.post(base + "/api/ask", json={"question": "那2024年呢？", "session_id": first["session_id"]},
                                timeout=60).json()
            workers.add(fresh.get(base + "/api/health", timeout=10).json()["worker"])
        assert follow["session_id"] == first["session_id"] and "PCT" in follow["answer"] and "2024" in follow["answer"]
        return first["session_id"]

    try:
        with ThreadPoolExecutor(6) as pool:
            sessions = list(pool.map(converse, range(18)))
        assert len(workers) == 2, "both workers should have answered"
    finally:
        stop_server(proc)
    proc = start_server(port, env, workers=2)
    try:
        for session_id in sessions:
            again = httpx.post(base + "/api/ask", json={"question": "那2025年呢？", "session_id": session_id},
                               timeout=60).json()
            assert again["session_id"] == session_id and "PCT" in again["answer"] and "65件" in again["answer"]
    finally:
        stop_server(proc)


# --------------------------------------------------------------------------- 10b. index integrity

def test_a_same_size_corruption_and_stale_build_folders(settings, index, embedder, tmp_path):
    """Checksums in the index manifest catch an overwrite that keeps the size; folders left by a killed
    build are removed at the next start (index.py, owned by the lead: skipped until it records them)."""
    from dataclasses import replace

    from assistant import index as index_module

    if "checksums" not in json.loads((Path(settings.index_dir) / index_module.META).read_text(encoding="utf-8")):
        pytest.skip("index.py does not record file checksums yet (issue 14: requested from its owner)")
    mine = replace(settings, index_dir=tmp_path / "index")
    shutil.copytree(settings.index_dir, mine.index_dir)
    assert index_module.index_status(mine) == "current"
    vectors = next(p for p in (mine.index_dir / index_module.FAISS_DIR).iterdir() if p.is_file())
    data = bytearray(vectors.read_bytes())
    data[len(data) // 2: len(data) // 2 + 64] = bytes(64)
    vectors.write_bytes(bytes(data))
    assert index_module.index_status(mine) == "corrupt"
    stale = tmp_path / ".index-building-killed"
    stale.mkdir()
    (stale / "units.json").write_text("[", encoding="utf-8")
    rebuilt = index_module.load_or_build(mine, embedder=embedder)
    assert len(rebuilt.units) == len(index.units) and index_module.index_status(mine) == "current"
    assert not stale.exists()


# --------------------------------------------------------------------------- 11. the whole API, fuzzed



@pytest.fixture(scope="module")
def fuzz_app(assistant, tmp_path_factory):
    from app import create_app
    from assistant import feedback
    from assistant.store import Store

    store = Store(f"sqlite:///{tmp_path_factory.mktemp('fuzz') / 'state.db'}", units=assistant.units_by_id)
    yield create_app(assistant=assistant, store=store)
    feedback.use_store(None)
    store.close()


@pytest.mark.parametrize("mode", ["positive", "negative"])
def test_the_api_fuzzed_against_its_own_schema(fuzz_app, mode):
    """Every operation of /openapi.json with generated valid (positive) and invalid (negative) requests:
    no server error, and every response as documented (status code, content type, body schema)."""
    schemathesis = pytest.importorskip("schemathesis", reason="schemathesis is not installed (optional fuzz run)")
    from hypothesis import given
    from hypothesis.errors import Unsatisfiable
    from schemathesis.checks import not_a_server_error
    from schemathesis.generation import GenerationMode
    from schemathesis.specs.openapi.checks import (content_type_conformance, response_schema_conformance,
                                                   status_code_conformance)

    schema = schemathesis.openapi.from_asgi("/openapi.json", fuzz_app)
    checks = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
    calls = []
    for result in schema.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy(generation_mode=GenerationMode(mode)))
        @hypothesis_settings(max_examples=60, deadline=None, derandomize=True, database=None,
                             suppress_health_check=list(HealthCheck))
        def fuzz(case):
            case.call_and_validate(checks=checks)
            calls.append(operation.label)

        try:
            fuzz()
        except Unsatisfiable:
            assert mode == "negative"  # an operation without parameters has no invalid request
    assert len(set(calls)) >= (5 if mode == "positive" else 3) and len(calls) >= 100
    print(f"fuzz {mode}: {len(calls)} requests over {len(set(calls))} operations, 0 failures")
