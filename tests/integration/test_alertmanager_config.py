"""The centre's Alertmanager configuration, checked and route-tested with Debian's amtool.

Inhibition cannot be tested by amtool; tests/e2e/test_fleet_alerts.py covers it live.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
MONITORING = REPO / "installer" / "monitoring"
CONFIG = MONITORING / "alertmanager.yml"
PLACEHOLDERS = {
    "@@WECHAT_CORP_ID@@": "ww0123456789abcdef",
    "@@WECHAT_API_SECRET@@": "s3cret",
    "@@WECHAT_AGENT_ID@@": "1000002",
    "@@WECHAT_OPS_PARTY@@": "2|7",
    "@@WECHAT_DIGEST_PARTY@@": "9",
    "@@SMS_GATEWAY_TOKEN@@": "gateway-token",
    "https://sms-gateway.invalid/kiosk-alerts": "https://sms.example.org/alertmanager",
}


def amtool() -> str:
    path = shutil.which("amtool")
    if path is None:
        if os.environ.get("KIOSK_REQUIRE_SERVICES") == "1":
            pytest.fail("amtool missing: scripts/setup.sh installs it")
        pytest.skip("amtool not installed (scripts/setup.sh installs it)")
    return path


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [amtool(), *args], capture_output=True, text=True, timeout=60, cwd=MONITORING
    )


def alert_rules() -> list[dict[str, str]]:
    """name, level and the text of each alert rule in kiosk-rules.yml (no YAML parser here)."""
    text = (MONITORING / "kiosk-rules.yml").read_text()
    blocks = re.split(r"^      - (?=alert:|record:)", text, flags=re.M)[1:]
    rules = []
    for block in blocks:
        name = re.match(r"alert: (\w+)", block)
        if name:
            level = re.search(r"labels: \{level: (\w+),", block)
            assert level, block
            rules.append({"alert": name.group(1), "level": level.group(1), "text": block})
    return rules


def test_the_configuration_passes_amtool_as_shipped_and_as_filled_in(tmp_path: Path) -> None:
    check = run("check-config", str(CONFIG))
    assert check.returncode == 0, check.stdout + check.stderr
    assert "SUCCESS" in check.stdout and "1 templates" in check.stdout
    text = CONFIG.read_text()
    assert set(re.findall(r"@@[A-Z_]+@@", text)) == {p for p in PLACEHOLDERS if "@@" in p}
    readme = (REPO / "README.md").read_text()
    for placeholder, value in PLACEHOLDERS.items():
        assert placeholder in readme, f"README does not say what to put for {placeholder}"
        text = text.replace(placeholder, value)
    filled = tmp_path / "alertmanager.yml"
    filled.write_text(text)
    shutil.copy(MONITORING / "kiosk-alerts.tmpl", tmp_path)
    check = run("check-config", str(filled))
    assert check.returncode == 0, check.stdout + check.stderr


@pytest.mark.parametrize(
    ("level", "receivers"),
    [
        ("red", "wechat-work,sms-voice-gateway"),
        ("orange", "wechat-work"),
        ("yellow", "daily-digest"),
    ],
)
def test_each_level_of_each_rule_reaches_its_receivers(level: str, receivers: str) -> None:
    rules = [r for r in alert_rules() if r["level"] == level]
    assert rules, f"no rule of level {level}"
    for rule in rules:
        labels = [f"alertname={rule['alert']}", "instance=kiosk-3f:8470", f"level={level}"]
        routed = run(
            "config", "routes", "test", f"--config.file={CONFIG}",
            f"--verify.receivers={receivers}", *labels,
        )  # fmt: skip
        assert routed.returncode == 0, (rule["alert"], routed.stdout + routed.stderr)
        assert routed.stdout.strip() == receivers


def test_alerts_are_grouped_per_kiosk_and_printer_alerts_yield_to_kiosk_down() -> None:
    text = CONFIG.read_text()
    # The sub-routes inherit the root's grouping, one notification per kiosk, but for the
    # digest: one message for the whole fleet.
    assert re.findall(r"^ *group_by: .*$", text, re.M) == [
        "  group_by: [instance]",
        "      group_by: [level]",
    ]
    assert re.search(r"receiver: daily-digest\n +group_by: \[level\]", text)
    names = {str(r["alert"]) for r in alert_rules()}
    assert "KioskDown" in names
    inhibit = text[text.index("inhibit_rules:") : text.index("receivers:")]
    assert """source_matchers: ['alertname="KioskDown"']""" in inhibit
    assert "equal: [instance]" in inhibit
    (target,) = re.findall(r"- 'alertname=~\"(.*)\"'", inhibit)
    inhibited = {n for n in names if re.fullmatch(target, n)}
    assert inhibited == names - {"KioskDown"}
    # Every alert keeps the kiosk's instance label the grouping and inhibition use: aggregated
    # expressions name it in by (...), the others keep the scraped series' labels.
    for rule in alert_rules():
        for by in re.findall(r"by \(([^)]*)\)", rule["text"]):
            assert "instance" in by, rule["alert"]


def test_messages_are_bilingual_and_show_only_the_alerts_labels() -> None:
    template = (MONITORING / "kiosk-alerts.tmpl").read_text()
    fields = set(re.findall(r"\.(?:Labels|Annotations|GroupLabels|CommonLabels)\.(\w+)", template))
    assert fields <= {"alertname", "instance", "level", "printer", "role", "reason", "summary",
                      "action"}  # fmt: skip
    rendered = run(
        "template", "render", "--template.glob=kiosk-alerts.tmpl",
        '--template.text={{ template "kiosk.wechat.message" . }}',
    )  # fmt: skip
    assert rendered.returncode == 0, rendered.stderr
    assert "自助机 Kiosk" in rendered.stdout and "已恢复 resolved" in rendered.stdout
