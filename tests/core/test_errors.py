"""The one errors module: its docstring tree is its class hierarchy, and no other module
defines an exception of its own (except the few the docstring names and explains).

The tree is read from ``pytest_secure.core.errors.__doc__``: every literal block (a paragraph
ending in ``::``) is a forest drawn with ``├──``, ``└──`` and ``│``, four columns a level. A root
is written ``Name`` (a direct subclass of ``Exception``) or ``Name (Base)``; an entry below a
root is a direct subclass of the entry it hangs from. Each entry ends with a description.
"""

from __future__ import annotations

import ast
import builtins
import inspect
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from pytest_secure.core import errors

PACKAGE = Path(errors.__file__).resolve().parents[1]
_ENTRY = re.compile(r"(?P<prefix>[│├└─ ]*)(?P<name>[A-Za-z_]\w*)(?:\s+\((?P<base>\w+)\))?(?P<text>.*)")

# Exceptions that may live outside core/errors.py, each named (and explained) in its docstring.
ELSEWHERE = {
    ("fuzz/engine.py", "_Failed"),  # an AssertionError that Hypothesis shrinks
    ("fuzz/oracles.py", "SecurityFailure"),  # a schemathesis Failure, created on first use
    ("fuzz/pacing.py", "Stop"),  # control flow: ends an operation's fuzzing, never raised out
    ("hygiene/observatory.py", "_InvalidCsp"),  # control flow inside the Observatory port
}


@dataclass(frozen=True)
class Entry:
    name: str
    base: str  # the name it hangs from, or Exception / the (Base) of a root
    text: str  # the description
    line: str


def literal_blocks(doc: str) -> list[list[str]]:
    """The reStructuredText literal blocks of ``doc``, each as its lines with the indent removed."""
    lines = doc.splitlines()
    blocks: list[list[str]] = []
    i = 0
    while i < len(lines):
        if not lines[i].rstrip().endswith("::"):
            i += 1
            continue
        i += 1
        while i < len(lines) and not lines[i].strip():
            i += 1
        block: list[str] = []
        while i < len(lines) and (not lines[i].strip() or lines[i].startswith(" ")):
            block.append(lines[i])
            i += 1
        while block and not block[-1].strip():
            block.pop()
        if block:
            indent = min(len(b) - len(b.lstrip()) for b in block if b.strip())
            blocks.append([b[indent:] for b in block])
    return blocks


def parse_tree(doc: str) -> list[Entry]:
    entries: list[Entry] = []
    for block in literal_blocks(doc):
        parents: list[str] = []  # parents[d] is the last entry seen at depth d
        for line in block:
            match = _ENTRY.fullmatch(line)
            assert match, f"not a tree line: {line!r}"
            prefix, name = match["prefix"], match["name"]
            assert len(prefix) % 4 == 0, f"{name}: the tree draws four columns a level: {line!r}"
            depth = len(prefix) // 4
            assert depth <= len(parents), f"{name} is indented deeper than the entry above it: {line!r}"
            if depth == 0:
                base = match["base"] or "Exception"
            else:
                assert match["base"] is None, f"{name}: only a root names its base in parentheses: {line!r}"
                assert prefix.endswith(("├── ", "└── ")), f"{name}: expected ├── or └── before the name: {line!r}"
                base = parents[depth - 1]
            del parents[depth:]
            parents.append(name)
            entries.append(Entry(name, base, match["text"].strip(), line))
    return entries


def defined_exceptions() -> dict[str, type[BaseException]]:
    return {name: obj for name, obj in vars(errors).items()
            if inspect.isclass(obj) and issubclass(obj, BaseException) and obj.__module__ == errors.__name__}


TREE = parse_tree(errors.__doc__ or "")


def test_the_docstring_has_a_tree():
    names = [e.name for e in TREE]
    assert "SecureError" in names and "DastError" in names, names


def test_every_tree_entry_is_listed_once_and_described():
    names = [e.name for e in TREE]
    assert sorted(n for n in set(names) if names.count(n) > 1) == []
    assert [e.line for e in TREE if not e.text] == []


def test_tree_and_classes_are_the_same_set():
    in_tree = {e.name for e in TREE}
    defined = set(defined_exceptions())
    assert sorted(defined - in_tree) == [], "defined in core/errors.py but missing from its docstring tree"
    assert sorted(in_tree - defined) == [], "in the docstring tree of core/errors.py but not defined there"


