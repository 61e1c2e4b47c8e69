"""The 2nd-generation resident ID card reader (SAM, GA 467 family) over a serial line."""
