"""The test servers that scripts/services.sh starts: up, on loopback, and CUPS kept local."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
import requests
from pynetdicom import AE
from pynetdicom.sop_class import Verification

pytestmark = pytest.mark.integration


def test_orthanc_refuses_requests_without_credentials(orthanc) -> None:  # type: ignore[no-untyped-def]
    session = requests.Session()
    session.trust_env = False
    assert session.get(orthanc.dicomweb_url + "/studies", timeout=10).status_code == 401
    assert orthanc.get("/system").json()["DicomAet"] == "KIOSKPACS"


def test_dicom_print_scp_answers_echo(services_env) -> None:  # type: ignore[no-untyped-def]
    ae = AE(ae_title="KIOSKSCU")
    ae.add_requested_context(Verification)
    assoc = ae.associate(
        services_env["PRINT_SCP_HOST"],
        int(services_env["PRINT_SCP_PORT"]),
        ae_title=services_env["PRINT_SCP_AET"],
    )
    assert assoc.is_established
    status = assoc.send_c_echo()
    assoc.release()
    assert status.Status == 0x0000


def test_cups_network_discovery_is_disabled(services_env) -> None:  # type: ignore[no-untyped-def]
    backends = Path("/usr/lib/cups/backend")
    for name in ("snmp", "dnssd", "mdns"):
        path = backends / name
        if path.exists():
            assert not stat.S_IMODE(path.stat().st_mode) & 0o111, f"{name} backend is executable"
    conf = Path("/etc/cups/cupsd.conf").read_text()
    assert "\nBrowsing No" in conf or conf.startswith("Browsing No")
    assert os.environ["CUPS_SERVER"] == services_env["CUPS_SERVER"]
