"""``python -m kiosk_app`` is the ``kiosk`` command."""

import sys

from kiosk_app.cli import main

if __name__ == "__main__":  # not when the film's decoder processes import it (spawn)
    sys.exit(main())
