"""A DICOM printer that cuts the connection is one PrinterError, not pynetdicom's tracebacks."""

from __future__ import annotations

import logging
import socket
import struct
import threading
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from drivers.base import FilmSheet
from drivers.errors import PrinterError
from drivers.film.dicom_print import DicomFilmPrinter
from kiosk_app import logs


@pytest.fixture
def resetting_printer() -> Iterator[int]:
    """A port whose every connection is reset at once (RST), as a printer being switched off
    or a firewall in between does."""
    listener = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                client, _ = listener.accept()
            except OSError:
                return
            client.recv(65536)  # the A-ASSOCIATE-RQ arrives, then the line goes dead
            client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            client.close()

    threading.Thread(target=serve, daemon=True).start()
    yield listener.getsockname()[1]
    stop.set()
    listener.close()


def test_a_connection_reset_while_associating_leaves_no_traceback_in_the_log(
    resetting_printer: int, tmp_path: Path
) -> None:
    """Found by the soak (the print SCP offline behind a proxy that resets connections):
    pynetdicom.dul logged "Connection closed before the entire PDU was received" and
    ConnectionResetError's traceback at ERROR, beside the driver's own one-line error."""
    logs.configure("INFO", tmp_path)
    try:
        film = DicomFilmPrinter("KIOSKPRINT", "127.0.0.1", resetting_printer, timeout=5)
        sheet = FilmSheet(np.zeros((200, 160), dtype=np.uint8), "8INX10IN", 20)
        with pytest.raises(PrinterError) as raised:
            film.submit_sheets([sheet], "film")
        for handler in logging.getLogger().handlers:
            handler.flush()
        text = (tmp_path / "kiosk.log").read_text(encoding="utf-8")
    finally:
        logs.configure("INFO", None)
    assert raised.value.code == "printer.unreachable"
    assert "Traceback" not in text and " ERROR " not in text
    assert "Connection reset" not in text and "entire PDU" not in text
