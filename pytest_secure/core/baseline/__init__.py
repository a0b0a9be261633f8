"""The security baseline file: schema, loader, typed model and presets."""

from .loader import Overrides, load_baseline, overridden, preset_names
from .model import Baseline, Gates, IdentityConfig, LoginConfig, TargetConfig, Waiver
from .schema import baseline_schema

__all__ = [
    "Baseline", "Gates", "IdentityConfig", "LoginConfig", "TargetConfig", "Waiver",
    "Overrides", "baseline_schema", "load_baseline", "overridden", "preset_names",
]
