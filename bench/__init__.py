"""Benchmarks (not tests): speed, memory, scale and load on this machine. Run `python -m bench`."""
import json
import os
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


def finish(result: dict, json_path: str | None) -> int:
    """A bench run's last record: the load average after it (figures on a shared machine are read against
    it), then the whole result as JSON when asked."""
    result["load_average_after"] = os.getloadavg()
    if json_path:
        Path(json_path).write_text(json.dumps(result, indent=2))
    return 0
