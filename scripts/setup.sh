#!/usr/bin/env bash
# setup.sh - install what the kiosk's demo, or the kiosk and all its tests, need on Debian 12,
# idempotently.
#
# Usage: bash scripts/setup.sh [test|runtime]      (as root; run it again any time)
#
#   runtime  what `scripts/demo.sh` needs, and nothing else: python3-venv, the libraries Qt's
#            xcb (X11) and wayland platform plugins load (libxcb-cursor0 and the other xcb-util
#            libraries, libwayland-*, EGL/GL, xkbcommon), fonts (CJK included), libzbar0 (barcode
#            decoding), alsa-utils (aplay plays the voice prompts); a virtual environment in
#            .venv with the package alone. No CUPS, Orthanc, dcmtk or compiler: the demo prints
#            into a folder, and pycups/evdev (extra "hardware", built from source) are left out.
#   test     (the default, what scripts/test.sh and CI use) runtime plus the test tool-chain:
#            CUPS + cups-pdf + cups-ipp-utils, gcc/python3-dev/libcups2-dev (pycups, evdev),
#            Orthanc with its DICOMweb and GDCM plugins, dcmtk (print SCP), poppler-utils and
#            ghostscript (tests read printed PDFs), lintian, piuparts, debootstrap, systemd
#            (systemd-analyze), dbus-daemon, Xvfb + xauth (the window under X11 with no window
#            manager), cage + xwayland (under Wayland; cage will not start without Xwayland), espeak-ng (assets/voice/build_prompts.py),
#            PostgreSQL 15 (the fleet ledger's tests; services.sh runs a cluster of its own, and
#            Debian's own cluster is never started: policy-rc.d below) with openssl for its
#            self-signed certificate, promtool, prometheus,
#            prometheus-alertmanager and amtool (binaries only, no services); the venv gets the
#            "test" and "hardware" extras.
#            CUPS is locked down for loopback-only use BEFORE anything else talks to it: the
#            snmp, dnssd and mdns backends are made non-executable and browsing is off
#            (discovery broadcasts otherwise); the fault-simulating backend "jamsim" is installed.
#
# Env:   SKIP_APT=1    skip system packages (e.g. a developer machine that has them)
#        VENV=DIR      where the virtual environment lives (default .venv)
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV=${VENV:-$ROOT/.venv}
PROFILE=${1:-test}
case "$PROFILE" in
  runtime | test) ;;
  *) echo "usage: bash scripts/setup.sh [test|runtime]   (not '$PROFILE')" >&2; exit 2 ;;
esac
step() { echo "=== $* ($(date +%T))"; }

# The demo and the installed kiosk. The Qt libraries are what PySide6's platform plugins link
# (readelf -d on PySide6/Qt/plugins/platforms/libqxcb.so, libqwayland.so, xcbglintegrations/,
# wayland-graphics-integration-client/); installer/deb/control.in depends on the same.
RUNTIME_PACKAGES=(
  python3-venv ca-certificates
  libgl1 libegl1 libopengl0 libfontconfig1 libfreetype6 libdbus-1-3 libglib2.0-0
  libxkbcommon0 libxkbcommon-x11-0 libx11-6 libx11-xcb1 libxcb1 libxcb-cursor0 libxcb-icccm4
  libxcb-util1 libxcb-image0 libxcb-keysyms1 libxcb-randr0 libxcb-render0 libxcb-render-util0
  libxcb-shm0 libxcb-sync1 libxcb-xfixes0 libxcb-shape0 libxcb-xkb1 libxcb-glx0
  libwayland-client0 libwayland-cursor0 libwayland-egl1
  fonts-noto-cjk fonts-droid-fallback fonts-dejavu-core libzbar0 alsa-utils
)
# The tests, the test servers and the package checks (test profile only).
APT_PACKAGES=(
  cups cups-client cups-bsd cups-filters printer-driver-cups-pdf cups-ipp-utils libcups2-dev
  ghostscript poppler-utils gcc binutils pkg-config python3-dev
  orthanc orthanc-dicomweb orthanc-gdcm dcmtk imagemagick time curl iproute2 procps faketime
  lintian logrotate piuparts debootstrap systemd dbus-daemon
  xvfb xauth cage xwayland
  espeak-ng
  postgresql openssl
)
if [ "$PROFILE" = test ]; then
  PACKAGES=("${RUNTIME_PACKAGES[@]}" "${APT_PACKAGES[@]}")
  EXTRAS="[test,hardware]"