@pytest.mark.parametrize("entry", TREE, ids=lambda e: e.name)
def test_tree_entry_sits_under_its_real_base(entry: Entry):
    cls = defined_exceptions().get(entry.name)
    assert cls is not None, f"{entry.name} is in the tree but not a class of core/errors.py"
    assert [b.__name__ for b in cls.__bases__] == [entry.base], entry.line


def test_the_tree_reader_notices_mistakes():
    doc = """Doc.

    Tree::

        SecureError
        ├── Kid          a child
        │   └── Grandkid a grandchild
        └── Other        another child
    """
    assert [(e.name, e.base) for e in parse_tree(doc)] == [
        ("SecureError", "Exception"), ("Kid", "SecureError"), ("Grandkid", "Kid"), ("Other", "SecureError")]
    with pytest.raises(AssertionError, match="deeper"):
        parse_tree("x::\n\n    A\n    │   └── B  b\n")
    with pytest.raises(AssertionError, match="four columns"):
        parse_tree("x::\n\n    A\n    ├─ B  b\n")


def _exception_classes(tree: ast.Module) -> list[ast.ClassDef]:
    known = {n for n in dir(builtins) if isinstance(getattr(builtins, n), type)
             and issubclass(getattr(builtins, n), BaseException)} | set(defined_exceptions())
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef):
            bases = [b.attr if isinstance(b, ast.Attribute) else getattr(b, "id", "") for b in node.bases]
            if any(b in known or b.endswith(("Error", "Exception", "Failure", "Problem")) for b in bases):
                found.append(node)
    return found


def test_no_other_module_defines_an_exception():
    elsewhere = set()
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE).as_posix()
        if relative == "core/errors.py":
            continue
        for node in _exception_classes(ast.parse(path.read_text("utf-8"), str(path))):
            elsewhere.add((relative, node.name))
    assert sorted(elsewhere - ELSEWHERE) == [], "define exceptions in pytest_secure/core/errors.py (and its tree)"


@pytest.mark.parametrize("name", sorted(name for _, name in ELSEWHERE))
def test_exceptions_kept_elsewhere_are_named_in_the_docstring(name: str):
    assert f"``{name}``" in (errors.__doc__ or "")


def test_structured_fields_default_to_none_and_keep_the_message():
    assert (errors.TargetError("boom").url, str(errors.TargetError("boom"))) == (None, "boom")
    scope = errors.ScopeError("refused", url="http://evil.invalid/x")
    assert (scope.url, str(scope), isinstance(scope, errors.TargetError)) == ("http://evil.invalid/x", "refused", True)
    assert errors.SetupError("no login").check is None
    assert errors.SetupError("no login", check="headers[GET /]").check == "headers[GET /]"
    baseline = errors.BaselineError(["b.yaml:1:1: x", "b.yaml:2:1: y"], path="b.yaml")
    assert (baseline.problems, baseline.path, str(baseline)) == (
        ["b.yaml:1:1: x", "b.yaml:2:1: y"], "b.yaml", "b.yaml:1:1: x\nb.yaml:2:1: y")
    assert errors.BaselineError(["x"]).path is None
    api = errors.ZapApiError("spider/action/scan", "url_not_found", "expected a number")
    assert (api.endpoint, api.code, api.detail) == ("spider/action/scan", "url_not_found", "expected a number")
    assert str(api) == "ZAP refused spider/action/scan: url_not_found (expected a number)"
    rules = errors.RulesFileError("r.tsv:3: bad", path="r.tsv", line=3)
    assert (rules.path, rules.line, str(rules)) == ("r.tsv", 3, "r.tsv:3: bad")
    assert errors.KnownFileError("gone").path is None


def test_baseline_error_names_the_file(tmp_path: Path):
    from pytest_secure.core.baseline.loader import load_baseline

    path = tmp_path / "secure.yaml"
    path.write_text("version: 1\nversion: 2\n")
    with pytest.raises(errors.BaselineError, match="duplicate key 'version'") as info:
        load_baseline(path)
    assert info.value.path == path


def test_scope_error_names_the_url():
    from pytest_secure.core.target import ScopeGuard

    with pytest.raises(errors.ScopeError, match="refused to send a request to evil.invalid") as info:
        ScopeGuard(["localhost"]).check("http://evil.invalid/x")
    assert info.value.url == "http://evil.invalid/x"
