"""Benchmarks (not tests): speed, memory, scale and load on this machine. Run `python -m bench`."""
import json
import os
import subprocess
import tempfile
import time
from pathlib import Path


def time_last_turn(assistant, turns: list[str]) -> float:
    """Milliseconds to answer a conversation's last turn, after its earlier turns set the context."""
    from assistant.chat import Session

    session = Session()
    for turn in turns[:-1]:
        assistant.ask(turn, session)
    started = time.perf_counter()
    assistant.ask(turns[-1], session)
    return (time.perf_counter() - started) * 1000


def run_process(argv: list[str], cwd: Path, env: dict) -> dict:
    """A whole process, waited for: wall seconds, CPU seconds (user + system) and peak resident memory
    (wait4's ru_maxrss, as /usr/bin/time -v reports it); raises with the end of its stderr when it fails."""
    with tempfile.TemporaryFile() as errors:
        started = time.perf_counter()
        proc = subprocess.Popen(argv, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=errors)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - started
        if os.waitstatus_to_exitcode(status):
            errors.seek(0)
            raise RuntimeError(f"{' '.join(map(str, argv[1:]))} failed: {errors.read()[-2000:].decode(errors='replace')}")
    return {"wall_s": wall, "cpu_s": usage.ru_utime + usage.ru_stime, "peak_mib": usage.ru_maxrss / 1024}


def finish(result: dict, json_path: str | None) -> int:
    """A bench run's last record: the load average after it (figures on a shared machine are read against
    it), then the whole result as JSON when asked."""
    result["load_average_after"] = os.getloadavg()
    if json_path:
        Path(json_path).write_text(json.dumps(result, indent=2))
    return 0
