#!/usr/bin/env bash
# setup.sh - install everything the kiosk and its tests need on Debian 12, idempotently.
#
#   system packages (apt, no Recommends): CUPS + cups-pdf + libcups2-dev (pycups), Orthanc with
#     its DICOMweb and GDCM plugins, dcmtk (print SCP), Qt runtime libraries, CJK fonts, libzbar0,
#     poppler-utils (tests read printed PDFs), ghostscript, lintian + python3-venv/-dev (the .deb),
#     alsa-utils (aplay plays the voice prompts) + espeak-ng (assets/voice/build_prompts.py)
#   CUPS is locked down for loopback-only use BEFORE anything else talks to it: the snmp, dnssd and
#     mdns backends are made non-executable and browsing is off (discovery broadcasts otherwise)
#   the fault-simulating CUPS backend "jamsim" (installer/cups/jamsim)
#   a virtual environment in .venv with the package and its test extras
#
# Usage: bash scripts/setup.sh            (as root; run it again any time)
# Env:   SKIP_APT=1    skip system packages (e.g. a developer machine that has them)
#        VENV=DIR      where the virtual environment lives (default .venv)
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV=${VENV:-$ROOT/.venv}
step() { echo "=== $* ($(date +%T))"; }

APT_PACKAGES=(
  cups cups-client cups-bsd cups-filters printer-driver-cups-pdf libcups2-dev ghostscript cups-ipp-utils dbus-daemon
  poppler-utils gcc pkg-config
  orthanc orthanc-dicomweb orthanc-gdcm dcmtk imagemagick time
  fonts-noto-cjk fonts-droid-fallback fonts-dejavu-core libzbar0 curl iproute2 procps
  libxkbcommon0 libxkbcommon-x11-0 libegl1 libgl1 libopengl0 libfontconfig1 libdbus-1-3
  libglib2.0-0
  lintian logrotate python3-venv python3-dev
  alsa-utils espeak-ng
)

have_all_packages() {
  local status
  status=$(dpkg-query -W -f='${Status}\n' "${APT_PACKAGES[@]}" 2>/dev/null) || return 1
  ! grep -qv 'install ok installed' <<< "$status"
}

if [ "${SKIP_APT:-0}" != 1 ]; then
  if [ "$(id -u)" != 0 ]; then echo "setup.sh: run as root (apt-get and CUPS set-up need it), or SKIP_APT=1" >&2; exit 1; fi
  if have_all_packages; then
    step "system packages already installed"
  else
    # Package scripts must not start cupsd or Orthanc themselves (they would take ports 631/8042).
    if [ ! -e /usr/sbin/policy-rc.d ]; then
      printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod 755 /usr/sbin/policy-rc.d
      trap 'rm -f /usr/sbin/policy-rc.d' EXIT
    fi
    step "apt-get update"
    apt-get -q -o DPkg::Lock::Timeout=900 update
    step "apt-get install"
    apt-get -y -q -o DPkg::Lock::Timeout=900 --no-install-recommends \
      -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
      install "${APT_PACKAGES[@]}"
  fi
  step "CUPS: loopback only, no discovery"
  bash "$ROOT/installer/cups/harden-cups.sh"
  install -m 0755 -o root -g root "$ROOT/installer/cups/jamsim" /usr/lib/cups/backend/jamsim
  if ! command -v promtool > /dev/null; then
    # promtool checks the metrics exposition and unit-tests the fleet alert rules. Debian ships it
    # only inside the prometheus package (330 MB installed): take the one binary out of it.
    step "promtool (from Debian's prometheus package)"
    tmp=$(mktemp -d)
    chmod 755 "$tmp"
    ( cd "$tmp" && apt-get -q -o DPkg::Lock::Timeout=900 download prometheus \
        && dpkg-deb -x prometheus_*.deb x && install -m 0755 x/usr/bin/promtool /usr/local/bin/ )
    rm -rf "$tmp"
  fi
fi

step "python virtual environment $VENV"
if [ ! -x "$VENV/bin/python" ]; then python3 -m venv "$VENV"; fi
stamp="$VENV/.kiosk-installed"
if [ ! -f "$stamp" ] || [ "$ROOT/pyproject.toml" -nt "$stamp" ]; then
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check --upgrade pip
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check -e "$ROOT[test]"
  touch "$stamp"
else
  echo "up to date"
fi
step "setup done"
