"""What the per-item work saves (docs/performance.md) must not change what it produces: the
remembered redaction forgets as soon as a secret is added, and a record's dict is what
``dataclasses.asdict`` gives."""

import threading
from dataclasses import asdict

from pytest_secure.core.records import FindingRecord, RequestRecord, RuleInfo, WaiverRecord
from pytest_secure.core.redaction import MASK, Redactor


def test_a_remembered_clean_text_is_masked_once_its_secret_is_added():
    redactor = Redactor()
    text = "the report export answered with canary-token-0b64f1"
    assert redactor.clean(text) == text  # remembered as harmless ...
    redactor.add("canary-token-0b64f1")
    assert redactor.clean(text) == f"the report export answered with {MASK}"  # ... until the secret is known
    assert redactor.clean("\x1b[31mred") == "\\x1b[31mred"  # still neutralised, remembered or not


def test_cleaning_while_secrets_are_added_never_keeps_an_unmasked_result():
    redactor = Redactor()
    secrets = [f"secret-value-{i:04d}" for i in range(200)]
    texts = [f"value {s} seen" for s in secrets]

    def clean_all():
        for _ in range(5):
            for text in texts:
                redactor.clean(text)

    workers = [threading.Thread(target=clean_all) for _ in range(3)]
    for worker in workers:
        worker.start()
    for secret in secrets:
        redactor.add(secret)
    for worker in workers:
        worker.join()
    assert all(redactor.clean(text) == f"value {MASK} seen" for text in texts)


def test_a_finding_record_dict_is_what_asdict_gives_and_reads_back():
    full = FindingRecord(
        "headers/csp-missing", "m", "GET /", "e", "high", "k", "fp",
        RequestRecord("GET", "http://127.0.0.1/", {"Accept": "*/*"}, None, "curl http://127.0.0.1/"),
        RuleInfo("headers/csp-missing", "t", 693, "fix", "d", "high"), "waived", "headers",
        WaiverRecord("headers/csp-missing", None, "r", "o", None, "2030-01-01", "b:1:2"), ("GET /a", "GET /b"))
    bare = FindingRecord("headers/csp-missing", "m", "GET /", "e", "high", "k", "fp", None,
                         RuleInfo("headers/csp-missing", "t", None, "fix", "d", "high"), "failing", "headers")
    for record in (full, bare):
        data = record.to_dict()
        assert data == asdict(record) and FindingRecord.from_dict(data) == record
    data = full.to_dict()
    data["request"]["headers"]["Accept"] = "changed"  # a copy: the record itself stays as it was
    assert full.request is not None and full.request.headers == {"Accept": "*/*"}
