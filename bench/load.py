"""Load test: K simulated staff members, each holding multi-turn conversations through the HTTP API.

Conversations come from the gold set's multi-turn items, whose last answer depends on the earlier
turns ("那2024年呢？"). Users run at once, each with its own session id, so a conversation whose
last answer is graded wrong under load but right when asked alone is a cross-session leak.
"""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

from eval.grader import grade, load_gold

from eval.stats import percentiles

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(port: int, env: dict | None = None, timeout: float = 600, workers: int = 1) -> subprocess.Popen:
    """app.py on 127.0.0.1:port; returns once /api/health answers and, with several workers, once
    every worker has logged its start-up (uvicorn's "Application startup complete")."""
    log = tempfile.NamedTemporaryFile(prefix="pa-server-", suffix=".log", delete=False)
    proc = subprocess.Popen([sys.executable, str(ROOT / "app.py"), "--host", "127.0.0.1", "--port", str(port),
                             "--workers", str(workers)],
                            cwd=ROOT, env={**os.environ, "HF_HUB_OFFLINE": "1", "PA_LOG_LEVEL": "info", **(env or {})},
                            stdout=subprocess.DEVNULL, stderr=log, start_new_session=True)
    proc.log_path = log.name
    log.close()
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("app.py exited during start-up: " + Path(proc.log_path).read_text(errors="replace")[-2000:])
        started = Path(proc.log_path).read_text(errors="replace").count("Application startup complete")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=2).status_code == 200 and started >= workers:
                return proc
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    stop_server(proc, timeout=5)
    raise RuntimeError("app.py did not start")


def stop_server(proc: subprocess.Popen, timeout: float = 60) -> None:
    """SIGTERM (uvicorn stops its workers), then SIGKILL to the whole process group if it lingers."""
    import signal

    proc.terminate()
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        pass
    try:
        os.killpg(proc.pid, signal.SIGKILL)  # workers left behind by a parent that died first
    except ProcessLookupError:
        pass
    proc.wait(timeout=10)
    Path(getattr(proc, "log_path", "")).unlink(missing_ok=True) if getattr(proc, "log_path", "") else None


def conversations(gold: Path) -> list[dict]:
    return [item for item in load_gold(gold) if len(item["turns"]) > 1]


def play(client: httpx.Client, base: str, item: dict, latencies: list[float], errors: list[str]) -> dict | None:
    """A whole conversation on one connection; its last answer, or None at the first failed turn."""
    session_id = None
    answer = None
    for turn in item["turns"]:
        answer = _turn(base, turn, session_id, latencies, errors, item["id"], post=client.post, timeout=60)
        if answer is None:
            return None
        session_id = answer["session_id"]
    return answer


def run(base: str, gold: Path, users: int = 24, rounds: int = 3, time_limit: float = 600) -> dict:
    items = conversations(gold)
    with httpx.Client() as client:  # each conversation alone first: what a right answer is
        baseline = {item["id"]: grade(item, play(client, base, item, [], [])).answer_ok for item in items}
    latencies: list[float] = []
    errors: list[str] = []
    leaks: list[str] = []
    lock = threading.Lock()
    deadline = time.time() + time_limit

    def user(k: int) -> None:
        mine: list[float] = []
        with httpx.Client() as client:
            for r in range(rounds):
                if time.time() > deadline:
                    break
                item = items[(k * rounds + r) % len(items)]
                answer = play(client, base, item, mine, errors)
                if answer is not None and baseline[item["id"]] and not grade(item, answer).answer_ok:
                    with lock:
                        leaks.append(f"user {k}: {item['id']}")
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=user, args=(k,)) for k in range(users)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    return {"users": users, "rounds": rounds, "conversations": len(items), "requests": len(latencies),
            "seconds": round(elapsed, 1), "throughput_rps": round(len(latencies) / elapsed, 1),
            "latency_ms": percentiles(latencies), "errors": len(errors), "error_samples": errors[:5],
            "leaks": len(leaks), "leak_samples": leaks[:5],
            "baseline_correct": sum(baseline.values())}


# --------------------------------------------------------------------------- several workers, one database

def _turn(base: str, question: str, session_id: str | None, latencies: list[float], errors: list[str],
          label: str, post=httpx.post, timeout: float = 120) -> dict | None:
    """One question; by default on a new connection (so that any worker may take it)."""
    started = time.perf_counter()
    try:
        response = post(f"{base}/api/ask", json={"question": question, "session_id": session_id}, timeout=timeout)
    except httpx.HTTPError as exc:
        errors.append(f"{label}: {exc!r}")
        return None
    latencies.append((time.perf_counter() - started) * 1000)
    if response.status_code != 200:
        errors.append(f"{label}: HTTP {response.status_code} {response.text[:80]}")
        return None
    answer = response.json()
    if session_id is not None and answer["session_id"] != session_id:
        errors.append(f"{label}: conversation lost (new session id)")
    return answer


