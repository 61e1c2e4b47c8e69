"""Where exams come from: the imaging cloud (DICOMweb) or a local folder (demo, tests)."""
