"""Where the plugin keeps its per-run :class:`~pytest_secure.core.session.SecureSession`, and what
pytest-xdist's controller tells its workers."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from .session import SecureSession

STATE: pytest.StashKey[SecureSession] = pytest.StashKey()

WHOLE_FILE_DISTRIBUTIONS = ("loadfile", "each")
"""pytest-xdist's ``--dist`` modes that give one worker every item of a file (``loadfile``: the
scope is the file) or every item (``each``): such a worker runs every check of the baseline."""

WHOLE_FILE_KEY = "secure_whole_file"
"""The worker input key saying so (xdist resets ``--dist`` in its workers)."""
