"""Load a baseline file: YAML (safe) -> interpolation -> schema validation -> presets -> model.

Every problem becomes one line ``file:line:col: key.path: what was expected`` in a
:class:`~pytest_secure.core.errors.BaselineError`; nothing is half-loaded.
"""

from __future__ import annotations

import copy
import datetime
import difflib
import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema

from ..errors import BadReference, BaselineError, MissingVariable, YamlProblem
from .interpolate import interpolate
from .model import Baseline, build_model, key_path_text, thaw
from .regexes import regex_problem
from .schema import baseline_schema
from .yamlpos import Positions, load_yaml

MAX_ERRORS = 20


def preset_names() -> list[str]:
    folder = resources.files(__package__) / "presets"
    return sorted(e.name[:-5] for e in folder.iterdir() if e.name.endswith(".yaml"))


def load_preset(name: str) -> dict[str, Any]:
    """The preset's data: parsed once per process, a fresh copy each call (callers may change it)."""
    return copy.deepcopy(_parsed_preset(name))


@functools.cache
def _parsed_preset(name: str) -> dict[str, Any]:
    text = (resources.files(__package__) / "presets" / f"{name}.yaml").read_text("utf-8")
    data, _ = load_yaml(text)
    return data or {}


def load_baseline(path: str | Path, environ: Mapping[str, str] | None = None) -> Baseline:
    """Load and validate the baseline at ``path``; raise :class:`BaselineError` on any problem."""
    path = Path(path)
    where = str(path)
    try:
        content = path.read_bytes()
    except FileNotFoundError:
        raise BaselineError([
            f"{where}: baseline file not found; create it (see docs/getting-started.md) "
            "or point --secure-baseline / the secure_baseline ini option at it"
        ], path=path) from None
    except OSError as exc:
        raise BaselineError([f"{where}: cannot read the baseline file: {exc}"], path=path) from None
    text = _decode(content, where, path)

    try:
        raw, positions = load_yaml(text)
    except YamlProblem as exc:
        raise BaselineError([f"{where}:{exc.line}:{exc.column}: {exc.message}"], path=path) from None
    if raw is None:
        raise BaselineError([f"{where}:1:1: the baseline file is empty; "
                             "start it with `version: 1` (see docs/getting-started.md)"], path=path)
    if not isinstance(raw, dict):
        raise BaselineError([f"{where}:1:1: expected a mapping of sections (version, target, headers, ...), "
                             f"got {_kind(raw)}"], path=path)

    try:
        data, secrets = interpolate(raw, environ)
    except MissingVariable as exc:
        line, col = positions.of(exc.path)
        raise BaselineError([
            f"{where}:{line}:{col}: {key_path_text(exc.path)}: environment variable {exc.name} is not set; "
            f"export {exc.name}=... before running, or give a default: ${{{exc.name}:-value}}"
        ], path=path) from None
    except BadReference as exc:
        line, col = positions.of(exc.path)
        raise BaselineError([
            f"{where}:{line}:{col}: {key_path_text(exc.path)}: malformed reference {exc.text!r}; "
            "write ${NAME} or ${NAME:-default} (or $${ for a literal ${)"
        ], path=path) from None

    problems = validate(data, positions, where)
    if problems:
        raise BaselineError(problems, path=path)

    presets = _preset_list(data)
    merged: dict[str, Any] = {}
    for i, name in enumerate(presets):
        if name not in preset_names():
            place = ("extends", i) if isinstance(data.get("extends"), list) else ("extends",)
            line, col = positions.of(place)
            close = difflib.get_close_matches(name, preset_names(), n=1)
            hint = f" (did you mean {close[0]}?)" if close else ""
            raise BaselineError([f"{where}:{line}:{col}: extends: unknown preset {name!r}{hint}; "
                                 f"expected one of {', '.join(preset_names())}"], path=path)
        merged = deep_merge(merged, load_preset(name))
    merged = deep_merge(merged, {k: v for k, v in data.items() if k != "extends"})
    problems = validate(merged, positions, where)
    if problems:  # a preset combined with local keys; positions point at the local file
        raise BaselineError(problems, path=path)
    return build_model(path, merged, positions, secrets, tuple(presets))


