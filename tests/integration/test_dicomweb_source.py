"""The DICOMweb source against real Orthanc: search, exact matching, fetch, errors."""

from __future__ import annotations

import numpy as np
import pydicom
import pytest
from pydicom.data import get_testdata_file

from kiosk_app.core.errors import CloudError, CloudUnavailableError
from kiosk_app.core.models import Credential, CredentialKind
from kiosk_app.services.catalog import Catalog
from kiosk_app.sources.dicomweb import DicomWebSource
from tests.helpers.dicom_builders import image_series, make_encapsulated_pdf
from tests.unit.fakes import report_pdf

pytestmark = pytest.mark.integration


@pytest.fixture
def source(orthanc) -> DicomWebSource:  # type: ignore[no-untyped-def]
    user, password = orthanc.auth
    return DicomWebSource(orthanc.dicomweb_url, username=user, password=password)


@pytest.fixture
def two_patients(orthanc):  # type: ignore[no-untyped-def]
    ct = get_testdata_file("CT_small.dcm", download=False)
    studies = {}
    for pid, name, acc in (("INT001", "张^三", "ACCINT1"), ("INT002", "Li^Si", "ACCINT10")):
        uid = pydicom.uid.generate_uid()
        images = image_series(
            ct, n=2, patient_id=pid, patient_name=name, accession=acc, study_uid=uid
        )
        for ds in images:
            orthanc.upload(ds)
        pdf = report_pdf(f"report of {acc}")
        orthanc.upload(
            make_encapsulated_pdf(
                pdf, patient_id=pid, patient_name=name, accession=acc, study_uid=uid
            )
        )
        studies[acc] = (uid, images, pdf)
    return studies


def test_search_is_exact_and_names_come_back_in_chinese(source, two_patients) -> None:  # type: ignore[no-untyped-def]
    found = source.find_studies(accession="ACCINT1")
    assert [e.accession_number for e in found] == ["ACCINT1"]  # not ACCINT10
    assert found[0].patient_id == "INT001"
    assert found[0].patient_name.replace("^", "") == "张三"
    assert source.find_studies(accession="ACCINT") == []
    assert [e.patient_id for e in source.find_studies(patient_id="INT002")] == ["INT002"]


def test_wildcards_are_never_sent(source, two_patients) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match="characters"):
        source.find_studies(accession="ACCINT*")


def test_catalog_lists_report_and_images_and_fetches_pixels(source, two_patients) -> None:  # type: ignore[no-untyped-def]
    uid, images, pdf = two_patients["ACCINT1"]
    catalog = Catalog(source, max_parallel=2)
    (exam,) = catalog.exams_for(Credential(CredentialKind.ACCESSION, "ACCINT1"))
    assert exam.study_uid == uid
    assert exam.report is not None and exam.report.final
    assert len(exam.images) == 2
    assert catalog.report_pdf(exam) == pdf
    fetched = catalog.image_datasets(exam)
    sent = {ds.SOPInstanceUID: ds for ds in images}
    for ds in fetched:
        np.testing.assert_array_equal(ds.pixel_array, sent[ds.SOPInstanceUID].pixel_array)


def test_wrong_password_is_a_clear_error(orthanc) -> None:  # type: ignore[no-untyped-def]
    source = DicomWebSource(orthanc.dicomweb_url, username="kiosk", password="wrong")
    with pytest.raises(CloudError) as info:
        source.ping()
    assert "HTTP 401" in str(info.value) and orthanc.dicomweb_url in str(info.value)
    assert not isinstance(info.value, CloudUnavailableError)
