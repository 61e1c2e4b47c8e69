"""Film printers that speak DICOM: Basic Grayscale Print Management SCU, and its fake.

``datasets`` builds the print datasets (pure functions), ``dicom_print`` is the association
shell (:class:`DicomFilmPrinter`), ``fake`` a printer in memory that checks the same datasets.
"""
