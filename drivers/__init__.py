"""Hardware and device protocols behind small interfaces, with a fake of each.

Nothing here imports the application (``kiosk_app``); the application talks to these through
the types in :mod:`drivers.base`.
"""
