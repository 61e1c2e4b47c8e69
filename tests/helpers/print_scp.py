"""A DICOM Basic Grayscale Print SCP we control, for faults dcmtk's dcmprscp cannot simulate.

It answers like a film printer (Printer N-GET, Film Session / Film Box N-CREATE, Image Box
N-SET, N-ACTION print, N-DELETE) and keeps every film it printed (:attr:`FaultyPrintScp.printed`:
the pixels of each film, in order). Faults:

* ``jam_at``: the N-ACTION of that film (counting every print request, 1-based) fails with
  0xC602 and the printer turns to FAILURE / FILM JAM until :meth:`clear`; nothing is printed.
* ``status`` / ``info``: what N-GET Printer answers (``WARNING`` / ``SUPPLY LOW``...).
* ``event_after_print``: after answering a print request, send this (event type, Printer Status
  Info) as an N-EVENT-REPORT of the Printer on the same association.
* ``print_job_states``: when set, the printer supports the Print Job SOP class: each print
  request creates a Print Job whose N-GET answers these Execution Status values in turn (the
  last one repeats), e.g. ``["PRINTING", "DONE"]``.
* ``transfer_syntaxes``: the transfer syntaxes it accepts (each offered context on its own).
* ``decodes_only``: the old printer's bug: it accepts every context above but decodes a data set
  only in this transfer syntax; a request carrying a data set in another one is never answered
  (N-GET and C-ECHO, which carry none, still are).
* ``attributes``: more Printer attributes N-GET answers (``PrinterName``...); like dcmprscp, a
  request naming one it does not have fails with 0x0105 No Such Attribute, and an empty
  attribute list gets all.

What came over the wire is kept in :attr:`FaultyPrintScp.wire`: each request's name, the
transfer syntax of its presentation context and its data set as encoded, so a test can read
the bytes themselves. Loopback only, on a free port chosen by the OS.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from pydicom.dataset import Dataset
from pydicom.uid import ExplicitVRLittleEndian, ImplicitVRLittleEndian, generate_uid
from pynetdicom import AE, evt
from pynetdicom.sop_class import (
    BasicFilmBox,
    BasicFilmSession,
    BasicGrayscaleImageBox,
    BasicGrayscalePrintManagementMeta,
    Printer,
    PrintJob,
    Verification,
)

FILM_JAM_FAILURE = 0xC602
NO_SUCH_ATTRIBUTE = 0x0105
#: how long an undecodable request waits for its answer that never comes (the test is over
#: long before; stop() ends the wait at once)
HANG_LIMIT = 120.0


@dataclass(frozen=True)
class WireRequest:
    """One request as it came: its name, its context's transfer syntax, its encoded data set."""

    name: str
    transfer_syntax: str
    data: bytes


@dataclass
class _FilmBox:
    session: str
    image_box: str
    attrs: Dataset
    pixels: np.ndarray | None = None


