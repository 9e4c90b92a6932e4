"""Benchmarks (not tests): speed, memory, scale and load on this machine. Run `python -m bench`."""
import time


def time_last_turn(assistant, turns: list[str]) -> float:
    """Milliseconds to answer a conversation's last turn, after its earlier turns set the context."""
    from assistant.chat import Session

    session = Session()
    for turn in turns[:-1]:
        assistant.ask(turn, session)
    started = time.perf_counter()
    assistant.ask(turns[-1], session)
    return (time.perf_counter() - started) * 1000
