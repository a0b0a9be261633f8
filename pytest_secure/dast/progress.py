"""Scan progress in the pytest terminal: one line per phase, rewritten in place on a TTY."""

from __future__ import annotations

from typing import Any


class Progress:
    def __init__(self, terminal: Any = None, redact: Any = None) -> None:
        self.terminal = terminal
        self.redact = redact or (lambda text: text)
        self.lines: list[str] = []  # what was reported, for tests and the JSON notes
        self._live = bool(terminal is not None and getattr(terminal, "isatty", False))
        self._last: dict[str, str] = {}

    def note(self, text: str) -> None:
        """A finished step: always its own line."""
        text = self.redact(f"dast: {text}")
        self.lines.append(text)
        if self.terminal is not None:
            if self._live:
                self.terminal.rewrite(text, erase=True)
                self.terminal.write_line("")
            else:
                self.terminal.write_line(text)

    def update(self, phase: str, percent: int | None, detail: str = "") -> None:
        """A running phase; on a TTY the line is rewritten, elsewhere only quarters are printed."""
        shown = f"{percent}%" if percent is not None else "running"
        text = self.redact(f"dast: {phase} {shown}" + (f" ({detail})" if detail else ""))
        if self.terminal is None:
            return
        if self._live:
            self.terminal.rewrite(text, erase=True)
            return
        bucket = "?" if percent is None else str(min(percent, 100) // 25)
        if self._last.get(phase) != bucket:
            self._last[phase] = bucket
            self.terminal.write_line(text)
