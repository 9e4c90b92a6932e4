"""Start-up: process start -> first answer (CLI) and -> page served / first API answer (web app), with the
peak memory of each process, for the onnxruntime query path against sentence-transformers at query time
(PA_QUERY_ENCODER=sentence-transformers, what every process did before), alternated A B A B in one run so
that the ratio holds on a shared machine.

    python -m bench.startup [--runs 5] [--skip cli,web] [--json OUT]

Peak memory is the child's own maximum resident set (wait4's ru_maxrss), as /usr/bin/time -v reports it.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx

from .load import free_port

ROOT = Path(__file__).resolve().parent.parent
QUESTION = "数据知识产权试点由哪个部门牵头？"
PATHS = {"onnx": {}, "sentence-transformers": {"PA_QUERY_ENCODER": "sentence-transformers"}}


def _env(extra: dict) -> dict:
    return {**os.environ, "HF_HUB_OFFLINE": "1", **extra}


def cli_once(extra: dict) -> dict:
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "assistant", "ask", QUESTION], cwd=ROOT, env=_env(extra),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        raise RuntimeError(f"the CLI exited with {proc.returncode}")
    return {"wall_s": time.perf_counter() - started, "peak_mib": usage.ru_maxrss / 1024,
            "cpu_s": usage.ru_utime + usage.ru_stime}


def web_once(extra: dict, timeout: float = 300) -> dict:
    """Seconds to the page's first 200, to the first API answer, and the server's peak memory."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, str(ROOT / "app.py"), "--host", "127.0.0.1", "--port", str(port)],
                            cwd=ROOT, env=_env(extra), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    page = answer = None
    try:
        with httpx.Client(timeout=60) as client:
            while time.perf_counter() - started < timeout and proc.poll() is None:
                try:
                    if page is None and client.get(base + "/").status_code == 200:
                        page = time.perf_counter() - started
                    if page is not None:
                        reply = client.post(base + "/api/ask", json={"question": QUESTION})
                        if reply.status_code == 200 and reply.json().get("answered"):
                            answer = time.perf_counter() - started
                            break
                except httpx.HTTPError:
                    pass
                time.sleep(0.05)
    finally:
        proc.terminate()
        _, _, usage = os.wait4(proc.pid, 0)
    if page is None or answer is None:
        raise RuntimeError("the web app did not answer")
    return {"page_s": page, "answer_s": answer, "peak_mib": usage.ru_maxrss / 1024}


def alternate(measure, runs: int, warmup: int = 1) -> dict:
    """A B A B ... after a warm-up of each; medians per path and the median of the pairwise ratios."""
    for _ in range(warmup):
        for extra in PATHS.values():
            measure(extra)
    rows: dict[str, list[dict]] = {name: [] for name in PATHS}
    for _ in range(runs):
        for name, extra in PATHS.items():
            rows[name].append(measure(extra))
    out: dict = {}
    for name, values in rows.items():
        out[name] = {key: round(statistics.median(v[key] for v in values), 3) for key in values[0]}
    a, b = rows["onnx"], rows["sentence-transformers"]
    out["ratio_onnx_over_st"] = {key: round(statistics.median(x[key] / y[key] for x, y in zip(a, b)), 3)
                                 for key in a[0]}
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--skip", default="", help="cli,web")
    parser.add_argument("--json", help="write the figures here")
    args = parser.parse_args(argv)
    skip = set(filter(None, args.skip.split(",")))
    result: dict = {"load_average": os.getloadavg()}
    if "cli" not in skip:
        result["cli"] = alternate(cli_once, args.runs)
        print(json.dumps({"cli": result["cli"]}))
    if "web" not in skip:
        result["web"] = alternate(web_once, args.runs)
        print(json.dumps({"web": result["web"]}))
    result["load_average_after"] = os.getloadavg()
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
