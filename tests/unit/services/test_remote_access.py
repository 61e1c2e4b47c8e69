"""Who may operate a kiosk from afar (credentials, roles, rates) and what its log bundle keeps,
without a server: the pieces the endpoint's integration tests rely on."""

from __future__ import annotations

import gzip
import io
import json
import tarfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import ClassVar

import pytest

from kiosk_app.health.access import (
    Caller,
    Credentials,
    RateLimiter,
    Role,
    caller,
    main,
    token_entry,
)
from kiosk_app.services.operations import OperationRefusedError, RemoteOperations
from kiosk_app.settings import SettingsError, load


def test_an_operator_entry_keeps_only_the_tokens_hash_and_names_the_operator() -> None:
    entry = token_entry("noc-wang", "the-token")
    assert entry.startswith("noc-wang:sha256$") and "the-token" not in entry
    creds = Credentials("read-token", [entry, token_entry("noc-li", "other")])
    assert creds.check("Bearer the-token", None) == "noc-wang"
    assert creds.check("Bearer other", None) == "noc-li"
    assert creds.check("bearer read-token", None) is Role.READ
    for header in ("", "Bearer", "Bearer ", "Basic the-token", "Bearer the-token2", "the-token"):
        assert creds.check(header, None) is Role.NONE, header
    with pytest.raises(ValueError):
        token_entry("x", "t")  # a name too short to say who it was
    with pytest.raises(ValueError):
        Credentials("", ["noc:plain-token"])


def test_an_empty_read_token_opens_nothing() -> None:
    creds = Credentials("", [])
    assert creds.check("Bearer ", None) is Role.NONE
    assert creds.check("Bearer -", None) is Role.NONE
    assert not creds.operators


def test_a_verified_certificate_is_an_operator_named_by_its_common_name() -> None:
    cert = {"subject": ((("organizationName", "Centre"),), (("commonName", "noc-zhao"),))}
    creds = Credentials("read-token", [])
    found = creds.check("Bearer read-token", cert)  # a certificate outranks the read token
    assert found == "cert:noc-zhao"
    who = caller(found, "10.0.0.9")
    assert who == Caller(Role.OPERATE, "cert:noc-zhao", "10.0.0.9")
    assert who.staff_id == "cert.noc-zhao"
    assert caller("noc-wang", "127.0.0.1").staff_id == "remote.noc-wang"
    assert caller(Role.READ, "127.0.0.1").role is Role.READ
    assert caller(Role.NONE, "127.0.0.1").identity == "anonymous"
    odd = caller("cert:Dr Li / NOC 运维", "127.0.0.1").staff_id
    assert odd.startswith("cert.") and len(odd) <= 32 and " " not in odd


def test_the_rate_limiter_refills_over_time_and_counts_refusals_in_a_row() -> None:
    now = [0.0]
    limiter = RateLimiter(6, clock=lambda: now[0])  # 6 a minute: one every 10 s
    assert [limiter.allow("a") for _ in range(8)] == [True] * 6 + [False] * 2
    assert limiter.refused_in_a_row("a") == 2
    assert limiter.allow("b")  # another source has its own bucket
    now[0] = 10.0
    assert limiter.allow("a") and limiter.refused_in_a_row("a") == 0
    assert not limiter.allow("a")


def test_operators_setting_is_validated(tmp_path: Path) -> None:
    good, other = token_entry("noc-wang", "t"), token_entry("noc-li", "u")
    env = {"KIOSK_KIOSK__DATA_DIR": str(tmp_path), "KIOSK_HEALTH__OPERATORS": f"{good},{other}"}
    assert load(None, env=env).health.operators == (good, other)
    with pytest.raises(SettingsError, match="operators"):
        load(None, env={**env, "KIOSK_HEALTH__OPERATORS": "noc-wang:my-plain-token"})


def test_the_token_maker_prints_a_token_and_its_entry(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["noc-wang"]) == 0
    out = capsys.readouterr().out.splitlines()
    token = out[0].rsplit(" ", 1)[1]
    entry = out[1].rsplit(" ", 1)[1].strip('"')
    assert len(token) >= 40 and entry == token_entry("noc-wang", token)
    assert main(["?"]) == 2


class _NoMaintenance:
    store = printing = None
    printers: ClassVar[dict[str, object]] = {}


def _bundle(tmp_path: Path, files: dict[str, str], hours: int, now: datetime) -> tuple[str, dict]:
    log_dir = tmp_path / "log"
    log_dir.mkdir(exist_ok=True)
    for name, text in files.items():
        (log_dir / name).write_text(text)
    ops = RemoteOperations(
        _NoMaintenance(),  # type: ignore[arg-type]
        kiosk_id="k1",
        log_dir=log_dir,
        selftest=dict,
        clock=lambda: now,
    )
    data = ops.log_bundle(hours)
    assert data == ops.log_bundle(hours)  # the same logs give the same bytes
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        text = tar.extractfile("k1-logs/kiosk.log").read().decode()  # type: ignore[union-attr]
        manifest = json.load(tar.extractfile("k1-logs/manifest.json"))  # type: ignore[arg-type]
    assert gzip.decompress(data)[:9] == b"k1-logs/k"  # a plain tar inside
    return text, manifest


def _json_line(at: datetime, level: str, message: str) -> str:
    stamp = at.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    return json.dumps({"@timestamp": stamp, "log.level": level, "message": message}) + "\n"


def test_the_log_bundle_reads_json_lines_and_rotated_files_oldest_first(tmp_path: Path) -> None:
    now = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
    files = {
        "kiosk.log.2": _json_line(now - timedelta(hours=5), "INFO", "too old"),
        "kiosk.log.1": _json_line(now - timedelta(hours=2), "WARNING", "rotated")
        + _json_line(now - timedelta(hours=2), "DEBUG", "patient 110101199003077733"),
        "kiosk.log": _json_line(now - timedelta(minutes=1), "ERROR", "current"),
    }
    text, manifest = _bundle(tmp_path, files, 3, now)
    assert [json.loads(line)["message"] for line in text.splitlines()] == ["rotated", "current"]
    assert manifest["records"] == 2 and manifest["debug_records_left_out"] == 1


def test_the_log_bundle_keeps_a_text_records_traceback_and_drops_a_debug_ones(
    tmp_path: Path,
) -> None:
    now = datetime.now(UTC)
    stamp = now.astimezone().strftime("%Y-%m-%d %H:%M:%S,000")
    text_log = (
        f"{stamp} ERROR   kiosk_app.x: it failed\n"
        "Traceback (most recent call last):\n"
        "ValueError: bad\n"
        f"{stamp} DEBUG   kiosk_app.x: looked up 张三\n"
        "  a continuation of the debug record\n"
        f"{stamp} INFO    kiosk_app.x: done\n"
    )
    text, manifest = _bundle(tmp_path, {"kiosk.log": text_log}, 1, now)
    assert "Traceback" in text and "ValueError: bad" in text and "done" in text
    assert "张三" not in text and "continuation" not in text
    assert manifest["records"] == 2


def test_the_log_bundle_refuses_hours_out_of_range(tmp_path: Path) -> None:
    with pytest.raises(OperationRefusedError) as refused:
        _bundle(tmp_path, {}, 0, datetime.now(UTC))
    assert refused.value.status == 400
