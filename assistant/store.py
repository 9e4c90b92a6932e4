"""State in a database: conversations, the answers given in them, and one judgement per answer.

SQLite (WAL, one file) by default, PostgreSQL when `PA_DATABASE_URL` is set, through SQLAlchemy, so
that conversations survive restarts and several worker processes or replicas share them. The
schema lives in `assistant/migrations/NNNN_*.sql`, applied once in order under a lock (SQLite's write
lock, PostgreSQL's advisory lock) and recorded in `schema_version`.

Session ids are issued here only: a client can present an id but never choose one, an id is bound
to the login that created it, and it expires after an idle period. Each kind of client ("api",
"page") has its own quota, so API traffic cannot push page conversations out.
"""
from __future__ import annotations

import dataclasses
import importlib
import json
import re
import secrets
import threading
import time
from collections import OrderedDict
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Callable, Iterator

from sqlalchemy import bindparam, create_engine, event, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError

from .chat import Session

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
PG_MIGRATION_LOCK = 7_270_014  # any constant: one advisory lock id for this schema
ID_PATTERN = re.compile(r"^[0-9a-f]{32}$")


class StoreError(RuntimeError):
    """The database cannot be read or written (disk full, read-only, unreachable); Chinese message."""


def _unavailable(exc: Exception) -> StoreError:
    message = str(getattr(exc, "orig", exc)).lower()
    if "full" in message or "no space" in message:
        reason = "存储空间已满"
    elif "readonly" in message or "read-only" in message or "read only" in message:
        reason = "存储为只读"
    elif "locked" in message or "busy" in message:
        reason = "数据库繁忙"
    else:
        reason = "数据库暂时不可用"
    return StoreError(f"{reason}，本次内容未能保存，请稍后再试或联系管理员。")


# --------------------------------------------------------------------------- session state

def encode_session(session: Session) -> dict:
    """JSON-serialisable state: `Session.to_state()` when the session offers it, else its fields."""
    if hasattr(session, "to_state"):
        return session.to_state()
    return {f.name: _encode(getattr(session, f.name)) for f in dataclasses.fields(session) if f.name != "lock"}


def decode_session(state: dict, units: dict | None = None) -> Session:
    if hasattr(Session, "from_state"):
        return Session.from_state(state)
    names = {f.name for f in dataclasses.fields(Session)} - {"lock"}
    values = {k: _decode(v, units or {}) for k, v in state.items() if k in names}
    if "history" in values:
        values["history"] = [tuple(turn) for turn in values["history"]]
    return Session(**values)


def _encode(value):
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        if type(value).__name__ == "Unit" and hasattr(value, "unit_id"):
            return {"__unit__": value.unit_id}  # units come back from the loaded index
        kind = f"{type(value).__module__}:{type(value).__qualname__}"
        return {"__dataclass__": kind, **{f.name: _encode(getattr(value, f.name)) for f in dataclasses.fields(value)
                                          if not isinstance(getattr(value, f.name), type(threading.Lock()))}}
    if isinstance(value, (list, tuple, set)):
        return [_encode(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _encode(v) for k, v in value.items()}
    return value


def _decode(value, units: dict):
    if isinstance(value, list):
        return [_decode(v, units) for v in value]
    if not isinstance(value, dict):
        return value
    if "__unit__" in value:
        return units.get(value["__unit__"])
    if "__dataclass__" in value:
        module, _, name = value["__dataclass__"].partition(":")
        if not module.startswith("assistant."):
            return None
        cls = importlib.import_module(module)
        for part in name.split("."):
            cls = getattr(cls, part)
        fields = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: _decode(v, units) for k, v in value.items() if k in fields})
    return {k: _decode(v, units) for k, v in value.items()}


# --------------------------------------------------------------------------- the store

