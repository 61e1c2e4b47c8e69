"""The soak's short mode in the test command: forty patients through the real ``kiosk print``
at three kiosks (film on jamsim, on the IPP Everywhere queue and on dcmtk's print SCP) with
faults from a seeded schedule, then the audit of what the printers received
(benchmarks/soak.py; the long run is the same script with ``--patients 1000``)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[2]
#: Fixed, so a failure here is reproduced by running the script with the same seed.
SEED = 474


def test_forty_patients_with_faults_leave_nothing_lost_duplicated_or_mixed(
    services_env: dict[str, str], cups_queues: object, orthanc: object, tmp_path: Path
) -> None:
    env_file = os.environ.get("KIOSK_SERVICES_ENV", "/tmp/kiosk-services/env.sh")
    run = subprocess.run(
        [
            sys.executable,
            str(REPO / "benchmarks" / "soak.py"),
            "--env",
            env_file,
            "--patients",
            "40",
            "--seed",
            str(SEED),
            "--work",
            str(tmp_path / "soak"),
        ],
        capture_output=True,
        text=True,
        timeout=1200,
        cwd=REPO,
        env={**os.environ, "KIOSK_CONFIG": ""},
    )
    print(run.stdout)
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-4000:]
    assert "violations: 0" in run.stdout
    # The schedule did inject faults of every kind, and patients were served through them.
    faults = dict(re.findall(r"([a-z0-9-]+) (\d+)", run.stdout.split("faults: ")[1].split("\n")[0]))
    assert set(faults) == {
        "jam", "empty", "offline", "cloud-down", "cloud-slow", "cloud-500", "kill",
        "disk-full", "clock-jump",
    }  # fmt: skip
    assert sum(int(n) for n in faults.values()) >= 30
    delivered = re.search(r"film delivered (\d+)", run.stdout)
    assert delivered is not None and int(delivered.group(1)) >= 15
    # Each film printer had visits and received films, and had faults of its own.
    printers = {
        m.group(1): (int(m.group(2)), int(m.group(3)), m.group(4))
        for m in re.finditer(r"printer (\w+): (\d+) visits, (\d+) films received; faults: (.*)",
                             run.stdout)
    }  # fmt: skip
    assert set(printers) == {"jamsim", "ipp", "dicom"}
    for name, (visits, films, kinds) in printers.items():
        assert visits >= 5 and films >= 3, (name, visits, films)
        assert "offline" in kinds, (name, kinds)
    assert "jam" in printers["ipp"][2] or "empty" in printers["ipp"][2]