def _decode(content: bytes, where: str, path: Path) -> str:
    """The file's text (UTF-8, a byte-order mark allowed), or a placed error at its first bad byte."""
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        start = exc.start + (3 if content.startswith(b"\xef\xbb\xbf") else 0)
        line = content.count(b"\n", 0, start) + 1
        line_start = content.rfind(b"\n", 0, start) + 1
        col = len(content[line_start:start].decode("utf-8", "replace")) + 1
        raise BaselineError([
            f"{where}:{line}:{col}: the file is not UTF-8 (byte 0x{content[start]:02x} here: {exc.reason}); "
            "save the file as UTF-8 (in most editors: Save with Encoding > UTF-8)"
        ], path=path) from None


@dataclass(frozen=True)
class Overrides:
    """Command-line options that change the baseline for one run (None: leave as it is)."""

    base_url: str | None = None  # --secure-target: test this live service instead
    fail_on: str | None = None  # --secure-fail-on
    min_grade: str | None = None  # --secure-min-grade

    def apply(self, data: dict[str, Any]) -> dict[str, Any]:
        data = thaw(data)
        if self.base_url:
            target = {k: v for k, v in (data.get("target") or {}).items() if k != "app"}
            data["target"] = {**target, "base_url": self.base_url}
        if self.fail_on:
            data["gates"] = {**(data.get("gates") or {}), "fail_on": self.fail_on}
        if self.min_grade:
            data["grade"] = {**(data.get("grade") or {}), "min": self.min_grade}
        return data


def overridden(baseline: Baseline, overrides: Overrides) -> Baseline:
    """A new baseline: ``baseline`` with ``overrides`` applied and validated again (the loaded
    one is never changed)."""
    if overrides == Overrides():
        return baseline
    data = overrides.apply(baseline.data)
    problems = validate(data, baseline.positions, f"{baseline.path} (with command-line options)")
    if problems:
        raise BaselineError(problems, path=baseline.path)
    return build_model(baseline.path, data, baseline.positions, set(baseline.secrets), baseline.presets)


def _preset_list(data: dict[str, Any]) -> list[str]:
    ext = data.get("extends")
    if ext is None:
        return []
    return [ext] if isinstance(ext, str) else list(ext)


def deep_merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """Mappings merge key by key; anything else in ``override`` replaces ``base``."""
    out = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = value
    return out


def _is_date(value: Any) -> bool:
    if isinstance(value, str):
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            raise ValueError("write it as YYYY-MM-DD")
        datetime.date.fromisoformat(value)  # "month must be in 1..12", "day is out of range for month"
    return True


def _is_regex(value: Any) -> bool:
    problem = regex_problem(value) if isinstance(value, str) else None
    if problem:
        raise ValueError(problem)
    return True


FORMATS = jsonschema.FormatChecker()  # the library's checks, with dates and regexes explained
FORMATS.checks("date", raises=ValueError)(_is_date)
FORMATS.checks("regex", raises=ValueError)(_is_regex)


def _identity_names(data: Any) -> list[str]:
    declared = data.get("identities") if isinstance(data, dict) else None
    return ["anonymous", *(declared if isinstance(declared, dict) else ())]


def _identity_keyword(known: list[str]) -> Any:
    """The ``x-identity`` schema keyword: ``name`` (a string) or ``names`` (a list of strings) must
    name identities declared under ``identities:`` (or ``anonymous``)."""

    def check(validator: Any, kind: str, instance: Any, schema: Any) -> Any:
        names: list[tuple[tuple[int, ...], str]]
        if kind == "name":
            names = [((), instance)] if isinstance(instance, str) else []
        else:
            names = [((i,), n) for i, n in enumerate(instance) if isinstance(n, str)] \
                if isinstance(instance, list) else []
        for place, name in names:
            if name not in known:
                close = difflib.get_close_matches(name, known, n=1)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                yield jsonschema.ValidationError(
                    f"unknown identity {name!r}{hint}; declare it under identities: or use one of "
                    f"{', '.join(known)}", path=place)

    return check


