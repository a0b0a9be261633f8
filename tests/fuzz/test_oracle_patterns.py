"""Every stack-trace and database-error pattern of the fuzz oracles matches a real message of the
stack it names and misses a near-miss that looks like it.

Samples come from the stack itself where it runs here: sqlite3 and CPython raise the errors in
this process, Werkzeug, Starlette and Django render their debug pages (or their template files
are read from the installed package), Node prints its own stack when ``node`` is installed.
The others are quoted from the stack's documentation or source; each case names its source.
The last tests make sure no pattern is left without a case, so a deleted or rewritten
pattern fails here.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
import traceback
from dataclasses import dataclass
from pathlib import Path

import pytest

from pytest_secure.fuzz import oracles as o


def split(pattern: re.Pattern[str]) -> list[str]:
    """The patterns an ``_any_of`` regex was joined from (``(?:a)|(?:b)|...``)."""
    source = pattern.pattern
    assert source.startswith("(?:") and source.endswith(")")
    parts = source[3:-1].split(")|(?:")
    assert "|".join(f"(?:{p})" for p in parts) == source
    return parts


STACK_PATTERNS = split(o._STACK_TRACES)
DATABASE_PATTERNS = split(o._DATABASE_ERRORS)


def sqlite_error(sql: str) -> str:
    """The message CPython's sqlite3 gives for ``sql``, as a framework's debug output shows it."""
    connection = sqlite3.connect(":memory:")
    try:
        connection.execute(sql)
    except sqlite3.Error as exc:
        return f"{type(exc).__module__}.{type(exc).__name__}: {exc}"
    finally:
        connection.close()
    raise AssertionError(f"{sql!r} did not fail")


def python_traceback() -> str:
    def load_invoice(invoice_id):
        return {"a1": 1}[invoice_id]

    try:
        load_invoice("' OR 1=1 --")
    except KeyError:
        return traceback.format_exc()
    raise AssertionError("no exception")


def werkzeug_debugger_page() -> str:
    from werkzeug.debug import DebuggedApplication
    from werkzeug.test import Client

    def app(environ, start_response):
        raise RuntimeError("boom")

    return Client(DebuggedApplication(app, evalex=False)).get("/").get_data(as_text=True)


def django_template(name: str) -> str:
    import django

    return (Path(django.__file__).parent / "views" / "templates" / name).read_text()


NODE_SCRIPT = "function loadInvoice(id) { return id.trim(); }\ntry { loadInvoice(null); } " \
              "catch (e) { console.log(e.stack); }\n"


def node_stack(tmp_path: Path) -> str:
    """A stack Node prints for a TypeError in a user function (needs ``node``)."""
    node = shutil.which("node")
    if node is None:
        if os.environ.get("CI"):
            pytest.fail("node is not installed: CI must run these samples (the package.json tools need it too)")
        pytest.skip("node is not installed")
    script = tmp_path / "app.js"
    script.write_text(NODE_SCRIPT)
    return subprocess.run([node, str(script)], capture_output=True, text=True, timeout=60, check=True).stdout


@dataclass(frozen=True)
class Case:
    pattern: str
    sample: object  # the text, or a function that makes it (with tmp_path when it takes one)
    near_miss: str
    source: str

    def text(self, tmp_path: Path) -> str:
        if callable(self.sample):
            return self.sample(tmp_path) if self.sample is node_stack else self.sample()
        return str(self.sample)


STACK_CASES = [
    Case(r"Traceback \(most recent call last\)", python_traceback, "Traceback: the most recent call is logged",
         "CPython, raised here"),
    Case(r"File \"[^\"\n]+\", line \d+, in \S+", python_traceback, 'File "invoice.pdf", line 3 of the summary',
         "CPython, raised here"),
    Case(r"Werkzeug Debugger|The debugger caught an exception", werkzeug_debugger_page,
         "Served by Werkzeug; the debugger is off", "Werkzeug DebuggedApplication, rendered here"),
    Case(r"You(?:'|’|&#x27;|&#39;)re seeing this error because you have <code>DEBUG = True</code>",
         lambda: django_template("technical_404.html"), "You are seeing this page because DEBUG is off",
         "Django's technical_404.html, from the installed package"),
    Case(r"\bat [\w$.]+\([\w$]+\.java:\d+\)",
         "java.lang.NullPointerException\n        at MyClass.mash(MyClass.java:9)\n"
         "        at MyClass.crunch(MyClass.java:6)\n        at MyClass.main(MyClass.java:3)",
         "meet at Main.Street(Building 9)", "Java SE API, Throwable.printStackTrace() example"),
    Case(r"Exception in thread \"[^\"]+\"", 'Exception in thread "main" java.lang.IllegalStateException: boom',
         "no exception in thread pool workers", "Java SE, uncaught exception handler output"),
    Case(r"Server Error in '[^']*' Application", "<h1>Server Error in '/' Application.<hr width=100% size=1 "
         "color=silver></h1>", "Server error in this application", "ASP.NET ErrorFormatter (reference source)"),
    Case(r"\bat [\w.]+\([^)]*\) in [^\n]+:line \d+",
         "   at Shop.Controllers.InvoiceController.Show(Int32 id) in C:\\src\\Shop\\Controllers\\"
         "InvoiceController.cs:line 42", "at Home.Index(id) in the morning",
         ".NET, Exception.StackTrace documentation"),
    Case(r"<b>(?:Fatal error|Parse error)</b>:.{0,300} on line <b>\d+",
         "<br />\n<b>Parse error</b>:  syntax error, unexpected end of file in <b>/var/www/html/index.php</b> "
         "on line <b>5</b><br />", "<b>Parse error</b>: none on line 5",
         "PHP manual, error display with html_errors=On"),
    Case(r"Stack trace:\s*#0 ",
         "PHP Fatal error:  Uncaught Exception: boom in /var/www/html/index.php:3\nStack trace:\n#0 {main}\n"
         "  thrown in /var/www/html/index.php on line 3", "Stack trace: not available",
         "PHP manual, uncaught exception output"),
    Case(r"\bat (?:Object\.<anonymous>|[\w.$<>]+) \((?:/|[A-Za-z]:\\)[^)\n]+\.[cm]?js:\d+:\d+\)", node_stack,
         "    at node:internal/main/run_main_module:28:49", "Node, printed here (error.stack)"),
    Case(r"\.rb:\d+:in `", "prog.rb:2:in `a'\nprog.rb:6:in `b'\nprog.rb:10", "see prog.rb line 2 in a",
         "Ruby core docs, Exception#backtrace"),
    Case(r"goroutine \d+ \[running\]",
         "panic: runtime error: index out of range [5] with length 3\n\ngoroutine 1 [running]:\nmain.main()\n"
         "\t/tmp/sandbox/prog.go:9 +0x1d\nexit status 2", "12 goroutines running",
         "Go runtime panic output (Go blog, Defer, Panic, and Recover)"),
]

DATABASE_CASES = [
    Case(r"sqlite3?\.\w*Error", lambda: sqlite_error("SELECT * FROM users WHERE name = 'x''"),
         "sqlite3.connect(':memory:') is fine", "CPython sqlite3, raised here"),
    Case(r"\bunrecognized token: ", lambda: sqlite_error("SELECT * FROM users WHERE name = 'x"),
         "the token was not recognised", "SQLite via CPython sqlite3, raised here"),
    Case(r"\bnear \"[^\"\n]{0,60}\": syntax error", lambda: sqlite_error("SELEC * FROM users"),
         'we are near "Paris", no syntax errors', "SQLite via CPython sqlite3, raised here"),
    Case(r"SQLITE_ERROR", "[Error: SQLITE_ERROR: no such table: userz] { errno: 1, code: 'SQLITE_ERROR' }",
         "SQLITE_OK", "node-sqlite3 README, error objects"),
    Case(r"\bsqlite\b.{0,40}\berror", "SQLite error (1): no such table: userz", "SQLite is the database here",
         "System.Data.SQLite, logged errors"),
    Case(r"You have an error in your SQL syntax",
         "You have an error in your SQL syntax; check the manual that corresponds to your MySQL server version "
         "for the right syntax to use near ''' at line 1", "You have an error in your form",
         "MySQL error reference, ER_PARSE_ERROR (1064)"),
    Case(r"\bmysql_(?:fetch|num_rows|query)",
         "Warning: mysql_fetch_array() expects parameter 1 to be resource, boolean given",
         "mysqli_fetch_array", "PHP manual, mysql_fetch_array"),
    Case(r"MySQLSyntaxErrorException",
         "com.mysql.jdbc.exceptions.jdbc4.MySQLSyntaxErrorException: Unknown column 'nmae' in 'field list'",
         "MySQLSyntaxError", "MySQL Connector/J exceptions"),
    Case(r"SQLSTATE\[\w+\]", "SQLSTATE[42S22]: Column not found: 1054 Unknown column 'nmae' in 'where clause'",
         "SQLSTATE 00000", "PHP manual, PDOException"),
    Case(r"\bPG::\w+Error", "PG::SyntaxError", "PG::Connection", "ruby-pg, PG::Error subclasses"),
    Case(r"\bpsycopg2?\.(?:errors\.)?\w+", 'psycopg2.errors.UndefinedTable: relation "userz" does not exist',
         "psycopg is the driver", "psycopg2 docs, psycopg2.errors"),
    Case(r"unterminated quoted string at or near",
         "ERROR:  unterminated quoted string at or near \"'\"\nLINE 1: SELECT * FROM users WHERE name = '''",
         "unterminated quoted string in the config", "PostgreSQL scanner (scan.l) error text"),
    Case(r"syntax error at or near \"", 'ERROR:  syntax error at or near "FROM"\nLINE 1: SELECT FROM FROM users',
         "syntax error near FROM", "PostgreSQL documentation, error reporting"),
    Case(r"\bORA-\d{5}\b", "ORA-00933: SQL command not properly ended", "FLORA-00933",
         "Oracle Database Error Messages, ORA-00933"),
    Case(r"Unclosed quotation mark after the character string",
         "Unclosed quotation mark after the character string ''.", "Unclosed quotation mark",
         "SQL Server database engine error 105"),
    Case(r"Microsoft OLE DB Provider for",
         "Microsoft OLE DB Provider for ODBC Drivers error '80040e14'", "Install the Microsoft OLE DB Provider.",
         "classic ASP ADO error page"),
    Case(r"\[SQL Server\]", "[Microsoft][ODBC Driver 17 for SQL Server][SQL Server]Invalid object name 'userz'.",
         "SQL Server 2019", "Microsoft ODBC Driver for SQL Server, error messages"),
    Case(r"Incorrect syntax near '", "Incorrect syntax near 'x'.", "Incorrect syntax near line 3",
         "SQL Server database engine error 102"),
    Case(r"quoted string not properly terminated", "ORA-01756: quoted string not properly terminated",
         "string not terminated", "Oracle Database Error Messages, ORA-01756"),
    Case(r"\bJDBC\w*Exception", "org.hibernate.exception.JDBCConnectionException: Unable to acquire JDBC Connection",
         "JDBC driver loaded", "Hibernate ORM, org.hibernate.exception"),
    Case(r"org\.hibernate\.\w+Exception", "org.hibernate.QueryException: could not resolve property: nmae of: User",
         "org.hibernate.Session", "Hibernate ORM, QueryException"),
    Case(r"java\.sql\.SQLException", "java.sql.SQLException: Invalid column index", "java.sql.Connection",
         "Java SE API, java.sql.SQLException"),
    Case(r"sqlalchemy\.exc\.\w+",
         "sqlalchemy.exc.OperationalError: (sqlite3.OperationalError) no such table: userz",
         "sqlalchemy.orm", "SQLAlchemy docs, Error Messages"),
    Case(r"\bMongo(?:Server)?Error\b", "MongoServerError: unknown operator: $foo", "MongoClient connected",
         "MongoDB Node.js driver, MongoServerError"),
    Case(r"pymongo\.errors", "pymongo.errors.OperationFailure: unknown operator: $foo", "pymongo.collection",
         "PyMongo docs, pymongo.errors"),
    Case(r"\$where.{0,40}(?:not allowed|SyntaxError)", "$where is not allowed in this atlas tier",
         "$where clause accepted", "MongoDB Atlas, unsupported commands"),
    Case(r"\bOperationalError\b", "OperationalError: (1054, \"Unknown column 'nmae' in 'where clause'\")",
         "operational error budget", "PyMySQL, pymysql.err.OperationalError"),
    Case(r"\bProgrammingError\b.{0,80}\b(?:SQL|syntax|column|relation)",
         'django.db.utils.ProgrammingError: column "nmae" does not exist',
         "ProgrammingError: Cannot operate on a closed cursor.", "Django, django.db.utils.ProgrammingError"),
]


def _check(case: Case, patterns: list[str], oracle, tmp_path: Path, rule_id: str) -> None:
    assert case.pattern in patterns, f"the oracle no longer has the pattern {case.pattern!r}"
    flags = o._DATABASE_ERRORS.flags if patterns is DATABASE_PATTERNS else o._STACK_TRACES.flags
    sample = case.text(tmp_path)
    assert re.search(case.pattern, sample, flags), f"{case.source}: {sample[:300]!r}"
    problem = oracle(o.Exchange(status=500, headers=[("Content-Type", "text/html")], body=sample))
    assert problem is not None and problem.rule_id == rule_id
    assert not re.search(case.pattern, case.near_miss, flags)
    assert oracle(o.Exchange(status=500, headers=[("Content-Type", "text/html")], body=case.near_miss)) is None


@pytest.mark.parametrize("case", STACK_CASES, ids=[c.source for c in STACK_CASES])
def test_stack_trace_pattern_matches_its_stack_and_not_a_near_miss(case, tmp_path):
    _check(case, STACK_PATTERNS, o.no_stack_trace, tmp_path, "fuzz/stack-trace")


@pytest.mark.parametrize("case", DATABASE_CASES, ids=[c.source for c in DATABASE_CASES])
def test_database_error_pattern_matches_its_stack_and_not_a_near_miss(case, tmp_path):
    _check(case, DATABASE_PATTERNS, o.no_database_error, tmp_path, "fuzz/database-error")


@pytest.mark.parametrize(("patterns", "cases"), [(STACK_PATTERNS, STACK_CASES), (DATABASE_PATTERNS, DATABASE_CASES)],
                         ids=["stack-traces", "database-errors"])
def test_every_pattern_has_a_case(patterns, cases):
    assert sorted(patterns) == sorted(c.pattern for c in cases)
