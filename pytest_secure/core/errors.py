"""Exceptions raised by pytest-secure: every one of them is defined here.

The tree, so that callers can see what to catch (``tests/core/test_errors.py`` checks that it
matches the classes below)::

    SecureError                  every pytest-secure error: catch this one for all of them
    ├── BaselineError            the baseline file is missing, malformed or invalid
    ├── TargetError              the target cannot be reached or answered badly
    │   ├── ScopeError           a request would leave the declared scope
    │   └── AppRaised            in process, the application raised instead of answering (a server: 500)
    ├── AppImportError           ``target.app`` does not import
    ├── MissingExtra             a feature needs an extra that is not installed: ``pytest-secure[fuzz]``
    ├── BrowserUnavailable       no Playwright or no Chromium: the browser items skip with the install line
    ├── SetupError               a precondition of a check failed (login, trust preflight)
    │   └── NotGradable          the graded page answered a status the Observatory refuses
    └── DastError                a DAST scan could not run
        ├── ZapUnreachable       nothing listens at dast.zap.proxy
        ├── ZapKeyRejected       ZAP closed the connection without answering (wrong API key)
        ├── ZapNoAnswer          ZAP accepted the connection but did not answer in time
        ├── ZapApiError          ZAP answered an error code ("url_not_found", ...)
        ├── ZapTargetUnreachable ZAP itself cannot reach the target
        ├── CrawlError           the built-in engine reached no page at all
        ├── RulesFileError       the dast.rules file (zap-baseline.py's format) is unreadable
        └── KnownFileError       the dast.known file (accepted findings) is unreadable

User mistakes become ``pytest.UsageError`` (exit code 4) with the message of one of
these; none of them is shown with a traceback.

Besides its message (``str(exc)``, which says what went wrong and how to fix it), an error
carries what it is about as attributes; ``None`` where the code that raised it did not know:

- ``BaselineError.problems`` (one ``file:line:col: key.path: message`` line each), ``.path``
  (the baseline file)
- ``TargetError.url`` (so also ``ScopeError.url``): the URL of the refused or failed request
- ``AppRaised.raised``: the exception's type and message (``"KeyError: 'viewer'"``)
- ``SetupError.check``: the item name of the check whose precondition failed
- ``MissingExtra.extra`` (``"fuzz"``, ``"dast"``), ``.module`` (the library that did not import)
- ``ZapApiError.endpoint``, ``.code``, ``.detail``
- ``RulesFileError.path``, ``.line``; ``KnownFileError.path``

Internal, never raised to callers: the baseline loader catches each of these at once and
turns it into a ``BaselineError`` naming the file, line and column::

    YamlProblem                  the YAML is malformed or uses a refused feature (``line``, ``column``)
    MissingVariable              ``${VAR}`` names an unset environment variable (key ``path``, ``name``)
    BadReference                 a ``${...}`` reference is malformed (key ``path``, ``text``)

Not errors, and so not here: a failed verdict reaches pytest through ``pytest.fail``
(:mod:`.outcome`). The fuzz area keeps two exceptions that subclass a library's own type: the
engine's ``_Failed`` (an ``AssertionError`` per set of rules, which Hypothesis shrinks; internal)
and the oracles' ``SecurityFailure`` (a schemathesis ``Failure``, created on first use so that
importing pytest-secure does not import schemathesis). Two more are control flow inside one
module, never raised out of it: the fuzz pacing's ``Stop`` (a ``BaseException`` that ends an
operation's fuzzing when its budget is spent or the server stopped answering, so that no
``except Exception`` of Hypothesis or schemathesis swallows it) and the Observatory port's
``_InvalidCsp`` (the scanner's own "this policy does not parse" signal).
"""

from __future__ import annotations

from pathlib import Path


class SecureError(Exception):
    """Base class of every pytest-secure error."""


class BaselineError(SecureError):
    """The baseline file is missing, not YAML, or does not match the schema.

    ``problems`` holds one line per problem, each ``file:line:col: path: message``;
    ``path`` is the baseline file, when known.
    """

    def __init__(self, problems: list[str], *, path: str | Path | None = None) -> None:
        self.problems = problems
        self.path = path
        super().__init__("\n".join(problems))


