"""The interface every study source offers the catalog."""

from __future__ import annotations

from typing import Protocol

from pydicom import Dataset

from kiosk_app.core.models import Exam, InstanceRef


class StudySource(Protocol):
    """Finds studies and fetches their instances. Raises CloudError subclasses."""

    #: where the studies come from, for messages (a URL or a folder)
    description: str

    def find_studies(
        self, *, accession: str | None = None, patient_id: str | None = None
    ) -> list[Exam]:
        """Studies matching exactly; an Exam here has no report/images filled in yet."""
        ...

    def list_instances(self, study_uid: str) -> list[InstanceRef]:
        """Every instance of a study, with its SOP class and series."""
        ...

    def fetch_instance(self, ref: InstanceRef) -> Dataset:
        """One whole instance, pixel data included."""
        ...

    def ping(self) -> None:
        """Raise CloudError unless the source answers an authorised query."""
        ...
