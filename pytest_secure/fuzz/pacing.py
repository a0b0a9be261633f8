"""Time and load bounds of one fuzzed operation: the wall-clock budget, the server's latency
baseline, and the back-off when the server stops answering (docs/fuzz.md#budgets-and-back-off).

:class:`Pacer` is consulted before every request the engine sends. It raises :class:`Stop` (a
``BaseException``, so that Hypothesis lets it through instead of shrinking it) when the
operation's ``fuzz.max_seconds`` are spent or when the server stayed unresponsive; the engine
then reports what it found so far and says why it stopped in the operation's
:class:`OperationStats`, which the fuzz summary prints.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

# Latencies of answered, unremarkable requests kept as the server's own baseline.
BASELINE_SAMPLES = 20
# A response this many times slower than the baseline median counts as slow for the streak.
LATENCY_JUMP = 10.0
# Responses slower than this never count as a jump (scheduler noise on a fast in-process app).
JUMP_FLOOR = 0.25
# Consecutive slow answers (latency jumps) that mean the server is struggling.
SLOW_STREAK = 3
# Waiting for an idle server: first pause, and the longest pause between probes (seconds).
FIRST_PAUSE, LONGEST_PAUSE = 0.05, 1.0


class Stop(BaseException):  # noqa: N818 - a signal, not an error
    """End the operation's fuzzing now (budget spent, or the server stopped answering)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass
class OperationStats:
    """What one fuzzed operation cost, for the summary line."""

    label: str
    identity: str = ""
    requests: int = 0
    seconds: float = 0.0
    max_examples: int = 0
    max_seconds: float = 0.0
    stopped: str = ""  # why the operation stopped before its budget was spent
    skipped: list[str] = field(default_factory=list)  # directed (parameter, family) pairs not sent

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> OperationStats:
        return cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})

    def line(self) -> str:
        who = f" as {self.identity}" if self.identity else ""
        text = (f"{self.label}{who}: {self.requests} requests, {self.seconds:.1f}s of {self.max_seconds:g}s, "
                f"max_examples {self.max_examples}")
        if self.stopped:
            text += f"; stopped: {self.stopped}"
        if self.skipped:
            more = len(self.skipped) - 8
            shown = ", ".join(self.skipped[:8]) + (f" and {more} more" if more > 0 else "")
            text += f"; directed payloads skipped ({len(self.skipped)} parameter/family pairs): {shown}"
        return text


class Pacer:
    """The clock and the latency baseline of one operation's run."""

    def __init__(self, stats: OperationStats, *, max_seconds: float, timeout: float, slow_bound: float,
                 clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep) -> None:
        self.stats = stats
        self.clock, self.sleep = clock, sleep
        self.started = clock()
        self.deadline = self.started + max_seconds
        self.max_seconds = max_seconds
        self.timeout = timeout
        self.slow_bound = slow_bound
        self.latencies: list[float] = []
        self.streak = 0  # consecutive answers slower than the jump bound

    def check(self) -> None:
        """Raise :class:`Stop` when the wall-clock budget is spent."""
        if self.clock() >= self.deadline:
            raise Stop(f"the wall-clock budget fuzz.max_seconds ({self.max_seconds:g}s) was spent")

    def left(self) -> float:
        return self.deadline - self.clock()

    def finish(self) -> None:
        self.stats.seconds = round(self.clock() - self.started, 3)

    def median(self) -> float | None:
        return statistics.median(self.latencies) if self.latencies else None

    def jump_bound(self) -> float:
        """Latency above which an answer counts as a jump against the server's own baseline."""
        median = self.median()
        return max(JUMP_FLOOR, LATENCY_JUMP * median) if median is not None else max(JUMP_FLOOR, self.slow_bound)

    def observe(self, elapsed: float, *, timed_out: bool, slow: bool) -> bool:
        """Record one exchange; True when the server looks like it is struggling (a timeout, or
        the last :data:`SLOW_STREAK` answers all jumped against the baseline)."""
        self.stats.requests += 1
        if timed_out:
            self.streak = 0
            return True
        if not slow and elapsed <= self.jump_bound():
            self.streak = 0
            if len(self.latencies) < BASELINE_SAMPLES:
                self.latencies.append(elapsed)
            return False
        self.streak += 1
        if self.streak >= SLOW_STREAK:
            self.streak = 0
            return True
        return False

    def idle_bound(self) -> float:
        """An answer at most this slow means the server is idle again."""
        median = self.median()
        return min(self.slow_bound, max(JUMP_FLOOR, LATENCY_JUMP * median)) if median is not None else self.slow_bound

    def await_idle(self, probe: Callable[[], float | None]) -> bool:
        """Probe (``probe()`` returns the elapsed seconds, None on a timeout) with growing
        pauses until the server answers within :meth:`idle_bound`; False when it did not
        within ``max(3 x timeout, 3 s)`` or the run's budget."""
        give_up = min(self.deadline, self.clock() + max(3 * self.timeout, 3.0))
        pause = FIRST_PAUSE
        while self.clock() < give_up:
            elapsed = probe()
            self.stats.requests += 1
            if elapsed is not None and elapsed <= self.idle_bound():
                return True
            self.sleep(min(pause, max(0.0, give_up - self.clock())))
            pause = min(pause * 2, LONGEST_PAUSE)
        return False


# Stats of the operations fuzzed in this process and not yet attached to a test report
# (pytest_secure.fuzz.summary moves them into the report of the item that ran them).
_RECORDED: list[OperationStats] = []


_RECORDED_MAX = 1000  # the engine used outside pytest: nobody takes them; keep the newest


def record_stats(stats: OperationStats) -> None:
    _RECORDED.append(stats)
    del _RECORDED[:-_RECORDED_MAX]


def take_recorded() -> list[OperationStats]:
    taken = list(_RECORDED)
    _RECORDED.clear()
    return taken
