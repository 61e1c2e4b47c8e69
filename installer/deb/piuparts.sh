#!/usr/bin/env bash
# piuparts.sh - Debian's piuparts on the film-kiosk package, in fresh Debian 12 chroots:
#
#   1. install NEW.deb -> purge: nothing left that dpkg does not know of, nothing removed that
#      was there before (such as /opt), no process left running
#   2. install OLD (from a local repository, as apt would from the archive) -> upgrade to
#      NEW.deb -> purge, with the same checks
#   after every purge, installer/deb/piuparts-scripts/post_purge_*: no kiosk user or group left
#   (piuparts does not compare /etc/passwd and /etc/group itself), /opt still there
#
# Usage: bash installer/deb/piuparts.sh OLD.deb NEW.deb         (as root; scripts/package-test.sh)
# Env:   KIOSK_PIUPARTS_CACHE=DIR  the base chroot tarball, kept between runs (default
#                                  /var/cache/film-kiosk-piuparts): Debian 12 minbase with the
#                                  package's Depends, rebuilt when they change or after 7 days,
#                                  so that a test downloads only updates
#        PIUPARTS_LOG=FILE         piuparts' whole log (default: a temporary file, shown on failure)
# Needs: piuparts, debootstrap (scripts/setup.sh) and the Debian mirror of /etc/apt/sources.list*.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
OLD=$(realpath "$1")
NEW=$(realpath "$2")
CACHE=${KIOSK_PIUPARTS_CACHE:-/var/cache/film-kiosk-piuparts}
DIST=bookworm
step() { echo "=== piuparts: $* ($(date +%T))"; }
die() { echo "piuparts.sh: FAILED: $*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "run as root (piuparts makes chroots)"
command -v piuparts > /dev/null && command -v debootstrap > /dev/null \
  || die "piuparts and debootstrap are not installed (scripts/setup.sh installs them)"
# The host's Debian mirror (deb822 first, then one-line sources).
MIRROR=$(awk '/^URIs:/ && $2 ~ /debian\/?$/ {print $2; exit}' /etc/apt/sources.list.d/*.sources 2>/dev/null || true)
if [ -z "$MIRROR" ]; then
  MIRROR=$(awk '$1 == "deb" && $3 == "'$DIST'" {print $2; exit}' /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null || true)
fi
MIRROR=${MIRROR:-http://deb.debian.org/debian}

WORK=$(mktemp -d /tmp/film-kiosk-piuparts.XXXXXX)
chmod 755 "$WORK"
trap 'rm -rf --one-file-system "$WORK"' EXIT
LOG=${PIUPARTS_LOG:-$WORK/piuparts.log}

# 1. The base chroot: minbase with the package's dependencies already in it (their names from
#    the .deb's Depends), so that each test installs film-kiosk itself and downloads nothing else.
deps=$(dpkg-deb -f "$NEW" Depends | tr ',' '\n' | sed 's/(.*)//; s/|.*//; s/ //g' | sort -u | paste -sd,)
key=$(printf '%s %s %s' "$DIST" "$MIRROR" "$deps" | sha256sum | cut -c1-12)
BASE=$CACHE/$DIST-$key.tar.gz
if [ -z "$(find "$BASE" -mtime -7 2>/dev/null)" ]; then
  step "base chroot: debootstrap --variant=minbase $DIST with the Depends ($MIRROR)"
  mkdir -p "$CACHE"
  root=$WORK/base
  debootstrap --variant=minbase --include="$deps" "$DIST" "$root" "$MIRROR" \
    > "$WORK/debootstrap.log" 2>&1 || { tail -20 "$WORK/debootstrap.log"; die "debootstrap"; }
  rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*_Packages
  tar -C "$root" -czf "$BASE.tmp" .
  rm -rf --one-file-system "$root"
  find "$CACHE" -maxdepth 1 -name "$DIST-*.tar.gz" -delete
  mv "$BASE.tmp" "$BASE"
fi
echo "base chroot: $BASE ($(du -h "$BASE" | cut -f1))"

# 2. OLD in a local repository, where apt-get in the chroot finds it as the archive's version.
repo=$WORK/repo
mkdir -p "$repo"
cp "$OLD" "$repo/"
{
  dpkg-deb -f "$OLD"
  echo "Filename: ./$(basename "$OLD")"
  echo "Size: $(stat -c %s "$OLD")"
  echo "SHA256: $(sha256sum "$OLD" | cut -d' ' -f1)"
  echo
} > "$repo/Packages"
chmod -R a+rX "$repo"

step "install/purge of $(basename "$NEW"); install $(basename "$OLD") -> upgrade -> purge"
set +e
piuparts --distribution="$DIST" --mirror="$MIRROR" --basetgz="$BASE" \
  --bindmount="$repo" --extra-repo="deb [trusted=yes] file://$repo ./" \
  --scriptsdir="$HERE/piuparts-scripts" --tmpdir="$WORK" \
  --log-file="$LOG" "$NEW" > "$WORK/piuparts.out" 2>&1
rc=$?
set -e
# The verdicts: one line per test, and what the custom script said after each purge.
grep -E 'INFO: (PASS|FAIL)|ERROR:|^  (Setting up film-kiosk|Unpacking film-kiosk|film-kiosk: purge|FAIL: )' "$LOG" \
  | sed -E 's/^[0-9]+m[0-9.]+s (INFO: )?//; s/^  //'
if [ "$rc" != 0 ]; then
  tail -60 "$LOG"
  die "piuparts (exit $rc; the whole log: $LOG, kept only with PIUPARTS_LOG=FILE)"
fi
tail -1 "$LOG"
