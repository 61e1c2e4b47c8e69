"""Barcode and QR input: keyboard-wedge (evdev), serial and camera scanners, and one decoder."""
