"""Browser screenshots named in a finding's evidence, read for the HTML report as ``data:`` URIs.

A finding points at its screenshot with an evidence line ``screenshot: <path>`` (a PNG file,
absolute or relative to the directory pytest was started in), as the browser area writes it
(``browser/area.py``; any conftest check may do the same). Only PNG files up to
:data:`MAX_BYTES` are embedded; anything else is named in the report's notes instead.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass
from pathlib import Path

MAX_BYTES = 4 * 1024 * 1024
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# "screenshot: (no screenshot: TimeoutError)" names none: the browser area could not take it
LINE = re.compile(r"^\s*screenshot:\s*(?P<path>[^\s(].*?)\s*$", re.MULTILINE | re.IGNORECASE)


@dataclass(frozen=True)
class Screenshot:
    path: str  # as the evidence names it
    data_uri: str  # data:image/png;base64,...

    @property
    def size(self) -> int:
        return len(self.data_uri)


def paths_in(evidence: str) -> list[str]:
    """The screenshot paths an evidence text names, in order."""
    return [m["path"] for m in LINE.finditer(evidence or "")]


def screenshots_of(evidence: str, base: Path) -> tuple[tuple[Screenshot, ...], list[str]]:
    """The embeddable screenshots of ``evidence``, and a note for each one that is not."""
    shots: list[Screenshot] = []
    notes: list[str] = []
    for name in paths_in(evidence):
        path = Path(name) if Path(name).is_absolute() else base / name
        try:
            with path.open("rb") as f:
                data = f.read(MAX_BYTES + 1)
        except OSError as exc:
            notes.append(f"screenshot {name} not embedded: {exc.strerror or exc}")
            continue
        if not data.startswith(PNG_SIGNATURE):
            notes.append(f"screenshot {name} not embedded: not a PNG file")
        elif len(data) > MAX_BYTES:
            notes.append(f"screenshot {name} not embedded: larger than {MAX_BYTES // (1024 * 1024)} MiB")
        else:
            shots.append(Screenshot(name, "data:image/png;base64," + base64.b64encode(data).decode("ascii")))
    return tuple(shots), notes