else
  PACKAGES=("${RUNTIME_PACKAGES[@]}")
  EXTRAS=""
fi

have_all_packages() {
  local status
  status=$(dpkg-query -W -f='${Status}\n' "${PACKAGES[@]}" 2>/dev/null) || return 1
  ! grep -qv 'install ok installed' <<< "$status"
}

step "setup profile: $PROFILE"
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
    step "apt-get install (${#PACKAGES[@]} packages)"
    apt-get -y -q -o DPkg::Lock::Timeout=900 --no-install-recommends \
      -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
      install "${PACKAGES[@]}"
  fi
  if [ "$PROFILE" = test ]; then
    step "CUPS: loopback only, no discovery"
    bash "$ROOT/installer/cups/harden-cups.sh"
    install -m 0755 -o root -g root "$ROOT/installer/cups/jamsim" /usr/lib/cups/backend/jamsim
    if ! command -v promtool > /dev/null || ! command -v prometheus > /dev/null \
        || ! command -v prometheus-alertmanager > /dev/null || ! command -v amtool > /dev/null \
        || [ ! -f /usr/share/prometheus/alertmanager/default.tmpl ]; then
      # promtool checks the metrics exposition and unit-tests the fleet alert rules; amtool checks
      # and route-tests installer/monitoring/alertmanager.yml; the fleet test runs prometheus and
      # prometheus-alertmanager on loopback. Debian ships them only inside the prometheus (330 MB
      # installed) and prometheus-alertmanager packages, whose postinst scripts start services on
      # all interfaces (9090, 9093 and the gossip port 9094): take the four binaries out instead,
      # and the templates Debian's alertmanager loads from /usr/share/prometheus/alertmanager.
      step "promtool, prometheus, prometheus-alertmanager, amtool (from Debian's packages)"
      tmp=$(mktemp -d)
      chmod 755 "$tmp"
      ( cd "$tmp" && apt-get -q -o DPkg::Lock::Timeout=900 download prometheus prometheus-alertmanager \
          && dpkg-deb -x prometheus_*.deb x && dpkg-deb -x prometheus-alertmanager_*.deb x \
          && install -m 0755 x/usr/bin/promtool x/usr/bin/prometheus \
               x/usr/bin/prometheus-alertmanager x/usr/bin/amtool /usr/local/bin/ \
          && mkdir -p /usr/share/prometheus \
          && cp -r x/usr/share/prometheus/alertmanager /usr/share/prometheus/ )
      rm -rf "$tmp"
    fi
  fi
fi

step "python virtual environment $VENV (film-kiosk$EXTRAS)"
if [ ! -x "$VENV/bin/python" ]; then python3 -m venv "$VENV"; fi
# One stamp per profile; the test profile's environment has everything the runtime one has.
stamp="$VENV/.kiosk-installed-$PROFILE"
[ "$PROFILE" = runtime ] && [ -f "$VENV/.kiosk-installed-test" ] && stamp="$VENV/.kiosk-installed-test"
if [ ! -f "$stamp" ] || [ "$ROOT/pyproject.toml" -nt "$stamp" ]; then
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check --upgrade pip
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check -e "$ROOT$EXTRAS"
  touch "$stamp"
else
  echo "up to date"
fi
step "setup done ($PROFILE)"
