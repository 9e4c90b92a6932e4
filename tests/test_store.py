"""The state store on SQLite and on a real PostgreSQL server: migrations, server-issued session ids,
login binding, idle expiry, quotas, restarts, one toggleable judgement per answer, export, full disk.

PostgreSQL is Debian's server (`make postgres`), initdb'ed and started here in a temporary folder on
a local socket (as the postgres user when the tests run as root), stopped at the end.
"""
from __future__ import annotations

import glob
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PCT = "普陀区2025年PCT国际专利申请量的目标是多少？"


def _postgres_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).resolve().parent if initdb else None


@pytest.fixture(scope="session")
def postgres_server():
    """A throw-away PostgreSQL cluster on a Unix socket in a temporary folder; yields (socket dir, port)."""
    bindir = _postgres_bin()
    if bindir is None or not (bindir / "pg_ctl").exists():
        pytest.skip("PostgreSQL server binaries (initdb, pg_ctl) are absent: `make postgres` installs Debian's postgresql")
    base = Path(tempfile.mkdtemp(prefix="pa-pg-"))
    as_user: list[str] = []
    if os.geteuid() == 0:  # initdb refuses root: run the server as the package's postgres user
        shutil.chown(base, "postgres", "postgres")
        as_user = ["runuser", "-u", "postgres", "--"]
    data = base / "data"
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    subprocess.run(as_user + [str(bindir / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust", "-E", "UTF8",
                              "--no-locale", "--no-sync"], check=True, capture_output=True)
    options = f"-k {base} -p {port} -c listen_addresses='' -c fsync=off -c max_connections=200"
    subprocess.run(as_user + [str(bindir / "pg_ctl"), "-D", str(data), "-l", str(base / "server.log"), "-w", "-t", "60",
                              "-o", options, "start"], check=True, capture_output=True)
    yield str(base), port
    subprocess.run(as_user + [str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"],
                   capture_output=True)
    shutil.rmtree(base, ignore_errors=True)


def new_postgres_database(server) -> str:
    """A fresh, empty database on the test server; its SQLAlchemy URL."""
    from sqlalchemy import create_engine, text

    host, port = server
    admin = create_engine(f"postgresql+psycopg://postgres@/postgres?host={host}&port={port}",
                          isolation_level="AUTOCOMMIT")
    name = "pa_" + uuid.uuid4().hex[:12]
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return f"postgresql+psycopg://postgres@/{name}?host={host}&port={port}"


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'state.db'}"
    return new_postgres_database(request.getfixturevalue("postgres_server"))


def issued(store, user: str = "", kind: str = "api") -> str:
    """A new conversation as the API makes one: an id from the store, stored by its first save."""
    session_id, session = store.new(user, kind)
    store.save(session_id, user, session, kind)
    return session_id


@pytest.fixture
def store(db_url, assistant):
    from assistant.store import Store

    store = Store(db_url, units=assistant.units_by_id)
    yield store
    store.close()


def test_migrations_run_once_and_are_recorded(db_url):
    from sqlalchemy import inspect, text

    from assistant.store import Store, migration_files

    first = Store(db_url)
    tables = set(inspect(first.engine).get_table_names())
    assert {"schema_version", "conversations", "answers", "feedback", "login_failures"} <= tables
    first.close()
    second = Store(db_url)  # a restart: nothing applied again
    with second.engine.connect() as conn:
        versions = [row[0] for row in conn.execute(text("SELECT version FROM schema_version ORDER BY version"))]
    assert versions == [v for v, _ in migration_files()] and versions[0] == 1
    second.close()


def test_two_processes_migrating_at_once_apply_each_migration_once(db_url):
    from sqlalchemy import text

    from assistant.store import Store, migration_files

    code = ("import sys; from assistant.store import make_engine, migrate; "
            "print(migrate(make_engine(sys.argv[1])))")
    procs = [subprocess.Popen([sys.executable, "-c", code, db_url], cwd=ROOT, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(3)]
    outputs = [p.communicate(timeout=120) for p in procs]
    assert all(p.returncode == 0 for p in procs), [err for _, err in outputs]
    applied = [out.strip() for out, _ in outputs]
    every = str([v for v, _ in migration_files()])
    assert sorted(applied) == sorted([every, "[]", "[]"])
    store = Store(db_url)
    with store.engine.connect() as conn:
        assert conn.execute(text("SELECT COUNT(*) FROM schema_version")).scalar() == len(migration_files())
    store.close()


def test_session_ids_are_issued_by_the_server_only(store):
    assert store.load("alice") is None
    session_id, session = store.get_or_new("alice")
    assert session_id != "alice" and re.fullmatch(r"[0-9a-f]{32}", session_id)
    store.save(session_id, "", session)
    assert store.load(session_id) is not None
    forged = "0" * 32  # well-formed but never issued
    assert store.load(forged) is None
    assert store.get_or_new(forged)[0] != forged


def test_a_conversation_is_bound_to_its_login_and_kind(store):
    session_id = issued(store, "张三")
    assert store.load(session_id, "张三") is not None
    assert store.load(session_id, "alice") is None
    assert store.load(session_id, "") is None
    assert store.load(session_id, "张三", kind="page") is None
    assert store.get_or_new(session_id, "alice")[0] != session_id
    store.drop(session_id, "alice")  # someone else's drop does nothing
    assert store.load(session_id, "张三") is not None


def test_idle_conversations_expire(db_url):
    from assistant.store import Store

    now = [1_000_000.0]
    store = Store(db_url, idle_seconds=600, clock=lambda: now[0])
    session_id, session = store.new()
    now[0] += 500
    store.save(session_id, "", session)  # activity keeps it alive
    now[0] += 500
    assert store.load(session_id) is not None
    now[0] += 601
    assert store.load(session_id) is None
    assert store.count() == 0
    store.close()


def test_api_clients_cannot_evict_page_conversations(db_url):
    from assistant.store import Store

    store = Store(db_url, quotas={"api": 10, "page": 3}, per_user=3)
    pages = [issued(store, kind="page") for _ in range(3)]
    anonymous = [issued(store) for _ in range(40)]
    assert all(store.load(p, kind="page") is not None for p in pages)
    assert store.count("api") == 10 and store.load(anonymous[-1]) is not None and store.load(anonymous[0]) is None
    mine = [issued(store, "alice") for _ in range(2)]
    flood = [issued(store, "mallory") for _ in range(30)]
    assert all(store.load(s, "alice") is not None for s in mine)  # one login cannot push others out
    assert [store.load(s, "mallory") is not None for s in flood[-4:]] == [False, True, True, True]
    assert store.count("api") == 10 and all(store.load(p, kind="page") is not None for p in pages)
    store.close()


def test_a_conversation_survives_a_restart(assistant, db_url):
    from assistant.store import Store

    first = Store(db_url, units=assistant.units_by_id)
    session_id, session = first.new("staff")
    answer = assistant.ask(PCT, session)
    assert answer.answered
    first.save_turn(session_id, "staff", session, PCT, answer.to_dict())
    first.close()

    second = Store(db_url, units=assistant.units_by_id)  # a new process would do exactly this
    restored = second.load(session_id, "staff")
    assert restored is not None and restored.history == session.history
    follow = assistant.ask("那2024年呢？", restored)
    assert follow.answered and "2024" in follow.answer and "PCT" in follow.answer
    second.close()


def test_one_toggleable_judgement_per_answer(store, assistant):
    session_id, session = store.new("alice")
    result = assistant.ask("数据知识产权试点由哪个部门牵头？", session).to_dict()
    answer_id = store.save_turn(session_id, "alice", session, "数据知识产权试点由哪个部门牵头？", result)
    assert store.judge(answer_id, "alice", True)["liked"] is True
    store.judge(answer_id, "alice", False, "牵头单位不对")
    rows = store.feedback()
    assert len(rows) == 1 and rows[0]["liked"] is False and rows[0]["reason"] == "牵头单位不对"
    assert rows[0]["citations"] == [c["unit_id"] for c in result["citations"]]
    assert store.judge(answer_id, "bob", True) is None  # not bob's answer
    assert store.judge("f" * 32, "alice", True) is None
    store.judge(answer_id, "alice", None)  # withdrawn
    assert store.feedback() == []


def test_page_feedback_through_the_legacy_call_lands_once_in_the_store(store, tmp_path):
    from assistant import feedback

    answer = {"answer": "牵头：某某办公室 [1]", "answered": True, "intent": "lead",
              "citations": [{"n": 1, "unit_id": "doc#1"}]}
    for liked in (True, False):  # clicking 👍 then 👎 on the same answer
        feedback.record(tmp_path / "copy.jsonl", liked=liked, question="谁牵头？", answer=answer,
                        session_id="s1", store=store)
    rows = store.feedback()
    assert len(rows) == 1 and rows[0]["liked"] is False and rows[0]["citations"] == ["doc#1"]
    copy = feedback.read_all(tmp_path / "copy.jsonl")
    assert [e["liked"] for e in copy] == [True, False]


def test_export_feedback_to_excel(store, assistant, tmp_path):
    from openpyxl import load_workbook

    from assistant.feedback import export_feedback

    for question, liked in (("数据知识产权试点由哪个部门牵头？", True), ("=HYPERLINK(\"x\")谁负责", False)):
        session_id, session = store.new()
        result = assistant.ask(question, session).to_dict()
        store.judge(store.save_turn(session_id, "", session, question, result), "", liked, "理由")
    out = tmp_path / "feedback.xlsx"
    assert export_feedback(out, store=store) == 2
    rows = list(load_workbook(out).active.values)
    assert rows[0][:5] == ("评价时间", "用户", "评价", "理由", "问题")
    assert [r[2] for r in rows[1:]] == ["👍 有用", "👎 无用"]
    assert rows[2][4].startswith("'=")  # no formula from user text
    assert rows[1][8]  # cited unit ids


def test_export_command_line(tmp_path, assistant):
    """`python -m assistant feedback --export x.xlsx` through feedback.add_cli (registered by __main__)."""
    import argparse

    from assistant.config import Settings
    from assistant.feedback import add_cli
    from assistant.store import Store

    settings = Settings()
    settings.data_dir = tmp_path
    store = Store.from_settings(settings)
    session_id, session = store.new()
    answer_id = store.save_turn(session_id, "", session, "谁负责？", assistant.ask("谁负责？", session).to_dict())
    store.judge(answer_id, "", False)
    store.close()
    parser = argparse.ArgumentParser()
    add_cli(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["feedback", "--export", str(tmp_path / "out.xlsx")])
    os.environ["PA_DATA"] = str(tmp_path)
    try:
        assert args.func(args) == 0
    finally:
        del os.environ["PA_DATA"]
    assert (tmp_path / "out.xlsx").stat().st_size > 0


def test_a_full_database_refuses_in_chinese_and_keeps_every_confirmed_record(tmp_path):
    """SQLite's own 'database or disk is full' (max_page_count): no half record, no path, no English."""
    from assistant.store import Store, StoreError, make_engine

    url = f"sqlite:///{tmp_path / 'small.db'}"
    store = Store(url, engine=make_engine(url, sqlite_max_pages=40))
    confirmed, error = 0, None
    for i in range(500):
        session_id, session = "a" * 32, None
        try:
            answer_id = store.record_answer("", "", f"问题{i}", {"answer": "长" * 3000, "citations": []})
            store.judge(answer_id, "", i % 2 == 0, "理由" * 50)
            confirmed += 1
        except StoreError as exc:
            error = str(exc)
            break
    assert error is not None and confirmed > 0
    assert "存储空间已满" in error and "/" not in error and not re.search(r"[A-Za-z]", error)
    assert len(store.feedback()) == confirmed  # the failed write left nothing behind
    store.close()
    roomy = Store(url)  # space freed: the next record is readable with all earlier ones
    answer_id = roomy.record_answer("", "", "再问", {"answer": "答"})
    roomy.judge(answer_id, "", True)
    assert len(roomy.feedback()) == confirmed + 1
    roomy.close()


def test_the_api_on_postgresql_keeps_conversations_across_a_restart(assistant, postgres_server):
    """The whole API path on the real server: ask, follow up after a 'restart' (a new app and store)."""
    from fastapi.testclient import TestClient

    from app import create_app
    from assistant.store import Store

    url = new_postgres_database(postgres_server)
    store = Store(url, units=assistant.units_by_id)
    with TestClient(create_app(assistant=assistant, store=store)) as client:
        first = client.post("/api/ask", json={"question": PCT}).json()
        assert client.get("/api/health").json()["database"] == "postgresql"
    store.close()
    store = Store(url, units=assistant.units_by_id)
    with TestClient(create_app(assistant=assistant, store=store)) as client:
        follow = client.post("/api/ask", json={"question": "那2024年呢？", "session_id": first["session_id"]}).json()
        assert follow["session_id"] == first["session_id"] and "2024" in follow["answer"] and "PCT" in follow["answer"]
        saved = client.post("/api/feedback", json={"answer_id": follow["answer_id"], "liked": False, "reason": "少了数值"})
        assert saved.status_code == 200
    assert [r["reason"] for r in store.feedback()] == ["少了数值"]
    store.close()


def test_failed_logins_are_shared_by_every_process(db_url):
    """Two workers (two stores on one database) count one user's failures together."""
    from assistant.api import LoginLimiter
    from assistant.store import Store

    first, second = Store(db_url), Store(db_url)
    a = LoginLimiter(per_user=5, per_client=100, window=300, store=first)
    b = LoginLimiter(per_user=5, per_client=100, window=300, store=second)
    for limiter in (a, b, a, b, a):
        assert limiter.retry_after("10.0.0.1", "alice") == 0
        limiter.failed("10.0.0.1", "alice")
    assert 0 < b.retry_after("10.0.0.9", "alice") <= 300
    assert b.retry_after("10.0.0.9", "bob") == 0
    a.succeeded("alice")
    assert b.retry_after("10.0.0.9", "alice") == 0
    first.close()
    second.close()


def test_turns_saved_at_once_share_one_commit_and_a_failing_turn_fails_alone(tmp_path, monkeypatch):
    """SQLite group commit: turns queued behind the write lock are written by one transaction (one fsync);
    when that transaction fails, each turn is retried alone, so one turn's error loses no other turn."""
    import threading

    from sqlalchemy.exc import OperationalError

    from assistant.store import Store, StoreError

    store = Store(f"sqlite:///{tmp_path / 'group.db'}")
    transactions = []
    plain_tx, plain_write = Store._tx, Store._write_turn

    def counting_tx(self, *args, **kwargs):
        transactions.append(kwargs)
        return plain_tx(self, *args, **kwargs)

    def failing_write(self, conn, turn):
        plain_write(self, conn, turn)
        if turn.question == "坏问题":  # after its rows are written: the rollback must take them back
            raise OperationalError("INSERT", {}, Exception("database or disk is full"))

    monkeypatch.setattr(Store, "_tx", counting_tx)
    monkeypatch.setattr(Store, "_write_turn", failing_write)

    def queued(questions: list[str]) -> dict:
        results: dict[str, object] = {}

        def save(question: str) -> None:
            session_id, session = store.new()
            try:
                results[question] = (session_id, store.save_turn(session_id, "", session, question, {"answer": question}))
            except StoreError as exc:
                results[question] = exc

        with store._write_lock:  # every turn queues behind one writer
            threads = [threading.Thread(target=save, args=(q,)) for q in questions]
            for thread in threads:
                thread.start()
            while len(store._pending) < len(questions):
                threading.Event().wait(0.01)
        for thread in threads:
            thread.join()
        return results

    def saved(results: dict, question: str) -> bool:
        session_id, answer_id = results[question]
        row = store.answer(answer_id)
        return row["question"] == question and row["session_id"] == session_id and store.load(session_id) is not None

    good = queued(["问题一", "问题二", "问题三"])
    assert len(transactions) == 1 and all(saved(good, q) for q in good)
    transactions.clear()
    mixed = queued(["问题四", "坏问题", "问题五"])
    assert len(transactions) == 1 + 3  # the shared transaction failed, then each turn alone
    assert isinstance(mixed["坏问题"], StoreError) and "存储空间已满" in str(mixed["坏问题"])
    assert saved(mixed, "问题四") and saved(mixed, "问题五")
    assert store.count("api") == 5  # the failed turn left no conversation behind
    store.close()