def validate(data: Any, positions: Positions, where: str) -> list[str]:
    """Validate ``data`` against the schema; one message per problem, in file order."""
    kind = jsonschema.validators.extend(jsonschema.Draft202012Validator,
                                        {"x-identity": _identity_keyword(_identity_names(data))})
    validator = kind(baseline_schema(), format_checker=FORMATS)
    found: list[tuple[tuple[int, int], str]] = []
    for error in validator.iter_errors(data):
        found.extend(_describe(error, positions, where))
    found.sort(key=lambda item: item[0])
    lines = list(dict.fromkeys(text for _, text in found))
    if len(lines) > MAX_ERRORS:
        lines = lines[:MAX_ERRORS] + [f"{where}: ... and {len(lines) - MAX_ERRORS} more problems"]
    return lines


def _describe(error: jsonschema.ValidationError, positions: Positions, where: str) -> list[tuple[tuple[int, int], str]]:
    path = tuple(error.absolute_path)
    schema = error.schema if isinstance(error.schema, dict) else {}

    def at(p: tuple[Any, ...], message: str, key: bool = False) -> tuple[tuple[int, int], str]:
        line, col = positions.of(p, key=key)
        return (line, col), f"{where}:{line}:{col}: {key_path_text(p)}: {message}"

    kind = error.validator
    if kind == "additionalProperties" and isinstance(error.instance, dict):
        allowed = sorted(schema.get("properties", {}))
        out = []
        for extra in sorted(set(error.instance) - set(allowed)):
            close = difflib.get_close_matches(extra, allowed, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            choices = f"; expected one of {', '.join(allowed)}" if allowed else ""
            out.append(at((*path, extra), f"unknown key {extra!r}{hint}{choices}", key=True))
        return out
    if kind == "required":
        missing = str(error.message).split("'")[1] if "'" in error.message else error.message
        hint = schema.get("x-hints", {}).get(missing, f"add `{missing}:`")
        return [at(path, f"missing required key {missing!r}: {hint}")]
    expected: str | None = schema.get("x-expected")
    got = _show(error.instance)
    if kind == "x-identity":
        return [at(path, str(error.message))]
    if kind == "format" and error.cause is not None:
        if error.validator_value == "regex":
            return [at(path, str(error.cause))]
        return [at(path, f"expected {expected or 'a ' + str(error.validator_value)}, got {got}: "
                         f"{error.cause}")]
    if kind == "enum":
        choices = ", ".join(str(c) for c in error.validator_value)
        return [at(path, f"expected one of {choices}, got {got}")]
    if kind in ("minItems", "maxItems") and isinstance(error.instance, list):
        bound = "at least" if kind == "minItems" else "at most"
        return [at(path, f"expected {bound} {error.validator_value} entries, got {len(error.instance)}")]
    if kind == "const":
        return [at(path, f"expected {error.validator_value!r}, got {got}")]
    if kind == "type":
        got = "an empty value" if error.instance is None else f"{_kind(error.instance)} {got}"
        return [at(path, f"expected {expected or _article(error.validator_value)}, got {got}")]
    if expected:
        return [at(path, f"expected {expected}, got {got}")]
    if kind in ("anyOf", "oneOf") and error.context:
        best = jsonschema.exceptions.best_match(error.context)
        return _describe(best, positions, where)
    return [at(path, str(error.message))]


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _kind(value: Any) -> str:
    return {dict: "a mapping", list: "a list", str: "a string", int: "a number", float: "a number",
            bool: "a boolean", type(None): "nothing"}.get(type(value), type(value).__name__)


def _article(type_name: Any) -> str:
    names = {"object": "a mapping", "array": "a list", "string": "a string", "integer": "a whole number",
             "number": "a number", "boolean": "true or false", "null": "nothing"}
    if isinstance(type_name, list):
        return " or ".join(names.get(t, str(t)) for t in type_name)
    return names.get(type_name, str(type_name))