def make_engine(url: str, *, sqlite_max_pages: int | None = None) -> Engine:
    """An engine with durable SQLite settings (WAL, full sync, write lock taken at BEGIN)."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:" and not path.startswith("file:"):
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _connect(dbapi_connection, _record):
            dbapi_connection.isolation_level = None  # SQLAlchemy's "begin" event below opens transactions
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=FULL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            if sqlite_max_pages:
                cursor.execute(f"PRAGMA max_page_count={int(sqlite_max_pages)}")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _begin(connection):
            # writers take the write lock up front (two processes never deadlock upgrading a read to a
            # write); readers begin deferred and, with WAL, never wait for a writer
            mode = connection.get_execution_options().get("sqlite_begin", "IMMEDIATE")
            connection.exec_driver_sql(f"BEGIN {mode}")

        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=10)


def migration_files() -> list[tuple[int, Path]]:
    files = []
    for path in sorted(MIGRATIONS.glob("[0-9][0-9][0-9][0-9]_*.sql")):
        files.append((int(path.name[:4]), path))
    return files


def _statements(sql: str) -> list[str]:
    lines = [line for line in sql.splitlines() if not line.strip().startswith("--")]
    return [s.strip() for s in "\n".join(lines).split(";") if s.strip()]


def migrate(engine: Engine) -> list[int]:
    """Apply every migration not yet recorded, once, whichever process gets the lock first."""
    applied = []
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": PG_MIGRATION_LOCK})
        conn.execute(text("CREATE TABLE IF NOT EXISTS schema_version "
                          "(version INTEGER PRIMARY KEY, applied DOUBLE PRECISION NOT NULL)"))
        done = {row[0] for row in conn.execute(text("SELECT version FROM schema_version"))}
        for version, path in migration_files():
            if version in done:
                continue
            for statement in _statements(path.read_text(encoding="utf-8")):
                conn.execute(text(statement))
            conn.execute(text("INSERT INTO schema_version (version, applied) VALUES (:v, :t)"),
                         {"v": version, "t": time.time()})
            applied.append(version)
    return applied


@dataclasses.dataclass
class _Turn:
    """One turn to save, encoded before the write lock is taken."""
    answer_id: str
    session_id: str
    user: str
    kind: str
    now: float
    question: str
    state: str
    answer: str
    done: bool = False
    error: Exception | None = None


class Store:
    """Conversations (by server-issued id, bound to a login, idle expiry, quota per kind), answers and
    their judgements. Thread-safe; several processes may share one database."""

    def __init__(self, url: str, *, idle_seconds: float = 12 * 3600, quotas: dict[str, int] | None = None,
                 per_user: int = 200, units: dict | None = None, engine: Engine | None = None,
                 clock: Callable[[], float] = time.time):
        self.url = url
        self.engine = engine or make_engine(url)
        self.idle_seconds = idle_seconds
        self.quotas = {"api": 2000, "page": 2000, **(quotas or {})}
        self.per_user = per_user
        self.units = units or {}
        self.clock = clock
        self._locks = [threading.Lock() for _ in range(64)]
        self._write_lock = threading.Lock()
        self._pending: list[_Turn] = []  # turns waiting for the write lock (save_turn's group commit)
        self._pending_lock = threading.Lock()
        self._fresh: OrderedDict[str, None] = OrderedDict()  # ids issued by new(), not yet stored
        self._last_purge = 0.0
        try:
            migrate(self.engine)
        except SQLAlchemyError as exc:
            raise _unavailable(exc) from exc

    @classmethod
    def from_settings(cls, settings, units: dict | None = None) -> "Store":
        return cls(settings.database(), idle_seconds=settings.session_idle_hours * 3600,
                   quotas={"api": settings.max_sessions, "page": settings.max_page_sessions},
                   per_user=settings.max_sessions_per_user, units=units)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def _tx(self, write: bool = True, locked: bool = False) -> Iterator[Connection]:
        """One transaction. SQLite writers of this process queue on a lock first, so that only one
        of them at a time waits in SQLite's busy handler (whose back-off sleeps grow to 100 ms);
        `locked`: the caller holds that lock already."""
        serialise = write and self.dialect == "sqlite" and not locked
        try:
            with self._write_lock if serialise else nullcontext(), self.engine.connect() as conn:
                if not write:
                    conn = conn.execution_options(sqlite_begin="DEFERRED")
                with conn.begin():
                    yield conn
        except SQLAlchemyError as exc:
            raise _unavailable(exc) from exc

    def lock(self, session_id: str) -> threading.Lock:
        """One lock per conversation within this process: two requests on one conversation take turns."""
        return self._locks[hash(session_id) % len(self._locks)]

    # ----------------------------------------------------------------------- conversations

    def new(self, user: str = "", kind: str = "api") -> tuple[str, Session]:
        """A fresh conversation with a server-issued id; stored (and the quotas applied) at its first save."""
        session_id = secrets.token_hex(16)
        self._fresh[session_id] = None
        while len(self._fresh) > 100_000:  # issued to clients that never came back
            self._fresh.popitem(last=False)
        return session_id, Session()

    def _upsert(self, conn: Connection, session_id: str, user: str, session: Session | str, kind: str,
                now: float) -> None:
        """`session` may come already encoded (a JSON string), so that it is encoded outside the write lock."""
        state = session if isinstance(session, str) else json.dumps(encode_session(session), ensure_ascii=False)
        conn.execute(text("INSERT INTO conversations (id, owner, kind, created, updated, state) "
                          "VALUES (:id, :owner, :kind, :now, :now, :state) "
                          "ON CONFLICT (id) DO UPDATE SET updated = excluded.updated, state = excluded.state"),
                     {"id": session_id, "owner": user, "kind": kind, "now": now, "state": state})
        if self._fresh.pop(session_id, 0) is None:
            self._enforce_quotas(conn, user, kind)
            if now - self._last_purge > 60:
                self._purge(conn, now)
                self._last_purge = now

    def _enforce_quotas(self, conn: Connection, user: str, kind: str) -> None:
        """A login's own oldest conversations go first, then the kind's oldest: one client cannot push
        out other users' conversations, and API traffic never touches the page's."""
        if user and self.per_user:
            count = conn.execute(text("SELECT COUNT(*) FROM conversations WHERE kind = :kind AND owner = :owner"),
                                 {"kind": kind, "owner": user}).scalar()
            if count > self.per_user:
                conn.execute(text("DELETE FROM conversations WHERE id IN (SELECT id FROM conversations "
                                  "WHERE kind = :kind AND owner = :owner ORDER BY updated LIMIT :n)"),
                             {"kind": kind, "owner": user, "n": count - self.per_user})
        limit = self.quotas.get(kind, 2000)
        count = conn.execute(text("SELECT COUNT(*) FROM conversations WHERE kind = :kind"), {"kind": kind}).scalar()
        if count > limit:
            conn.execute(text("DELETE FROM conversations WHERE id IN (SELECT id FROM conversations WHERE kind = :kind "
                              "ORDER BY updated LIMIT :n)"), {"kind": kind, "n": count - limit})

    def _purge(self, conn: Connection, now: float) -> None:
        cutoff = now - self.idle_seconds
        conn.execute(text("DELETE FROM conversations WHERE updated < :cutoff"), {"cutoff": cutoff})
        conn.execute(text("DELETE FROM answers WHERE created < :cutoff AND id NOT IN (SELECT answer_id FROM feedback)"),
                     {"cutoff": cutoff})

    def load(self, session_id: str | None, user: str = "", kind: str = "api") -> Session | None:
        """The conversation, or None when the id is unknown, expired, of another kind or another user's."""
        if not isinstance(session_id, str) or not ID_PATTERN.match(session_id):
            return None
        with self._tx(write=False) as conn:
            row = conn.execute(text("SELECT owner, kind, updated, state FROM conversations WHERE id = :id"),
                               {"id": session_id}).first()
        if row is None or row.owner != user or row.kind != kind:
            return None
        if row.updated < self.clock() - self.idle_seconds:
            with self._tx() as conn:
                conn.execute(text("DELETE FROM conversations WHERE id = :id AND updated = :u"),
                             {"id": session_id, "u": row.updated})
            return None
        return decode_session(json.loads(row.state), self.units)

    def save(self, session_id: str, user: str, session: Session, kind: str = "api") -> None:
        with self._tx() as conn:
            self._upsert(conn, session_id, user, session, kind, self.clock())

    def get_or_new(self, session_id: str | None, user: str = "", kind: str = "api") -> tuple[str, Session]:
        session = self.load(session_id, user, kind) if session_id else None
        if session is None:
            return self.new(user, kind)
        return session_id, session

    def drop(self, session_id: str, user: str = "") -> None:
        with self._tx() as conn:
            conn.execute(text("DELETE FROM conversations WHERE id = :id AND owner = :owner"),
                         {"id": session_id, "owner": user})

    def count(self, kind: str | None = None) -> int:
        with self._tx(write=False) as conn:
            if kind is None:
                return conn.execute(text("SELECT COUNT(*) FROM conversations")).scalar()
            return conn.execute(text("SELECT COUNT(*) FROM conversations WHERE kind = :k"), {"k": kind}).scalar()

    # ----------------------------------------------------------------------- answers and feedback

    def save_turn(self, session_id: str, user: str, session: Session, question: str, answer: dict,
                  kind: str = "api") -> str:
        """The conversation after a turn and the answer given, atomically; returns the answer id once it is
        committed. On SQLite, turns saved at the same moment by several threads share one commit (one
        fsync) instead of queueing for one each: whichever thread holds the write lock writes every turn
        waiting. Should that transaction fail, each turn is retried alone, so a turn that fails fails alone."""
        turn = _Turn(answer_id=secrets.token_hex(16), session_id=session_id, user=user, kind=kind,
                     now=self.clock(), question=question,
                     state=json.dumps(encode_session(session), ensure_ascii=False),
                     answer=json.dumps(answer, ensure_ascii=False))
        if self.dialect != "sqlite":  # concurrent writers do not queue on PostgreSQL
            with self._tx() as conn:
                self._write_turn(conn, turn)
            return turn.answer_id
        with self._pending_lock:
            self._pending.append(turn)
        with self._write_lock:
            if not turn.done:  # nobody took it along: write everything waiting, this turn included
                with self._pending_lock:
                    batch, self._pending = self._pending, []
                self._write_batch(batch)
        if turn.error is not None:
            raise turn.error
        return turn.answer_id

    def _write_batch(self, batch: list["_Turn"]) -> None:
        """Every turn of `batch` in one transaction, or each alone when that fails; call with the write lock."""
        try:
            try:
                with self._tx(locked=True) as conn:
                    for item in batch:
                        self._write_turn(conn, item)
                return
            except Exception as exc:
                if len(batch) == 1:
                    batch[0].error = exc
                    return
            for item in batch:
                try:
                    with self._tx(locked=True) as conn:
                        self._write_turn(conn, item)
                except Exception as exc:
                    item.error = exc
        finally:
            for item in batch:
                item.done = True

    def _write_turn(self, conn: Connection, turn: "_Turn") -> None:
        self._upsert(conn, turn.session_id, turn.user, turn.state, turn.kind, turn.now)
        conn.execute(text("INSERT INTO answers (id, conversation_id, owner, created, question, answer) "
                          "VALUES (:id, :sid, :owner, :now, :q, :a)"),
                     {"id": turn.answer_id, "sid": turn.session_id, "owner": turn.user, "now": turn.now,
                      "q": turn.question, "a": turn.answer})

    def answer(self, answer_id: str) -> dict | None:
        with self._tx(write=False) as conn:
            row = conn.execute(text("SELECT conversation_id, owner, created, question, answer FROM answers "
                                    "WHERE id = :id"), {"id": answer_id}).first()
        if row is None:
            return None
        return {"session_id": row.conversation_id, "user": row.owner, "time": row.created,
                "question": row.question, "answer": json.loads(row.answer)}

    def turns(self, session_id: str, user: str = "") -> list[dict]:
        """The answers of one conversation of this login, oldest first (the page's side bar reopens it)."""
        if not isinstance(session_id, str) or not ID_PATTERN.match(session_id):
            return []
        with self._tx(write=False) as conn:
            rows = conn.execute(text("SELECT id, question, answer FROM answers WHERE conversation_id = :sid "
                                     "AND owner = :owner ORDER BY created, id"), {"sid": session_id, "owner": user}).all()
        return [{"answer_id": row.id, "question": row.question, "answer": json.loads(row.answer)} for row in rows]

    def record_answer(self, session_id: str, user: str, question: str, answer: dict,
                      answer_id: str | None = None) -> str:
        """Keep an answer so that a judgement can refer to it by id (and nothing else)."""
        answer_id = answer_id or secrets.token_hex(16)
        with self._tx() as conn:
            conn.execute(text("INSERT INTO answers (id, conversation_id, owner, created, question, answer) "
                              "VALUES (:id, :sid, :owner, :now, :q, :a) ON CONFLICT (id) DO NOTHING"),
                         {"id": answer_id, "sid": session_id or "", "owner": user, "now": self.clock(),
                          "q": question, "a": json.dumps(answer, ensure_ascii=False)})
        return answer_id

    def judge(self, answer_id: str, user: str, liked: bool | None, reason: str = "") -> dict | None:
        """Set, change or (liked=None) withdraw the one judgement of an answer; None when the answer is
        unknown or another user's."""
        now = self.clock()
        with self._tx() as conn:
            owner = conn.execute(text("SELECT owner FROM answers WHERE id = :id"), {"id": answer_id}).scalar()
            if owner is None or owner != user:
                return None
            if liked is None:
                conn.execute(text("DELETE FROM feedback WHERE answer_id = :id"), {"id": answer_id})
            else:
                conn.execute(text("INSERT INTO feedback (answer_id, owner, liked, reason, updated) "
                                  "VALUES (:id, :owner, :liked, :reason, :now) ON CONFLICT (answer_id) DO UPDATE "
                                  "SET liked = excluded.liked, reason = excluded.reason, updated = excluded.updated"),
                             {"id": answer_id, "owner": user, "liked": bool(liked), "reason": reason or "", "now": now})
        return {"answer_id": answer_id, "liked": liked, "reason": reason or "", "time": now}

    def feedback(self) -> list[dict]:
        """Every current judgement with its question and answer, oldest first."""
        with self._tx(write=False) as conn:
            rows = conn.execute(text(
                "SELECT f.answer_id, f.owner, f.liked, f.reason, f.updated, a.conversation_id, a.created, "
                "a.question, a.answer FROM feedback f JOIN answers a ON a.id = f.answer_id "
                "ORDER BY f.updated, f.answer_id")).all()
        entries = []
        for row in rows:
            answer = json.loads(row.answer)
            entries.append({
                "answer_id": row.answer_id, "user": row.owner, "liked": bool(row.liked), "reason": row.reason,
                "time": row.updated, "asked": row.created, "session_id": row.conversation_id,
                "question": row.question, "answer": answer.get("answer", ""), "answered": answer.get("answered"),
                "intent": answer.get("intent"),
                "citations": [c.get("unit_id") for c in answer.get("citations", []) if isinstance(c, dict)],
            })
        return entries

    # ----------------------------------------------------------------------- failed logins

    def login_failures(self, keys: list[str], since: float) -> dict[str, list[float]]:
        """Times of the failed logins of each key since `since`, oldest first."""
        with self._tx(write=False) as conn:
            rows = conn.execute(text("SELECT key, at FROM login_failures WHERE key IN :keys AND at > :since "
                                     "ORDER BY at").bindparams(bindparam("keys", expanding=True)),
                                {"keys": keys, "since": since}).all()
        found: dict[str, list[float]] = {key: [] for key in keys}
        for row in rows:
            found[row.key].append(row.at)
        return found

    def add_login_failure(self, keys: list[str], at: float, keep: float) -> None:
        with self._tx() as conn:
            conn.execute(text("INSERT INTO login_failures (key, at) VALUES (:key, :at)"),
                         [{"key": key, "at": at} for key in keys])
            conn.execute(text("DELETE FROM login_failures WHERE at < :cutoff"), {"cutoff": at - keep})

    def clear_login_failures(self, key: str) -> None:
        with self._tx() as conn:
            conn.execute(text("DELETE FROM login_failures WHERE key = :key"), {"key": key})

    def close(self) -> None:
        self.engine.dispose()