class TargetError(SecureError):
    """The target could not be reached, timed out, or answered with something unusable.

    ``url`` is the URL of the request that failed, when known.
    """

    def __init__(self, message: str, *, url: str | None = None) -> None:
        super().__init__(message)
        self.url = url


class ScopeError(TargetError):
    """A request was refused because its host is outside ``target.scope``; ``url`` is that request's."""


class AppRaised(TargetError):
    """In process, the application raised instead of answering: what a server turns into a 500.

    ``raised`` is the exception's type and message."""

    def __init__(self, message: str, *, url: str | None = None, raised: str = "") -> None:
        super().__init__(message, url=url)
        self.raised = raised


class AppImportError(SecureError):
    """``target.app`` names a module or attribute that does not import."""


class MissingExtra(SecureError):
    """A feature the baseline (or a test) uses needs an optional part of pytest-secure that is not
    installed; the message names the feature and the install line (``pip install 'pytest-secure[fuzz]'``).

    ``extra`` is the extra's name, ``module`` the library that did not import.
    """

    def __init__(self, message: str, *, extra: str, module: str) -> None:
        super().__init__(message)
        self.extra = extra
        self.module = module


class BrowserUnavailable(SecureError):
    """No Playwright or no Chromium for the browser checks: their items skip, and the message is
    the install line (``apt-get install chromium``, ``pip install 'pytest-secure[browser]'``)."""


class SetupError(SecureError):
    """A check's precondition failed, so its result cannot be trusted (reported as error).

    ``check`` is the item name of that check, when known.
    """

    def __init__(self, message: str, *, check: str | None = None) -> None:
        super().__init__(message)
        self.check = check


class NotGradable(SetupError):
    """The page to grade answered a status the HTTP Observatory refuses to grade (set ``grade.path``)."""


# -- DAST: why a scan could not run; each message names the cause and the fix ---------------------


class DastError(SecureError):
    """The scan could not run; the run stops with a usage error carrying this message."""


class ZapUnreachable(DastError):
    """Nothing listens at ``dast.zap.proxy``."""


class ZapKeyRejected(DastError):
    """ZAP closed the connection without answering: the API key is wrong."""


class ZapNoAnswer(DastError):
    """ZAP accepted the connection but did not answer in time."""


class ZapApiError(DastError):
    """ZAP answered with an error code instead of a result."""

    def __init__(self, endpoint: str, code: str, message: str = "") -> None:
        self.endpoint, self.code, self.detail = endpoint, code, message
        text = f"ZAP refused {endpoint}: {code}" + (f" ({message})" if message and message != code else "")
        super().__init__(text)


class ZapTargetUnreachable(DastError):
    """ZAP itself cannot reach the target."""


class CrawlError(DastError):
    """The built-in engine reached no page at all."""


class RulesFileError(DastError):
    """The rules file cannot be read; the message names file, line and fix.

    ``path`` is the rules file and ``line`` the 1-based line of the problem, when known.
    """

    def __init__(self, message: str, *, path: str | Path | None = None, line: int | None = None) -> None:
        super().__init__(message)
        self.path, self.line = path, line


class KnownFileError(DastError):
    """The known-findings file is missing or malformed; ``path`` is that file, when known."""

    def __init__(self, message: str, *, path: str | Path | None = None) -> None:
        super().__init__(message)
        self.path = path


# -- internal: the baseline loader turns each into a BaselineError at once -------------------------


class YamlProblem(Exception):
    """The YAML text is malformed or uses something refused; ``line`` and ``column`` are 1-based."""

    def __init__(self, line: int, column: int, message: str) -> None:
        super().__init__(message)
        self.line, self.column, self.message = line, column, message


class MissingVariable(Exception):
    """``${name}`` at key ``path`` names an environment variable that is not set."""

    def __init__(self, path: tuple[str | int, ...], name: str) -> None:
        super().__init__(name)
        self.path, self.name = path, name


class BadReference(Exception):
    """The reference ``text`` at key ``path`` is not ``${NAME}`` nor ``${NAME:-default}``."""

    def __init__(self, path: tuple[str | int, ...], text: str) -> None:
        super().__init__(text)
        self.path, self.text = path, text
