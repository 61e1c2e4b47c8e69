#!/usr/bin/env bash
# build-deb.sh - build the film-kiosk Debian package with dpkg-deb (no debhelper needed).
#
#   /usr/lib/film-kiosk        a virtual environment with the kiosk and every Python dependency,
#                          built here from the repository (wheels from PyPI at BUILD time only;
#                          installing the .deb downloads nothing beyond its apt dependencies)
#   /usr/bin/kiosk         -> /usr/lib/film-kiosk/bin/kiosk
#   /etc/kiosk/kiosk.toml  the configuration (a conffile: kept on upgrades)
#   /etc/logrotate.d/film-kiosk, /lib/systemd/system/kiosk{,-health}.service,
#   /lib/udev/rules.d/70-film-kiosk.rules, /usr/lib/modules-load.d/film-kiosk.conf (the device
#   classes kiosk.service may open), maintainer scripts (installer/deb/post*, prerm)
#
# Usage: bash installer/deb/build-deb.sh [OUTDIR]          (prints the .deb's path last)
# Env:   VERSION=0.1.0+ci2    package version (default: kiosk_app.__version__)
#        KIOSK_DEB_CACHE=DIR  where the dependency environment is kept between builds, rebuilt
#                             when pyproject.toml changes (default /var/cache/film-kiosk-build)
# Needs: python3.11 with venv, gcc and libcups2-dev (pycups), dpkg-deb (scripts/setup.sh).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
HERE="$ROOT/installer"
OUT=${1:-$ROOT/dist}
PKG=film-kiosk
PREFIX=/usr/lib/film-kiosk
APP_VERSION=$(sed -n 's/^__version__ = "\(.*\)"/\1/p' "$ROOT/kiosk_app/__init__.py")
VERSION=${VERSION:-$APP_VERSION}
CACHE=${KIOSK_DEB_CACHE:-/var/cache/film-kiosk-build}
PY=/usr/bin/python3.11  # Debian's, which the package depends on (not a pyenv one on PATH)
step() { echo "=== build-deb: $* ($(date +%T))"; }

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
STAGE=$WORK/root
VENV=$STAGE$PREFIX

# 1. The dependencies: one environment in the cache, rebuilt only when pyproject.toml changes.
stamp=$(sha256sum "$ROOT/pyproject.toml" | cut -c1-16)
if [ ! -f "$CACHE/venv/.stamp-$stamp" ]; then
  step "dependency environment (pyproject.toml changed or first build)"
  rm -rf "$CACHE/venv"
  mkdir -p "$CACHE"
  "$PY" -m venv "$CACHE/venv"
  "$CACHE/venv/bin/python" -m pip install -q --disable-pip-version-check --upgrade pip setuptools
  "$CACHE/venv/bin/python" -m pip install -q --disable-pip-version-check "$ROOT[hardware]"
  "$CACHE/venv/bin/python" -m pip uninstall -q -y film-kiosk
  touch "$CACHE/venv/.stamp-$stamp"
fi
step "stage $PKG $VERSION"
mkdir -p "$STAGE$(dirname $PREFIX)"
cp -a "$CACHE/venv" "$VENV"
rm -f "$VENV"/.stamp-*

# 2. The kiosk itself (a wheel of this checkout, no dependencies: they are in place).
"$VENV/bin/python" -m pip install -q --disable-pip-version-check --no-deps --no-build-isolation \
  --no-compile "$ROOT"
