"""Where the plugin keeps its per-run :class:`~pytest_secure.core.session.SecureSession`."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from .session import SecureSession

STATE: pytest.StashKey[SecureSession] = pytest.StashKey()
