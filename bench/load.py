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


def start_server(port: int, env: dict | None = None, timeout: float = 300, workers: int = 1) -> subprocess.Popen:
    """app.py on 127.0.0.1:port; returns once /api/health answers and, with several workers, once
    every worker has logged its start-up (uvicorn's "Application startup complete")."""
    log = tempfile.NamedTemporaryFile(prefix="pa-server-", suffix=".log", delete=False)
    proc = subprocess.Popen([sys.executable, str(ROOT / "app.py"), "--host", "127.0.0.1", "--port", str(port),
                             "--workers", str(workers)],
                            cwd=ROOT, env={**os.environ, "HF_HUB_OFFLINE": "1", "PA_LOG_LEVEL": "info", **(env or {})},
                            stdout=subprocess.DEVNULL, stderr=log)
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
    proc.kill()
    raise RuntimeError("app.py did not start")


def conversations(gold: Path) -> list[dict]:
    return [item for item in load_gold(gold) if len(item["turns"]) > 1]


def play(client: httpx.Client, base: str, item: dict, latencies: list[float], errors: list[str]) -> dict | None:
    session_id = None
    answer = None
    for turn in item["turns"]:
        started = time.perf_counter()
        try:
            response = client.post(f"{base}/api/ask", json={"question": turn, "session_id": session_id}, timeout=60)
        except httpx.HTTPError as exc:
            errors.append(f"{item['id']}: {exc!r}")
            return None
        latencies.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            errors.append(f"{item['id']}: HTTP {response.status_code}")
            return None
        answer = response.json()
        if session_id is not None and answer["session_id"] != session_id:
            errors.append(f"{item['id']}: session id changed")
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