# The demo archive, where settings.DEMO_ARCHIVE finds it (<site-packages>/assets/demo/archive),
# and the screens' icons and compiled translations (<site-packages>/assets/ui, assets/i18n: see
# kiosk_app/ui/screens/common.py and kiosk_app/ui/translations.py; the .ts stay in the source).
site=$("$VENV/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
mkdir -p "$site/assets/demo" "$site/assets/ui" "$site/assets/i18n"
cp -a "$ROOT/assets/demo/archive" "$site/assets/demo/"
cp -a "$ROOT"/assets/ui/*.svg "$site/assets/ui/"
cp -a "$ROOT"/assets/i18n/*.qm "$site/assets/i18n/"
# The voice prompts, where settings.VOICE_PROMPTS finds them (<site-packages>/assets/voice).
mkdir -p "$site/assets/voice"
cp -a "$ROOT/assets/voice/zh_CN" "$ROOT/assets/voice/en" "$site/assets/voice/"

# 3. Relocate: the environment was built at $VENV, it runs at $PREFIX.
grep -rlI --null -F "$VENV" "$VENV/bin" "$VENV/pyvenv.cfg" | xargs -0 -r sed -i "s#$VENV#$PREFIX#g"
grep -rlI --null -F "$CACHE/venv" "$VENV/bin" "$VENV/pyvenv.cfg" | xargs -0 -r sed -i "s#$CACHE/venv#$PREFIX#g"
if grep -rlI -F "$WORK" "$VENV" | head -1 | grep -q .; then
  echo "build-deb: build paths left in the environment:" >&2; grep -rlI -F "$WORK" "$VENV" | head >&2; exit 1
fi
# Byte-code is compiled by postinst (and removed by prerm), as Debian's Python packages do.
find "$VENV" -type d -name __pycache__ -prune -exec rm -rf {} +
find "$VENV" -name '*.pyc' -delete
# Shared objects are loaded, not run (wheels ship some with the executable bit).
find "$VENV" -type f -name '*.so*' -perm /111 -exec chmod a-x {} +

# 4. The system files.
install -d "$STAGE/usr/bin" "$STAGE/etc/kiosk" "$STAGE/etc/logrotate.d" \
  "$STAGE/lib/systemd/system" "$STAGE/lib/udev/rules.d" "$STAGE/usr/lib/modules-load.d" \
  "$STAGE/usr/share/doc/$PKG" \
  "$STAGE/usr/share/lintian/overrides" "$STAGE/DEBIAN"
ln -s "$PREFIX/bin/kiosk" "$STAGE/usr/bin/kiosk"
install -m 0644 "$HERE/etc/kiosk.toml" "$STAGE/etc/kiosk/kiosk.toml"
install -m 0644 "$HERE/etc/logrotate" "$STAGE/etc/logrotate.d/$PKG"
install -m 0644 "$HERE/systemd/kiosk.service" "$HERE/systemd/kiosk-health.service" \
  "$STAGE/lib/systemd/system/"
install -m 0644 "$HERE/udev/70-film-kiosk.rules" "$STAGE/lib/udev/rules.d/"
install -m 0644 "$HERE/modules-load/film-kiosk.conf" "$STAGE/usr/lib/modules-load.d/$PKG.conf"
install -m 0644 "$ROOT/README.md" "$ROOT/docs/configuration.md" "$STAGE/usr/share/doc/$PKG/"
install -m 0644 "$HERE/deb/copyright" "$STAGE/usr/share/doc/$PKG/copyright"
install -m 0644 "$HERE/deb/lintian-overrides" "$STAGE/usr/share/lintian/overrides/$PKG"
{
  echo "$PKG ($VERSION) stable; urgency=medium"
  echo
  echo "  * Built from $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo 'a source tree')."
  echo
  echo " -- Film Kiosk Team <kiosk@hospital.example>  $(date -R)"
} | gzip -9n > "$STAGE/usr/share/doc/$PKG/changelog.gz"
chmod 0644 "$STAGE/usr/share/doc/$PKG/changelog.gz"

install -m 0755 "$HERE/deb/postinst" "$HERE/deb/prerm" "$HERE/deb/postrm" "$STAGE/DEBIAN/"
echo /etc/kiosk/kiosk.toml > "$STAGE/DEBIAN/conffiles"
echo "/etc/logrotate.d/$PKG" >> "$STAGE/DEBIAN/conffiles"
size=$(du -sk --exclude=DEBIAN "$STAGE" | cut -f1)
sed -e "s/@VERSION@/$VERSION/" -e "s/@SIZE@/$size/" "$HERE/deb/control.in" > "$STAGE/DEBIAN/control"
(cd "$STAGE" && find . -path ./DEBIAN -prune -o -type f -print0 | sort -z \
  | xargs -0 md5sum | sed 's# \./# #') > "$STAGE/DEBIAN/md5sums"
chmod 0644 "$STAGE/DEBIAN/control" "$STAGE/DEBIAN/conffiles" "$STAGE/DEBIAN/md5sums"

# 5. The package (xz at a low level: Debian's official compressors are gz and xz; level 1 keeps
#    a 600 MB tree to a few seconds with dpkg-deb's threads).
step "dpkg-deb --build"
mkdir -p "$OUT"
deb="$OUT/${PKG}_${VERSION}_amd64.deb"
dpkg-deb --root-owner-group -Zxz -z1 --build "$STAGE" "$deb" > /dev/null
step "built $(du -h "$deb" | cut -f1) $deb"
echo "$deb"
