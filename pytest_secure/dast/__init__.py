"""DAST for pytest-secure: drive OWASP ZAP, or crawl with the built-in engine, and turn
what was found into findings that the core gate judges like any other area's.

* :mod:`.area`        the area's entry in :mod:`pytest_secure.areas` (its rules, its plugin);
* :mod:`.config`      the baseline's ``dast:`` section, typed;
* :mod:`.zap_client`  the ``zaproxy`` client with timeouts and readable errors;
* :mod:`.zap_scan`    one ZAP scan: session, context, auth, seeding, spider, pscan, ascan, alerts;
* :mod:`.alerts`      ZAP alerts -> findings (severity mapping, de-duplication);
* :mod:`.rules_file`  zap-baseline.py's rules file, read as is;
* :mod:`.known`       fingerprints of an accepted run (new versus known);
* :mod:`.crawler`, :mod:`.audit`  the built-in engine: crawl in scope, audit each response;
* :mod:`.zap_rules`   the ZAP scan rules known by name (ids, titles, severities, CWEs);
* :mod:`.engines`     run the configured engine once, findings grouped per rule;
* :mod:`.result`      the scan's outcome, serialisable (it crosses to pytest-xdist workers);
* :mod:`.checks`      the scan's items: ``dast[scan]`` and one check per rule group;
* :mod:`.plan`        the equivalent ZAP Automation Framework plan;
* :mod:`.plugin`      the pytest hooks: scan once at session start, add the items;
* :mod:`.progress`    scan progress in the terminal.

Nothing here imports ``zapv2`` until a ZAP scan actually runs.
"""
