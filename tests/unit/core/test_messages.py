from __future__ import annotations

from kiosk_app.core import messages
from kiosk_app.core.errors import CloudUnavailableError


def test_every_message_has_chinese_and_english() -> None:
    for message_id in messages.message_ids():
        texts = messages.locales_of(message_id)
        assert texts.get("zh_CN"), message_id
        assert texts.get("en"), message_id


def test_missing_parameters_never_crash() -> None:
    assert "{" not in messages.text("cloud.unreachable", "en")


def test_errors_speak_the_patients_language_and_keep_details_for_staff() -> None:
    exc = CloudUnavailableError(cloud="http://127.0.0.1:9/dicom-web", detail="connection refused")
    assert "http://127.0.0.1:9/dicom-web" in str(exc)
    assert "connection refused" in str(exc)
    assert exc.text("zh_CN") == messages.text("cloud.unreachable", "zh_CN")
    assert "Traceback" not in exc.text("zh_CN")