class PageSessions:
    """What the page (web.py) calls `sessions`: `get(id) -> (id, Session)`, `save`, `drop`.

    Live conversations stay in memory (the Gradio queue and its state are per process anyway), under
    the page's own quota; `save(id, session)` writes them to the store so that they outlive a
    restart, and `get` falls back to the store for an id this process does not hold. When the
    database fails, the page keeps working from memory.
    """

    def __init__(self, store: Store, limit: int = 2000):
        self.store = store
        self.limit = limit
        self._live: "OrderedDict[str, Session]" = OrderedDict()
        self._lock = threading.Lock()

    def get(self, session_id: str | None, user: str = "") -> tuple[str, Session]:
        with self._lock:
            if session_id in self._live:
                self._live.move_to_end(session_id)
                return session_id, self._live[session_id]
        try:
            session_id, session = self.store.get_or_new(session_id, user, "page")
        except StoreError:
            session_id, session = secrets.token_hex(16), Session()
        with self._lock:
            self._live[session_id] = session
            while len(self._live) > self.limit:
                self._live.popitem(last=False)
        return session_id, session

    def save(self, session_id: str, session: Session, user: str = "") -> None:
        try:
            self.store.save(session_id, user, session, kind="page")
        except StoreError:
            pass  # the conversation goes on in memory

    def drop(self, session_id: str, user: str = "") -> None:
        with self._lock:
            self._live.pop(session_id, None)
        try:
            self.store.drop(session_id, user)
        except StoreError:
            pass

    def __len__(self) -> int:
        return len(self._live)
