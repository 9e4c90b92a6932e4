"""Warm answers and throughput: per-answer latency over the gold questions (single user, quiet and with a
busy neighbour process), the query embedding alone, ONNX vs sentence-transformers batch embedding of the
corpus, and requests/s with many concurrent users over HTTP.

    python -m bench.throughput [--skip embed,warm,http] [--users 50] [--seconds 30] [--json OUT]
    python -m bench.throughput --answers OUT.jsonl [--repeats 5] [--profile OUT.prof]

`--answers` times warm answers in this process only (every gold conversation answered once first, then
each last turn `--repeats` times; p50/p95 of wall time, of the answering thread's CPU time, and of that
CPU time without the query embedding) and writes every gold answer (Answer.to_dict, one JSON
line per item) so that two versions of the code can be diffed answer by answer; `--profile` adds a
cProfile of one more warm pass.

Each query path is measured in its own process (`--child onnx|sentence-transformers`), so that torch's
thread pools never share a process with onnxruntime's.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

from . import finish

ROOT = Path(__file__).resolve().parent.parent
GOLD = ROOT / "eval" / "gold.jsonl"


def _pct(values: list[float]) -> dict:
    from eval.stats import percentiles

    return percentiles(values)


def _answer_times(assistant, items: list[dict]) -> list[float]:
    from bench import time_last_turn

    return [time_last_turn(assistant, item["turns"]) for item in items]


def child(path: str, repeats: int) -> dict:
    """In this process: load the index with the given query path, then time answers and embeddings."""
    os.environ["PA_QUERY_ENCODER"] = path
    from assistant.chat import Assistant
    from assistant.config import Settings
    from assistant.index import embedding_text
    from eval.grader import load_gold

    assistant = Assistant(Settings())
    items = load_gold(GOLD)
    _answer_times(assistant, items)  # warm: caches, first-use imports
    quiet = [t for _ in range(repeats) for t in _answer_times(assistant, items)]
    questions = [item["turns"][-1] for item in items]
    embed = []
    for _ in range(repeats):
        for q in questions:
            started = time.perf_counter()
            assistant.retriever.embed(q)
            embed.append((time.perf_counter() - started) * 1000)
    neighbour = subprocess.Popen([sys.executable, "-c", "while True: pass"])  # one busy core next door
    try:
        time.sleep(0.5)
        busy = [t for _ in range(repeats) for t in _answer_times(assistant, items)]
    finally:
        neighbour.kill()
        neighbour.wait()
    texts = [embedding_text(u) for u in assistant.index.units]
    started = time.perf_counter()
    assistant.index.embedder.embed_passages(texts)
    build_embed_s = time.perf_counter() - started
    return {"path": path, "embedder": type(assistant.index.embedder).__name__, "answers": len(quiet),
            "answer_ms": _pct(quiet), "answer_busy_neighbour_ms": _pct(busy), "query_embedding_ms": _pct(embed),
            "corpus_embedding_s": round(build_embed_s, 2), "units": len(texts)}


def warm_answers(out: Path, repeats: int, profile: str | None = None) -> dict:
    """Warm single-user latency over the gold set, and every answer written to `out` for diffing."""
    from assistant.chat import Assistant, Session
    from assistant.config import Settings
    from eval.grader import load_gold

    assistant = Assistant(Settings())
    items = load_gold(GOLD)
    with open(out, "w", encoding="utf-8") as handle:
        for item in items:
            session = Session()
            for turn in item["turns"]:
                answer = assistant.ask(turn, session)
            handle.write(json.dumps({"id": item["id"], **answer.to_dict()}, ensure_ascii=False) + "\n")
    embed, spent = assistant.retriever.embed, [0.0]

    def timed_embed(query: str):
        started = time.thread_time()
        try:
            return embed(query)
        finally:
            spent[0] += time.thread_time() - started

    assistant.retriever.embed = timed_embed
    wall, cpu, rest = [], [], []
    for _ in range(repeats):
        for item in items:
            session = Session()
            for turn in item["turns"][:-1]:
                assistant.ask(turn, session)
            spent[0] = 0.0
            started, started_cpu = time.perf_counter(), time.thread_time()
            assistant.ask(item["turns"][-1], session)
            wall.append((time.perf_counter() - started) * 1000)
            cpu.append((time.thread_time() - started_cpu) * 1000)
            rest.append(cpu[-1] - spent[0] * 1000)
    assistant.retriever.embed = embed
    result = {"answers": len(wall), "answer_ms": _pct(wall), "answer_cpu_ms": _pct(cpu),
              "answer_cpu_without_embedding_ms": _pct(rest), "load_average": os.getloadavg(), "written": str(out)}
    if profile:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
        _answer_times(assistant, items)
        profiler.disable()
        profiler.dump_stats(profile)
    return result


def embed_ab(repeats: int) -> dict:
    """Query embedding by onnxruntime and by sentence-transformers, interleaved question by question in one
    process, so that both see the same machine; plus their agreement."""
    import numpy as np

    from assistant.config import Settings
    from assistant.embedding import load_embedder, load_query_embedder
    from eval.grader import load_gold

    settings = Settings()
    light = load_query_embedder(settings.model, settings.cache_dir, settings.query_prompt)
    reference = load_embedder(settings.model, settings.cache_dir, settings.query_prompt, export=False)
    questions = [turn for item in load_gold(GOLD) for turn in item["turns"]]
    times: dict[str, list[float]] = {"onnx": [], "sentence-transformers": []}
    cosine = 1.0
    for _ in range(repeats):
        for q in questions:
            for name, embedder in (("onnx", light), ("sentence-transformers", reference)):
                started = time.perf_counter()
                vector = embedder.embed_query(q)
                times[name].append((time.perf_counter() - started) * 1000)
                if name == "onnx":
                    ours = vector
            cosine = min(cosine, float(np.dot(ours, vector)))
    out = {name: _pct(values) for name, values in times.items()}
    out["ratio_p50"] = round(out["onnx"]["p50"] / out["sentence-transformers"]["p50"], 3)
    out["ratio_p95"] = round(out["onnx"]["p95"] / out["sentence-transformers"]["p95"], 3)
    out["min_cosine"] = round(cosine, 6)
    return out


def warm(repeats: int) -> dict:
    out = {}
    for path in ("onnx", "sentence-transformers"):
        done = subprocess.run([sys.executable, "-m", "bench.throughput", "--child", path, "--repeats", str(repeats)],
                              cwd=ROOT, env={**os.environ, "HF_HUB_OFFLINE": "1"}, capture_output=True, text=True,
                              check=True)
        out[path] = json.loads(done.stdout.strip().splitlines()[-1])
        print(json.dumps(out[path]), flush=True)
    return out


def _cpu_seconds(pid: int) -> float:
    """CPU time (user + system) of a process and its children (uvicorn's worker processes)."""
    import psutil

    proc = psutil.Process(pid)
    total = 0.0
    for p in [proc] + proc.children(recursive=True):
        try:
            times = p.cpu_times()
            total += times.user + times.system
        except psutil.Error:
            pass
    return total


async def _read_reply(reader) -> tuple[int, bytes, bool]:
    """(status, body, keep-alive) of one HTTP/1.1 response (Content-Length or chunked)."""
    status_line = await reader.readline()
    if not status_line:
        raise ConnectionError("connection closed")
    headers = {}
    while True:
        line = await reader.readline()
        if line in (b"\r\n", b"\n", b""):
            break
        name, _, value = line.decode("latin-1").partition(":")
        headers[name.strip().lower()] = value.strip()
    if "content-length" in headers:
        body = await reader.readexactly(int(headers["content-length"]))
    elif headers.get("transfer-encoding", "").lower() == "chunked":
        parts = []
        while True:
            size = int((await reader.readline()).strip().split(b";")[0], 16)
            parts.append(await reader.readexactly(size + 2))
            if size == 0:
                break
        body = b"".join(p[:-2] for p in parts)
    else:
        body = await reader.read()
    return int(status_line.split()[1]), body, headers.get("connection", "").lower() != "close"


def _async_users(port: int, questions: list[str], users: int, stop_at: float, latencies: list[float],
                 errors: list[str]) -> None:
    """`users` keep-alive connections driven from one asyncio loop in this thread: the load generator
    costs a fraction of a millisecond of CPU per request, so the two cores go to the server."""
    import asyncio

    async def user(k: int) -> None:
        reader = writer = None
        i = k
        while time.perf_counter() < stop_at:
            body = json.dumps({"question": questions[i % len(questions)]}, ensure_ascii=False).encode()
            request = (f"POST /api/ask HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\n"
                       f"Content-Length: {len(body)}\r\n\r\n").encode() + body
            started = time.perf_counter()
            try:
                if writer is None:
                    reader, writer = await asyncio.open_connection("127.0.0.1", port)
                writer.write(request)
                status, payload, alive = await asyncio.wait_for(_read_reply(reader), 60)
                ok = status == 200 and "answer" in json.loads(payload)
                problem = f"HTTP {status}"
                if not alive:
                    writer.close()
                    reader = writer = None
            except (OSError, ValueError, asyncio.TimeoutError, asyncio.IncompleteReadError) as exc:
                ok, problem = False, type(exc).__name__
                if writer is not None:
                    writer.close()
                reader = writer = None
            latencies.append((time.perf_counter() - started) * 1000)
            if not ok:
                errors.append(problem)
            i += users
        if writer is not None:
            writer.close()

    async def everyone() -> None:
        await asyncio.gather(*(user(k) for k in range(users)))

    asyncio.run(everyone())


def http(users: int, seconds: float, env: dict | None = None, workers: int = 1, client: str = "async") -> dict:
    """`users` concurrent users, each its own connection, asking gold questions back to back for `seconds`;
    with the server's and this client's CPU time per request (2 cores are shared by both). `client`:
    "async" (one asyncio loop, raw HTTP/1.1 keep-alive) or "threads" (a thread and an httpx client each,
    the heavier generator earlier figures used)."""
    import resource
    import tempfile

    import httpx

    from eval.grader import load_gold

    from .load import free_port, start_server, stop_server

    questions = [item["turns"][-1] for item in load_gold(GOLD) if len(item["turns"]) == 1]
    port = free_port()
    data = tempfile.mkdtemp(prefix="pa-throughput-")  # a fresh database per run: same quotas, same sizes
    server = start_server(port, env={"PA_MAX_INFLIGHT": str(max(64, users * 2)), "PA_DATA": data, **(env or {})},
                          workers=workers)
    base = f"http://127.0.0.1:{port}"
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    stop_at = [0.0]

    def user(k: int) -> None:
        with httpx.Client(timeout=60) as client:
            i = k
            while time.perf_counter() < stop_at[0]:
                started = time.perf_counter()
                try:
                    reply = client.post(base + "/api/ask", json={"question": questions[i % len(questions)]})
                    ok = reply.status_code == 200 and "answer" in reply.json()
                except httpx.HTTPError as exc:
                    ok, reply = False, exc
                with lock:
                    latencies.append((time.perf_counter() - started) * 1000)
                    if not ok:
                        errors.append(str(getattr(reply, "status_code", reply)))
                i += users

    try:
        with httpx.Client(timeout=60) as warmup:  # first answers: lazy caches (every worker)
            for question in questions[: 4 * workers]:
                warmup.post(base + "/api/ask", json={"question": question})
        stop_at[0] = time.perf_counter() + seconds
        server_cpu = _cpu_seconds(server.pid)
        client_cpu = resource.getrusage(resource.RUSAGE_SELF)
        started = time.perf_counter()
        if client == "async":
            _async_users(port, questions, users, stop_at[0], latencies, errors)
        else:
            threads = [threading.Thread(target=user, args=(k,)) for k in range(users)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
        elapsed = time.perf_counter() - started
        server_cpu = _cpu_seconds(server.pid) - server_cpu
        after = resource.getrusage(resource.RUSAGE_SELF)
        client_cpu = after.ru_utime + after.ru_stime - client_cpu.ru_utime - client_cpu.ru_stime
    finally:
        stop_server(server)
    done = max(1, len(latencies))
    return {"users": users, "workers": workers, "client": client, "seconds": round(elapsed, 1),
            "requests": len(latencies), "throughput_rps": round(len(latencies) / elapsed, 1), "errors": len(errors),
            "error_kinds": sorted(set(errors))[:5], "latency_ms": _pct(latencies),
            "server_cpu_ms_per_request": round(server_cpu * 1000 / done, 1),
            "client_cpu_ms_per_request": round(client_cpu * 1000 / done, 1),
            "load_average": [round(x, 1) for x in os.getloadavg()], "env": env or {}}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--skip", default="", help="embed,warm,http")
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--http-paths", default="onnx,sentence-transformers")
    parser.add_argument("--workers", default="1", help="server processes; several (1,2) are measured in turn")
    parser.add_argument("--client", default="async", help="load generator: async (default) or threads; both: async,threads")
    parser.add_argument("--json", help="write the figures here")
    parser.add_argument("--answers", help="warm answers only: write every gold answer here (JSON lines)")
    parser.add_argument("--profile", help="with --answers: cProfile one more warm pass into this file")
    args = parser.parse_args(argv)
    if args.answers:
        print(json.dumps(warm_answers(Path(args.answers), args.repeats, args.profile)))
        return 0
    if args.child:
        print(json.dumps(child(args.child, args.repeats)))
        return 0
    skip = set(filter(None, args.skip.split(",")))
    result: dict = {"load_average": os.getloadavg()}
    if "embed" not in skip:
        result["embedding_ab"] = embed_ab(args.repeats)
        print(json.dumps(result["embedding_ab"]), flush=True)
    if "warm" not in skip:
        result["warm"] = warm(args.repeats)
    if "http" not in skip:
        paths = {"onnx": {}, "sentence-transformers": {"PA_QUERY_ENCODER": "sentence-transformers"}}
        result["http"] = {f"{path} workers={w} client={c}": http(args.users, args.seconds, paths[path], int(w), c)
                          for c in args.client.split(",") for w in args.workers.split(",")
                          for path in args.http_paths.split(",")}
        print(json.dumps(result["http"]), flush=True)
    return finish(result, args.json)


if __name__ == "__main__":
    sys.exit(main())