@dataclass
class FaultyPrintScp:
    ae_title: str = "FAULTYPRINT"
    status: str = "NORMAL"
    info: str = "NORMAL"
    jam_at: int | None = None
    event_after_print: tuple[int, str] | None = None
    print_job_states: list[str] | None = None
    transfer_syntaxes: tuple[str, ...] = (ImplicitVRLittleEndian, ExplicitVRLittleEndian)
    decodes_only: str | None = None
    attributes: dict[str, str] = field(default_factory=dict)
    jobs: dict[str, list[str]] = field(default_factory=dict)
    printed: list[np.ndarray] = field(default_factory=list)
    film_boxes: list[Dataset] = field(default_factory=list)
    wire: list[WireRequest] = field(default_factory=list)
    unanswered: list[str] = field(default_factory=list)
    print_requests: int = 0
    port: int = 0
    _stopping: threading.Event = field(default_factory=threading.Event)
    _boxes: dict[str, _FilmBox] = field(default_factory=dict)
    _images: dict[str, str] = field(default_factory=dict)  # image box uid -> film box uid
    _server: Any = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def clear(self) -> None:
        """A nurse cleared the jam."""
        with self._lock:
            self.status, self.info, self.jam_at = "NORMAL", "NORMAL", None

    # ------------------------------------------------------------------ handlers
    def _decodable(self, event: Any, name: str, data: Any) -> bool:
        """Record the request; False (after waiting for nothing) when its data set is in a
        transfer syntax this printer cannot decode, so that the request is never answered."""
        syntax = str(event.context.transfer_syntax)
        raw = data.getvalue() if data is not None else b""
        with self._lock:
            self.wire.append(WireRequest(name, syntax, raw))
        if not raw or self.decodes_only in (None, syntax):
            return True
        with self._lock:
            self.unanswered.append(name)
        self._stopping.wait(HANG_LIMIT)  # the old printer's parser is lost: no answer
        return False

    def _n_get(self, event: Any) -> tuple[int, Dataset | None]:
        if event.request.RequestedSOPClassUID == PrintJob:
            with self._lock:
                states = self.jobs.get(event.request.RequestedSOPInstanceUID)
                if states is None:
                    return 0x0112, None
                job = Dataset()
                job.ExecutionStatus = states.pop(0) if len(states) > 1 else states[0]
                job.ExecutionStatusInfo = "NORMAL"
            return 0x0000, job
        if event.request.RequestedSOPClassUID != Printer:
            return 0x0112, None
        self._decodable(event, "N-GET Printer", None)
        known = Dataset()
        with self._lock:
            known.PrinterStatus, known.PrinterStatusInfo = self.status, self.info
            for keyword, value in self.attributes.items():
                setattr(known, keyword, value)
        asked = [int(t) for t in (event.request.AttributeIdentifierList or [])]
        if not asked:
            return 0x0000, known
        if any(tag not in known for tag in asked):
            return NO_SUCH_ATTRIBUTE, None
        answer = Dataset()
        for tag in asked:
            answer[tag] = known[tag]
        return 0x0000, answer

    def _n_create(self, event: Any) -> tuple[int, Dataset | None]:
        cls = event.request.AffectedSOPClassUID
        if not self._decodable(event, f"N-CREATE {cls.name}", event.request.AttributeList):
            return 0xC000, None  # too late: the kiosk has given up
        uid = event.request.AffectedSOPInstanceUID or generate_uid()
        attrs = event.attribute_list
        if cls == BasicFilmSession:
            reply = Dataset()
            reply.NumberOfCopies = attrs.get("NumberOfCopies", 1)
            return 0x0000, reply
        if cls == BasicFilmBox:
            image_uid = generate_uid()
            session = attrs.ReferencedFilmSessionSequence[0].ReferencedSOPInstanceUID
            with self._lock:
                self._boxes[uid] = _FilmBox(session, image_uid, attrs)
                self._images[image_uid] = uid
                self.film_boxes.append(attrs)
            reply = Dataset()
            reply.ImageDisplayFormat = attrs.ImageDisplayFormat
            ref = Dataset()
            ref.ReferencedSOPClassUID = BasicGrayscaleImageBox
            ref.ReferencedSOPInstanceUID = image_uid
            reply.ReferencedImageBoxSequence = [ref]
            return 0x0000, reply
        return 0x0112, None

    def _n_set(self, event: Any) -> tuple[int, Dataset | None]:
        if not self._decodable(event, "N-SET Image Box", event.request.ModificationList):
            return 0xC000, None
        uid = event.request.RequestedSOPInstanceUID
        with self._lock:
            box_uid = self._images.get(uid)
            if box_uid is None:
                return 0x0112, None
            image = event.modification_list.BasicGrayscaleImageSequence[0]
            dtype = np.uint8 if image.BitsAllocated == 8 else np.dtype("<u2")
            pixels = np.frombuffer(image.PixelData, dtype=dtype).reshape(image.Rows, image.Columns)
            self._boxes[box_uid].pixels = pixels.copy()
        return 0x0000, Dataset()

    def _n_action(self, event: Any) -> tuple[int, Dataset | None]:
        if not self._decodable(event, "N-ACTION Film Box", event.request.ActionInformation):
            return 0xC000, None
        uid = event.request.RequestedSOPInstanceUID
        with self._lock:
            self.print_requests += 1
            box = self._boxes.get(uid)
            if box is None or box.pixels is None:
                return 0xC600, None
            if self.status == "FAILURE" or self.print_requests == self.jam_at:
                self.status, self.info = "FAILURE", "FILM JAM"
                return FILM_JAM_FAILURE, None
            self.printed.append(box.pixels)
            event_after = self.event_after_print
            reply = Dataset()
            if self.print_job_states:
                job_uid = generate_uid()
                self.jobs[job_uid] = list(self.print_job_states)
                ref = Dataset()
                ref.ReferencedSOPClassUID = PrintJob
                ref.ReferencedSOPInstanceUID = job_uid
                reply.ReferencedPrintJobSequence = [ref]
        if event_after is not None:
            threading.Thread(
                target=self._send_event, args=(event.assoc, *event_after), daemon=True
            ).start()
        return 0x0000, reply

    def _send_event(self, assoc: Any, event_type: int, info: str) -> None:
        time.sleep(0.05)  # after the N-ACTION response has gone out
        if not assoc.is_established:
            return
        info_ds = Dataset()
        info_ds.PrinterStatusInfo = info
        assoc.send_n_event_report(
            info_ds,
            event_type,
            Printer,
            "1.2.840.10008.5.1.1.17",
            meta_uid=BasicGrayscalePrintManagementMeta,
        )

    def _n_delete(self, event: Any) -> int:
        uid = event.request.RequestedSOPInstanceUID
        with self._lock:
            for box_uid in [b for b, box in self._boxes.items() if uid in (b, box.session)]:
                self._images.pop(self._boxes.pop(box_uid).image_box, None)
        return 0x0000

    # ------------------------------------------------------------------ server
    def start(self) -> FaultyPrintScp:
        ae = AE(ae_title=self.ae_title)
        for abstract in (BasicGrayscalePrintManagementMeta, PrintJob, Verification):
            ae.add_supported_context(abstract, list(self.transfer_syntaxes))
        handlers = [
            (evt.EVT_N_GET, self._n_get),
            (evt.EVT_N_CREATE, self._n_create),
            (evt.EVT_N_SET, self._n_set),
            (evt.EVT_N_ACTION, self._n_action),
            (evt.EVT_N_DELETE, self._n_delete),
        ]
        self._server = ae.start_server(("127.0.0.1", 0), block=False, evt_handlers=handlers)
        self.port = self._server.server_address[1]
        return self

    def stop(self) -> None:
        self._stopping.set()
        if self._server is not None:
            self._server.shutdown()
            self._server = None
