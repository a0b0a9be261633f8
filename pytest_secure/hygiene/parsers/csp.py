"""Content-Security-Policy, parsed as CSP Level 3 describes it.

A header value holds one or more policies separated by commas; each policy holds directives
separated by semicolons. A browser enforces every policy it receives, so a script runs only
if *all* enforced policies allow it: :class:`CspSet` answers such questions across policies.
Report-only policies are parsed too but never count as enforcement.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# Which directive governs a fetch when it is absent (CSP3 "directive fallback list").
FALLBACK: dict[str, tuple[str, ...]] = {
    "script-src-elem": ("script-src-elem", "script-src", "default-src"),
    "script-src-attr": ("script-src-attr", "script-src", "default-src"),
    "script-src": ("script-src", "default-src"),
    "style-src-elem": ("style-src-elem", "style-src", "default-src"),
    "style-src-attr": ("style-src-attr", "style-src", "default-src"),
    "style-src": ("style-src", "default-src"),
    "worker-src": ("worker-src", "child-src", "script-src", "default-src"),
    "frame-src": ("frame-src", "child-src", "default-src"),
    "child-src": ("child-src", "default-src"),
    "object-src": ("object-src", "default-src"),
    "img-src": ("img-src", "default-src"),
    "connect-src": ("connect-src", "default-src"),
    "font-src": ("font-src", "default-src"),
    "media-src": ("media-src", "default-src"),
    "manifest-src": ("manifest-src", "default-src"),
}
KNOWN_DIRECTIVES = frozenset(FALLBACK) | {
    "default-src", "base-uri", "form-action", "frame-ancestors", "sandbox", "report-uri", "report-to",
    "upgrade-insecure-requests", "block-all-mixed-content", "require-trusted-types-for", "trusted-types",
    "fenced-frame-src", "prefetch-src", "navigate-to", "plugin-types", "require-sri-for", "webrtc",
}
KEYWORDS = frozenset({
    "'self'", "'none'", "'unsafe-inline'", "'unsafe-eval'", "'strict-dynamic'", "'unsafe-hashes'",
    "'report-sample'", "'wasm-unsafe-eval'", "'inline-speculation-rules'", "'unsafe-allow-redirects'",
    "'trusted-types-eval'", "'report-sha256'", "'report-sha384'", "'report-sha512'",
})
_NAME = re.compile(r"^[a-z0-9-]+$")
_NONCE = re.compile(r"^'nonce-[A-Za-z0-9+/_=-]+'$", re.IGNORECASE)
_HASH = re.compile(r"^'(sha256|sha384|sha512)-[A-Za-z0-9+/_=-]+'$", re.IGNORECASE)
# Sources that let any script host (or inline data) in, unless 'strict-dynamic' voids them.
_WIDE_SOURCES = frozenset({"*", "http:", "https:", "data:", "blob:", "filesystem:", "ws:", "wss:"})


def is_nonce_or_hash(source: str) -> bool:
    return bool(_NONCE.match(source) or _HASH.match(source))


@dataclass
class CspPolicy:
    """One policy: directive name (lower case) -> its source list (as written, lower-cased keywords)."""

    directives: dict[str, list[str]] = field(default_factory=dict)
    report_only: bool = False
    problems: list[str] = field(default_factory=list)
    raw: str = ""

    def effective(self, directive: str) -> tuple[str, list[str]] | None:
        """The (name, sources) that govern ``directive`` after fallback, or None if unrestricted."""
        for name in FALLBACK.get(directive, (directive,)):
            if name in self.directives:
                return name, self.directives[name]
        return None

    def allows_inline(self, directive: str) -> bool:
        """Whether inline content of this kind runs (CSP3 "does a source list allow all inline behavior")."""
        found = self.effective(directive)
        if found is None:
            return True
        sources = found[1]
        if "'unsafe-inline'" not in sources:
            return False
        if any(is_nonce_or_hash(s) for s in sources):
            return False  # nonces and hashes make browsers ignore 'unsafe-inline'
        return not (directive.startswith("script") and "'strict-dynamic'" in sources)

    def allows_eval(self) -> bool:
        found = self.effective("script-src")
        return found is None or "'unsafe-eval'" in found[1]

    def wide_script_sources(self) -> list[str]:
        """Script sources that admit scripts from anywhere (``*``, ``https:``, ``data:``, ``http://...``)."""
        found = self.effective("script-src")
        if found is None or "'strict-dynamic'" in found[1]:
            return []  # 'strict-dynamic' makes browsers ignore host and scheme sources
        return [s for s in found[1] if s in _WIDE_SOURCES or s.startswith("http://") or s == "http://*"]

    def frame_ancestors(self) -> list[str] | None:
        return self.directives.get("frame-ancestors")


@dataclass
class CspSet:
    """Every policy a response delivers (enforced and report-only)."""

    policies: list[CspPolicy] = field(default_factory=list)

    @property
    def enforced(self) -> list[CspPolicy]:
        return [p for p in self.policies if not p.report_only]

    @property
    def report_only(self) -> list[CspPolicy]:
        return [p for p in self.policies if p.report_only]

    @property
    def problems(self) -> list[str]:
        return [msg for p in self.policies for msg in p.problems]

    def allows_inline(self, directive: str) -> bool:
        """Inline content runs only if every enforced policy allows it (no policy: it runs)."""
        return all(p.allows_inline(directive) for p in self.enforced)

    def allows_eval(self) -> bool:
        return all(p.allows_eval() for p in self.enforced)

    def wide_script_sources(self) -> list[str]:
        """Wide script sources, when every enforced policy that restricts scripts admits them."""
        restricting = [p for p in self.enforced if p.effective("script-src") is not None]
        wide = [p.wide_script_sources() for p in restricting]
        if not wide or not all(wide):
            return []
        return sorted({s for w in wide for s in w})

    def frame_ancestors_restricted(self) -> bool:
        """Whether some enforced policy limits who may frame the page (``'none'``, ``'self'``, hosts)."""
        for policy in self.enforced:
            sources = policy.frame_ancestors()
            if sources is not None and not any(s in ("*", "http:", "https:") for s in sources):
                return True
        return False


def parse_policy(text: str, *, report_only: bool = False) -> CspPolicy:
    policy = CspPolicy(report_only=report_only, raw=text.strip())
    for token in text.split(";"):
        parts = token.strip().split()
        if not parts:
            continue
        name = parts[0].lower()
        if not _NAME.match(name):
            policy.problems.append(f"invalid directive name {parts[0]!r}")
            continue
        if name in policy.directives:
            policy.problems.append(f"duplicate directive {name} (browsers ignore all but the first)")
            continue
        if name not in KNOWN_DIRECTIVES:
            policy.problems.append(f"unknown directive {name}")
        sources = [s.lower() if s.startswith("'") and not is_nonce_or_hash(s) else s for s in parts[1:]]
        for s in sources:
            if s.startswith("'") and s not in KEYWORDS and not is_nonce_or_hash(s):
                policy.problems.append(f"unknown keyword {s} in {name}")
        policy.directives[name] = sources
    if not policy.directives and not policy.problems:
        policy.problems.append("empty policy")
    return policy


def parse_csp(enforced: list[str], report_only: list[str] = ()) -> CspSet:  # type: ignore[assignment]
    """Parse every ``Content-Security-Policy`` (and ``-Report-Only``) header value of a response."""
    result = CspSet()
    for values, ro in ((enforced, False), (report_only, True)):
        for value in values:
            for text in value.split(","):
                if text.strip():
                    result.policies.append(parse_policy(text, report_only=ro))
    return result
