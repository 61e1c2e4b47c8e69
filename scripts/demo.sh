#!/usr/bin/env bash
# demo.sh - set everything up and run the kiosk on its embedded demo defaults: the demo archive
# in assets/demo, printers that write PDFs into a folder, the keyboard as the scanner.
#
# Usage: bash scripts/demo.sh [--windowed]
#   Type a sample code (DEMO0001 ... DEMO0004) and press Enter; the PDFs appear in the output
#   folder that `kiosk status --demo` shows (~/.local/share/kiosk/demo/output, or
#   /var/lib/kiosk/demo/output as root). Without a display, use QT_QPA_PLATFORM=offscreen, or
#   print without a screen: .venv/bin/kiosk print DEMO0001 --demo
# Env:   KIOSK_EXIT_AFTER_HOME=1  quit once the home screen is shown (times the set-up and start)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV=${VENV:-$ROOT/.venv}
# The runtime profile: Qt's libraries, fonts, the venv; not the test tool-chain.
if [ "$(id -u)" = 0 ]; then bash "$ROOT/scripts/setup.sh" runtime; else SKIP_APT=1 bash "$ROOT/scripts/setup.sh" runtime; fi
exec "$VENV/bin/kiosk" run --demo "$@"
