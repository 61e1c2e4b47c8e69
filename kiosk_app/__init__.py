"""Film & report print kiosk: prints radiology reports and films for patients."""

__version__ = "0.1.0"
