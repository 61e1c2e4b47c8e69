"""Printers: CUPS queues for reports and film, and fakes that write PDFs into a folder.

``CupsDocumentPrinter`` / ``CupsFilmPrinter`` talk to a CUPS scheduler (pycups, imported only
when used); ``FakeDocumentPrinter`` / ``FakeFilmPrinter`` serve demo mode and unit tests.
``sheets_to_pdf`` turns composed film sheets into the PDF both film printers send.
"""

from drivers.printer.cups import CupsDocumentPrinter, CupsFilmPrinter
from drivers.printer.fake import FakeDocumentPrinter, FakeFault, FakeFilmPrinter, FakeJob
from drivers.printer.sheet_pdf import sheets_to_pdf

__all__ = [
    "CupsDocumentPrinter",
    "CupsFilmPrinter",
    "FakeDocumentPrinter",
    "FakeFault",
    "FakeFilmPrinter",
    "FakeJob",
    "sheets_to_pdf",
]
