"""Convert a drHEADer rules.yml into pytest-secure baseline rules.

    python -m pytest_secure.hygiene.convert_drheader rules.yml [--cross-origin-isolated] > security-baseline.yaml

Header rules keep drHEADer's keys (lower-cased) and meaning. ``Set-Cookie`` rules become the
``cookies`` section: global ``Must-Contain: [HttpOnly, Secure]`` turns into
``cookies.rules."*": {httponly: true, secure: true}`` and named cookies into rules for their
names. As in drHEADer, the cross-origin isolation headers (COEP, COOP) are converted only
with ``--cross-origin-isolated``. What has no equivalent is listed as a comment at the top.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import yaml

_CROSS_ORIGIN = {"cross-origin-embedder-policy", "cross-origin-opener-policy"}
_KEYS = {"required", "value", "value-one-of", "value-any-of", "must-avoid", "must-contain", "must-contain-one",
         "preserve-order", "severity", "directives"}
_SEVERITIES = {"critical", "high", "medium", "low", "info"}


def _required(value: Any) -> bool | str:
    text = str(value).strip().lower()
    return {"true": True, "false": False}.get(text, "optional")


def _header_rule(spec: dict[str, Any], where: str, notes: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in spec.items():
        k = str(key).lower()
        if k == "required":
            out["required"] = _required(value)
        elif k == "directives":
            out["directives"] = {d: _header_rule(s or {}, f"{where} directive {d}", notes) for d, s in value.items()}
        elif k == "severity":
            sev = str(value).lower()
            if sev in _SEVERITIES:
                out["severity"] = sev
            else:
                notes.append(f"{where}: severity {value!r} is not one of {', '.join(sorted(_SEVERITIES))}; dropped")
        elif k in _KEYS:
            out[k] = [str(v) for v in value] if isinstance(value, list) else (value if isinstance(value, bool)
                                                                               else str(value))
        else:
            notes.append(f"{where}: key {key!r} has no pytest-secure equivalent; dropped")
    out.setdefault("required", True)
    return out


def _cookie_flags(spec: dict[str, Any], where: str, notes: list[str]) -> dict[str, Any]:
    """drHEADer's cookie item rules (Must-Contain/Must-Avoid/Must-Contain-One) -> cookie rule keys."""
    rule: dict[str, Any] = {}
    lower = {str(k).lower(): v for k, v in spec.items()}
    for key in ("must-contain", "must-avoid", "must-contain-one"):
        items = lower.get(key)
        if items is None:
            continue
        items = items if isinstance(items, list) else [i.strip() for i in str(items).split(";")]
        for item in items:
            name, _, val = str(item).strip().partition("=")
            name = name.strip().lower()
            if key == "must-contain" and name in ("secure", "httponly") and not val:
                rule[name] = True
            elif key == "must-contain" and name == "samesite":
                rule["samesite"] = [val.strip().capitalize()] if val else ["Strict", "Lax", "None"]
            elif key == "must-avoid" and name == "samesite" and val.strip().lower() == "none":
                rule["samesite"] = ["Strict", "Lax"]
            else:
                notes.append(f"{where}: {key} {item!r} has no cookie-rule equivalent; dropped")
    if "required" in lower:
        required = _required(lower["required"])
        if required is not True or "cookies" not in where:
            rule["required"] = required
        else:
            rule["required"] = True
    if "severity" in lower and str(lower["severity"]).lower() in _SEVERITIES:
        rule["severity"] = str(lower["severity"]).lower()
    return rule


def convert(rules: dict[str, Any], *, cross_origin_isolated: bool = False) -> tuple[dict[str, Any], list[str]]:
    """(baseline document, notes) for a drHEADer ruleset."""
    notes: list[str] = []
    headers: dict[str, Any] = {}
    cookies: dict[str, Any] = {}
    for header, spec in (rules or {}).items():
        spec = spec or {}
        if header.lower() in _CROSS_ORIGIN and not cross_origin_isolated:
            notes.append(f"{header}: skipped, as drHEADer does without --cross-origin-isolated")
            continue
        if header.lower() == "set-cookie":
            lower = {str(k).lower(): v for k, v in spec.items()}
            if _required(lower.get("required", True)) is not False:
                flags = _cookie_flags({k: v for k, v in lower.items() if k not in ("required", "cookies")},
                                      "Set-Cookie", notes)
                if flags:
                    cookies["*"] = flags
            else:
                headers[header] = {"required": False}
            for name, cspec in (lower.get("cookies") or {}).items():
                cookies[name] = _cookie_flags(cspec or {}, f"Set-Cookie cookies {name}", notes)
            continue
        headers[header] = _header_rule(spec, header, notes)
    doc: dict[str, Any] = {"version": 1, "headers": {"paths": ["/"], "rules": headers}}
    if cookies:
        doc["cookies"] = {"rules": cookies}
    return doc, notes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pytest_secure.hygiene.convert_drheader",
                                     description="Convert a drHEADer rules.yml into pytest-secure baseline YAML.")
    parser.add_argument("rules", type=Path, help="drHEADer rules file (YAML)")
    parser.add_argument("--cross-origin-isolated", action="store_true",
                        help="also convert the COEP/COOP rules (drHEADer's -co)")
    args = parser.parse_args(argv)
    try:
        rules = yaml.safe_load(args.rules.read_text("utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        print(f"{args.rules}: cannot read drHEADer rules: {exc}", file=sys.stderr)
        return 2
    if not isinstance(rules, dict):
        print(f"{args.rules}: expected a mapping of header names to rules", file=sys.stderr)
        return 2
    doc, notes = convert(rules, cross_origin_isolated=args.cross_origin_isolated)
    out = [f"# converted from drHEADer rules {args.rules.name} by pytest_secure.hygiene.convert_drheader"]
    out += [f"# note: {n}" for n in notes]
    out.append(yaml.safe_dump(doc, sort_keys=False, default_flow_style=None, width=120).rstrip())
    print("\n".join(out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