def _judge(base: str, answer: dict, liked: bool, confirmed: list[str], errors: list[str], label: str) -> None:
    try:
        response = httpx.post(f"{base}/api/feedback", json={"answer_id": answer["answer_id"], "liked": liked,
                                                            "reason": "" if liked else "负载测试"}, timeout=60)
    except httpx.HTTPError as exc:
        errors.append(f"{label} feedback: {exc!r}")
        return
    if response.status_code == 200:
        confirmed.append(answer["answer_id"])
    else:
        errors.append(f"{label} feedback: HTTP {response.status_code}")


def run_workers(gold: Path, users: int = 50, rounds: int = 2, workers: int = 2, env: dict | None = None,
                data_dir: Path | None = None) -> dict:
    """`app.py --workers N` on one SQLite file: `users` staff members at once, each holding `rounds`
    multi-turn conversations with every turn on a new connection, judging every answer. The server is
    restarted in the middle of every conversation (after all but the last turn); the last turns must
    still be answered in context. Counts errors, lost judgements and cross-session leaks."""
    items = conversations(gold)
    data_dir = Path(data_dir or tempfile.mkdtemp(prefix="pa-load-"))
    env = {**(env or {}), "PA_DATA": str(data_dir)}
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    started = time.perf_counter()
    proc = start_server(port, env, workers=workers)
    startup_s = time.perf_counter() - started
    baseline: dict[str, bool] = {}
    for item in items:  # each conversation alone first: what a right answer is
        session_id, answer = None, None
        for turn in item["turns"]:
            answer = _turn(base, turn, session_id, [], [], item["id"])
            session_id = answer["session_id"] if answer else None
        baseline[item["id"]] = bool(answer) and grade(item, answer).answer_ok
    latencies: list[float] = []
    errors: list[str] = []
    leaks: list[str] = []
    confirmed: list[str] = []
    workers_seen: set[int] = set()
    lock = threading.Lock()
    plan = {k: [items[(k * rounds + r) % len(items)] for r in range(rounds)] for k in range(users)}
    open_sessions: dict[tuple[int, int], str] = {}

    def first_part(k: int) -> None:
        mine, done = [], []
        for r, item in enumerate(plan[k]):
            session_id = None
            for turn in item["turns"][:-1]:
                answer = _turn(base, turn, session_id, mine, errors, f"user {k} {item['id']}")
                if answer is None:
                    break
                session_id = answer["session_id"]
                _judge(base, answer, True, done, errors, f"user {k}")
            if session_id:
                open_sessions[(k, r)] = session_id
        try:
            workers_seen.add(httpx.get(f"{base}/api/health", timeout=10).json()["worker"])
        except (httpx.HTTPError, KeyError, ValueError):
            pass
        with lock:
            latencies.extend(mine)
            confirmed.extend(done)

    def last_part(k: int) -> None:
        mine, done = [], []
        for r, item in enumerate(plan[k]):
            session_id = open_sessions.get((k, r))
            if session_id is None:
                continue
            answer = _turn(base, item["turns"][-1], session_id, mine, errors, f"user {k} {item['id']}")
            if answer is None:
                continue
            _judge(base, answer, k % 2 == 0, done, errors, f"user {k}")
            if baseline[item["id"]] and not grade(item, answer).answer_ok:
                with lock:
                    leaks.append(f"user {k}: {item['id']}")
        with lock:
            latencies.extend(mine)
            confirmed.extend(done)

    def phase(fn) -> float:
        threads = [threading.Thread(target=fn, args=(k,)) for k in range(users)]
        begun = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return time.perf_counter() - begun

    try:
        first_s = phase(first_part)
        stop_server(proc)
        begun = time.perf_counter()
        proc = start_server(port, env, workers=workers)
        restart_s = time.perf_counter() - begun
        last_s = phase(last_part)
    finally:
        stop_server(proc)

    from assistant.store import Store

    store = Store(f"sqlite:///{data_dir / 'assistant.db'}")
    stored = {row["answer_id"] for row in store.feedback()}
    store.close()
    lost = [answer_id for answer_id in confirmed if answer_id not in stored]
    elapsed = first_s + last_s
    return {"workers": workers, "workers_seen": len(workers_seen), "users": users, "rounds": rounds,
            "conversations": users * rounds, "requests": len(latencies), "seconds": round(elapsed, 1),
            "throughput_rps": round(len(latencies) / elapsed, 1), "latency_ms": percentiles(latencies),
            "startup_s": round(startup_s, 1), "restart_s": round(restart_s, 1),
            "resumed_after_restart": sum(1 for _ in open_sessions), "errors": len(errors),
            "error_samples": errors[:5], "leaks": len(leaks), "leak_samples": leaks[:5],
            "feedback_confirmed": len(confirmed), "feedback_stored": len(stored), "feedback_lost": len(lost),
            "baseline_correct": sum(baseline.values()), "baseline_total": len(baseline)}


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(description="load test: several workers sharing one SQLite database")
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--json", help="write the figures here as JSON")
    args = parser.parse_args(argv)
    figures = run_workers(ROOT / "eval" / "gold.jsonl", users=args.users, rounds=args.rounds, workers=args.workers)
    text = json.dumps(figures, ensure_ascii=False, indent=2)
    print(text)
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(text + "\n", encoding="utf-8")
    return 0 if figures["errors"] == figures["leaks"] == figures["feedback_lost"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
