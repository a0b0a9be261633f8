"""The security baseline file: schema, loader, typed model and presets."""

from .loader import load_baseline, preset_names
from .model import Baseline, Gates, IdentityConfig, LoginConfig, TargetConfig, Waiver
from .schema import baseline_schema

__all__ = [
    "Baseline", "Gates", "IdentityConfig", "LoginConfig", "TargetConfig", "Waiver",
    "baseline_schema", "load_baseline", "preset_names",
]
