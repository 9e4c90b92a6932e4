"""Start-up: process start -> first answer (CLI) and -> page served / first API answer / ready (web app),
with the CPU time and peak memory of each process, alternated A B A B in one run so that the ratio holds
on a shared machine. By default A is the onnxruntime query path and B sentence-transformers at query time
(PA_QUERY_ENCODER=sentence-transformers, what every process did before); with --base DIR, A is this
checkout and B another one (e.g. the main branch exported with `git archive`, with its own index/).

    python -m bench.startup [--runs 5] [--skip cli,web] [--base DIR] [--json OUT]

Peak memory is the child's own maximum resident set (wait4's ru_maxrss), as /usr/bin/time -v reports it;
CPU is its user + system time. Web app: `page_s` = the first 200 on /, `answer_s` = the first answered
POST /api/ask, `ready_s` = /api/health 200 (the chat page mounted).
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from . import finish, run_process
from .load import free_port

ROOT = Path(__file__).resolve().parent.parent
QUESTION = "数据知识产权试点由哪个部门牵头？"
ENCODER_PATHS = {"onnx": {"root": ROOT, "env": {}},
                 "sentence-transformers": {"root": ROOT, "env": {"PA_QUERY_ENCODER": "sentence-transformers"}}}


def _env(path: dict) -> dict:
    return {**os.environ, "HF_HUB_OFFLINE": "1", **path["env"]}


def _python(root: Path) -> str:
    """The checkout's own interpreter when it has a venv (another worktree), else this one."""
    own = Path(root) / ".venv" / "bin" / "python"
    return str(own) if own.exists() else sys.executable


def cli_once(path: dict) -> dict:
    return run_process([_python(path["root"]), "-m", "assistant", "ask", QUESTION], path["root"], _env(path))


def web_once(path: dict, timeout: float = 300) -> dict:
    """Seconds to the page's first 200, to the first API answer, to /api/health 200 (ready), and the
    server's CPU time and peak memory."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    root = Path(path["root"])
    data = tempfile.mkdtemp(prefix="startup-data-")
    started = time.perf_counter()
    proc = subprocess.Popen([_python(root), str(root / "app.py"), "--host", "127.0.0.1", "--port", str(port)],
                            cwd=root, env={**_env(path), "PA_DATA": data}, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    page = answer = ready = None
    try:
        with httpx.Client(timeout=60) as client:
            while time.perf_counter() - started < timeout and proc.poll() is None and ready is None:
                try:
                    if page is None and client.get(base + "/").status_code == 200:
                        page = time.perf_counter() - started
                    if page is not None and answer is None:
                        reply = client.post(base + "/api/ask", json={"question": QUESTION})
                        if reply.status_code == 200 and reply.json().get("answered"):
                            answer = time.perf_counter() - started
                    if answer is not None and client.get(base + "/api/health").status_code == 200:
                        ready = time.perf_counter() - started
                except httpx.HTTPError:
                    pass
                time.sleep(0.02)
    finally:
        proc.terminate()
        _, _, usage = os.wait4(proc.pid, 0)
        shutil.rmtree(data, ignore_errors=True)
    if page is None or answer is None or ready is None:
        raise RuntimeError("the web app did not answer")
    return {"page_s": page, "answer_s": answer, "ready_s": ready, "cpu_s": usage.ru_utime + usage.ru_stime,
            "peak_mib": usage.ru_maxrss / 1024}


def alternate(measure, paths: dict, runs: int, warmup: int = 1) -> dict:
    """A B A B ... after a warm-up of each; medians per path and the median of the pairwise ratios A/B."""
    for _ in range(warmup):
        for path in paths.values():
            measure(path)
    rows: dict[str, list[dict]] = {name: [] for name in paths}
    for _ in range(runs):
        for name, path in paths.items():
            rows[name].append(measure(path))
    out: dict = {}
    for name, values in rows.items():
        out[name] = {key: round(statistics.median(v[key] for v in values), 3) for key in values[0]}
        out[name]["range"] = {key: [round(min(v[key] for v in values), 3), round(max(v[key] for v in values), 3)]
                              for key in values[0]}
    a_name, b_name = list(paths)
    a, b = rows[a_name], rows[b_name]
    out[f"ratio_{a_name}_over_{b_name}"] = {key: round(statistics.median(x[key] / y[key] for x, y in zip(a, b)), 3)
                                            for key in a[0]}
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--skip", default="", help="cli,web")
    parser.add_argument("--base", help="another checkout to compare this one against (B), instead of the encoders")
    parser.add_argument("--json", help="write the figures here")
    args = parser.parse_args(argv)
    skip = set(filter(None, args.skip.split(",")))
    paths = {"this": {"root": ROOT, "env": {}}, "base": {"root": Path(args.base).resolve(), "env": {}}} \
        if args.base else ENCODER_PATHS
    for root in {str(v["root"]) for v in paths.values()}:  # the bytecode `make run` writes, in every checkout
        subprocess.run([_python(Path(root)), "-m", "compileall", "-q", "assistant", "app.py"], cwd=root, check=True,
                       stdout=subprocess.DEVNULL)
    result: dict = {"load_average": os.getloadavg(), "paths": {k: str(v["root"]) for k, v in paths.items()}}
    if "cli" not in skip:
        result["cli"] = alternate(cli_once, paths, args.runs)
        print(json.dumps({"cli": result["cli"]}))
    if "web" not in skip:
        result["web"] = alternate(web_once, paths, args.runs)
        print(json.dumps({"web": result["web"]}))
    return finish(result, args.json)


if __name__ == "__main__":
    sys.exit(main())
