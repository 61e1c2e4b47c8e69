"""The only PySide6 code: the kiosk's screens, fed by services through a thread bridge."""
