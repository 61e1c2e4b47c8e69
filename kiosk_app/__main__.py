"""``python -m kiosk_app`` is the ``kiosk`` command."""

import sys

from kiosk_app.cli import main

sys.exit(main())
