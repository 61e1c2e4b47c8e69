#!/usr/bin/env bash
# package-test.sh - the Debian package, end to end, on this machine (CI step of scripts/test.sh):
#
#   1. build the .deb (installer/deb/build-deb.sh) and check it with lintian (no errors)
#   2. install it with apt-get (dependencies from apt, nothing else downloaded), `kiosk --version`
#   3. `kiosk setup --non-interactive` pointed at the test servers (Orthanc, cupsd's KioskPDF,
#      dcmprscp), then `kiosk selftest --json` as the kiosk user: no check may fail
#   4. a demo print through the installed program (`kiosk print DEMO0001 --demo`)
#   5. a pending print job put in the database; a newer build installed over the old one: the
#      job, the configuration and the data survive, the database is at the newest schema
#   6. remove keeps configuration and data; purge removes them, the kiosk user and group: the
#      machine is as it was before (users, groups, the package's paths, /opt, no file of the
#      kiosk's uid left anywhere)
#   7. the systemd units of the .deb: `systemd-analyze verify`, and `security --offline` with
#      kiosk-health.service at most 4.0; the health server runs as the unit would run it
#      (read-only system but its folders, no new privileges, no writable+executable memory)
#   8. piuparts (installer/deb/piuparts.sh): install/purge and install old -> upgrade -> purge
#      in fresh Debian 12 chroots
#
# Needs the test servers (scripts/services.sh start; env file $KIOSK_SERVICES_ENV) and root.
# Starts no service: policy-rc.d blocks invoke-rc.d, and postinst starts nothing without systemd.
# Env: KEEP_PACKAGE=1 leaves the package installed at the end (debugging).
#      PIUPARTS=0 skips step 8 (debugging only: CI runs it).
set -euo pipefail
# The installed program, not a development environment that may come first on PATH.
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ENV_FILE=${KIOSK_SERVICES_ENV:-/tmp/kiosk-services/env.sh}
PKG=film-kiosk
CONFIG=/etc/kiosk/kiosk.toml
DB=/var/lib/kiosk/kiosk.db
T0=$(date +%s)
step() { echo; echo "=== package-test: $* ($(date +%T), +$(( $(date +%s) - T0 )) s)"; }
die() { echo "package-test: FAILED: $*" >&2; exit 1; }
as_kiosk() { runuser -u kiosk -- env -i PATH=/usr/bin:/bin HOME=/var/lib/kiosk LANG=C.UTF-8 \
  no_proxy='*' NO_PROXY='*' "$@"; }
job_row() { # the CI job as the installed program's Python reads it: id|state|units|pending
  as_kiosk /usr/lib/film-kiosk/bin/python -c 'import sqlite3, sys
row = sqlite3.connect(sys.argv[1]).execute(
    "select id, state, units_total, (select count(*) from print_units u"
    " where u.job_id = j.id and u.state = ?) from print_jobs j where item_key = ?",
    ("pending", "ci:upgrade")).fetchone()
print("|".join(map(str, row)) if row else "none")' "$DB"
}
apt_install() {
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
    -o DPkg::Lock::Timeout=600 -o Dpkg::Options::=--force-confold "$@"
}

[ "$(id -u)" = 0 ] || die "run as root (it installs a package)"
[ -f "$ENV_FILE" ] || die "$ENV_FILE missing: bash scripts/services.sh start"
# shellcheck disable=SC1090
. "$ENV_FILE"
command -v lintian > /dev/null || die "lintian is not installed (scripts/setup.sh installs it)"
command -v systemd-analyze > /dev/null || die "systemd-analyze is not installed (package systemd)"
if dpkg-query -W -f='${Status}' "$PKG" 2>/dev/null | grep -q 'install ok'; then
  step "a previous $PKG is installed: purging it first"
  apt-get purge -y -q "$PKG" > /dev/null
fi
LEFTOVERS=(/etc/kiosk /var/lib/kiosk /var/cache/kiosk /var/log/kiosk /opt/film-kiosk)
leftover=$(for path in "${LEFTOVERS[@]}"; do [ -e "$path" ] && echo "$path"; done; true)
if getent passwd kiosk > /dev/null || getent group kiosk > /dev/null || [ -n "$leftover" ]; then
  # Older packages kept their user and folders on purge: a machine that ran this test before
  # has them. (The package is not installed here, so they are no one else's.)
  if getent passwd kiosk > /dev/null && [ "$(getent passwd kiosk | cut -d: -f6)" != /var/lib/kiosk ]; then
    die "a kiosk user that is not the package's exists: $(getent passwd kiosk)"
  fi
  step "the kiosk user and folders an older $PKG left behind: removing them"
  rm -rf "${LEFTOVERS[@]}"
  userdel kiosk 2>/dev/null || true
  groupdel kiosk 2>/dev/null || true
fi
# What the machine looks like without the package, compared after the purge.
PATHS=(/usr/lib/$PKG /usr/bin/kiosk /etc/kiosk /var/lib/kiosk /var/cache/kiosk /var/log/kiosk
  /etc/logrotate.d/$PKG /lib/systemd/system/kiosk.service /lib/systemd/system/kiosk-health.service
  /lib/udev/rules.d/70-film-kiosk.rules /usr/lib/modules-load.d/$PKG.conf /usr/share/doc/$PKG
  /usr/share/lintian/overrides/$PKG)
machine_state() {
  getent passwd | cut -d: -f1 | sort
  getent group | cut -d: -f1,4 | sort
  for path in /opt "${PATHS[@]}"; do [ -e "$path" ] && echo "present: $path"; done
  true
}
STATE_BEFORE=$(machine_state)
OUT=$(mktemp -d /tmp/kiosk-package-test.XXXXXX)
chmod 755 "$OUT"
LINTIAN_PID=
HEALTH_PID=
cleanup() {
  [ -n "$LINTIAN_PID" ] && kill "$LINTIAN_PID" 2>/dev/null
  [ -n "$HEALTH_PID" ] && kill "$HEALTH_PID" 2>/dev/null
  if [ "${KEEP_PACKAGE:-0}" != 1 ] && dpkg-query -W -f='${Status}' "$PKG" 2>/dev/null | grep -q 'ok installed'; then
    apt-get purge -y -q "$PKG" > /dev/null 2>&1 || true
  fi
  rm -rf "$OUT"
}
trap cleanup EXIT
APP_VERSION=$(sed -n 's/^__version__ = "\(.*\)"/\1/p' "$ROOT/kiosk_app/__init__.py")
V1="$APP_VERSION~ci1"
V2="$APP_VERSION"

step "build $PKG $V1"
VERSION=$V1 bash "$ROOT/installer/deb/build-deb.sh" "$OUT" > "$OUT/build1.log" 2>&1 \
  || { cat "$OUT/build1.log"; die "build of $V1"; }
DEB1=$(tail -1 "$OUT/build1.log")
grep '^===' "$OUT/build1.log"

step "the package's systemd units: systemd-analyze security --offline"
mkdir -p "$OUT/unpacked"
dpkg-deb --fsys-tarfile "$DEB1" | tar -x -C "$OUT/unpacked" ./lib/systemd/system ./usr/bin/kiosk
for unit in kiosk.service kiosk-health.service; do
  systemd-analyze security --offline=true --no-pager --root="$OUT/unpacked" "$unit" \
    > "$OUT/security-$unit.txt" 2>&1 || true
  grep -q 'Overall exposure level' "$OUT/security-$unit.txt" \
    || { cat "$OUT/security-$unit.txt"; die "systemd-analyze security $unit"; }
  grep -o 'Overall exposure level.*' "$OUT/security-$unit.txt"
done
exposure=$(sed -n 's/.*Overall exposure level for kiosk-health.service: \([0-9.]*\).*/\1/p' \
  "$OUT/security-kiosk-health.service.txt")
awk -v e="$exposure" 'BEGIN { exit !(e <= 4.0) }' \
  || { grep '✗' "$OUT/security-kiosk-health.service.txt"; die "kiosk-health.service exposure $exposure > 4.0"; }

step "lintian (in the background)"
lintian --tag-display-limit 0 "$DEB1" > "$OUT/lintian.log" 2>&1 &
LINTIAN_PID=$!

step "install $DEB1"
apt_install "$DEB1" > "$OUT/install1.log" 2>&1 || { cat "$OUT/install1.log"; die "install $V1"; }
grep '^film-kiosk:' "$OUT/install1.log" || true
[ -L /usr/bin/kiosk ] || die "/usr/bin/kiosk is missing"
got=$(kiosk --version)
[ "$got" = "kiosk $APP_VERSION" ] || die "kiosk --version said '$got'"
echo "kiosk --version: $got"
[ "$(stat -c '%U %a' "$CONFIG")" = "kiosk 600" ] || die "$CONFIG is not kiosk's, 0600"
/usr/lib/film-kiosk/bin/python -B - <<'EOF' || die "the screens' icons or translations are not installed"
from kiosk_app.ui.translations import I18N_DIR, LOCALES, REPO_ROOT, qm_path
wanted = [qm_path(locale) for locale in LOCALES] + [REPO_ROOT / "assets" / "ui" / "ready.svg"]
missing = [str(path) for path in wanted if not path.is_file()]
assert not missing, f"missing: {missing}"
print("screens' translations:", ", ".join(sorted(p.name for p in I18N_DIR.glob("*.qm"))))
EOF

step "systemd-analyze verify (the installed units)"
# (cage is only recommended; the screen unit runs it through /usr/bin/env)
if ! systemd-analyze verify /lib/systemd/system/kiosk.service /lib/systemd/system/kiosk-health.service \
    > "$OUT/verify.log" 2>&1; then
  cat "$OUT/verify.log"; die "systemd-analyze verify"
fi
if grep -E 'kiosk(-health)?\.service' "$OUT/verify.log"; then die "systemd-analyze verify warns of the units"; fi
echo "systemd-analyze verify: no complaint about the units"

step "kiosk setup --non-interactive (the test servers)"
kiosk setup --non-interactive --config "$CONFIG" \
  --kiosk-id ci-package-kiosk --cloud-url "$ORTHANC_DICOMWEB" \
  --cloud-username "$ORTHANC_USER" --cloud-password "$ORTHANC_PASSWORD" \
  --report-queue "$KIOSK_PDF_QUEUE" --film-backend dicom --film-ae-title "$PRINT_SCP_AET" \
  --film-host "$PRINT_SCP_HOST" --film-port "$PRINT_SCP_PORT" --scanner-backend keyboard \
  --nurse-pin 2468 --health-token ci-monitoring-token-0123456789 --health-bind 0.0.0.0
[ "$(stat -c '%U %a' "$CONFIG")" = "kiosk 600" ] || die "setup changed $CONFIG's owner or mode"

step "kiosk selftest --json (as the kiosk user)"
set +e
as_kiosk kiosk selftest --json > "$OUT/selftest.json"
rc=$?
set -e
cat "$OUT/selftest.json"
/usr/bin/python3 - "$OUT/selftest.json" "$rc" <<'EOF'
import json, sys
report = json.load(open(sys.argv[1]))
names = {c["name"]: c["level"] for c in report["checks"]}
failed = [n for n, level in names.items() if level == "fail"]
assert not failed, f"failed checks: {failed}"
for name in ("cloud", "report_printer", "film_printer", "disk", "clock", "monitoring"):
    assert names.get(name) == "ok", f"{name}: {names.get(name)}"
assert int(sys.argv[2]) == {"ok": 0, "warn": 6}[report["worst"]], "exit code vs worst"
print(f"selftest: {report['worst']}, exit {sys.argv[2]}")
EOF

step "the health server as its unit runs it (read-only system, no W+X memory, no new privileges)"
# No systemd runs here to start the unit: its sandbox, emulated. A private mount namespace where
# / is read-only but the unit's State-, Cache- and LogsDirectory and a private /tmp; the kiosk
# user without capabilities or new privileges; MemoryDenyWriteExecute as the kernel's MDWE.
# A write anywhere else, or code that needs writable executable memory, breaks it here first.
# In a chroot (fresh-machine.sh) / is no mount point: no private mount namespace can be made
# there (unshare: "cannot change root filesystem propagation"), and a bind mount would reach the
# host's namespace. There the read-only system is not emulated; the rest is.
: > "$OUT/health.out"
namespace=(unshare --mount --propagation private --)
RO_ROOT=1
if ! mountpoint -q /; then
  namespace=()
  RO_ROOT=0
  echo "/ is not a mount point (a chroot): the read-only system is not emulated here"
fi
RO_ROOT=$RO_ROOT "${namespace[@]}" sh -c '
  if [ "$RO_ROOT" = 1 ]; then
    for d in /var/lib/kiosk /var/cache/kiosk /var/log/kiosk; do mount --bind "$d" "$d"; done
    mount -t tmpfs -o mode=1777 tmpfs /tmp
    mount -o remount,bind,ro /
  fi
  exec setpriv --reuid=kiosk --regid=kiosk --init-groups --no-new-privs --bounding-set=-all \
    env -i PATH=/usr/bin:/bin HOME=/var/lib/kiosk LANG=C.UTF-8 no_proxy="*" NO_PROXY="*" \
    KIOSK_CONFIG=/etc/kiosk/kiosk.toml XDG_CACHE_HOME=/var/cache/kiosk \
    KIOSK_HEALTH__BIND=127.0.0.1 KIOSK_HEALTH__PORT=0 \
    /usr/bin/python3 -c "
import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
if libc.prctl(65, 1, 0, 0, 0):  # PR_SET_MDWE, PR_MDWE_REFUSE_EXEC_GAIN: inherited, kept on exec
    sys.exit(\"PR_SET_MDWE: \" + os.strerror(ctypes.get_errno()))
os.umask(0o077)
os.execv(sys.argv[1], sys.argv[1:])" /usr/bin/kiosk health-server
' > "$OUT/health.out" 2>&1 &
HEALTH_PID=$!
port=
for _ in $(seq 1 120); do
  port=$(sed -n 's/^health endpoint on 127.0.0.1:\([0-9]*\)$/\1/p' "$OUT/health.out")
  [ -n "$port" ] && break
  kill -0 "$HEALTH_PID" 2>/dev/null || break
  sleep 0.5
done
[ -n "$port" ] || { cat "$OUT/health.out"; die "the sandboxed health server did not listen"; }
status=$(curl -s -o "$OUT/status.json" -w '%{http_code}' --noproxy '*' \
  -H "Authorization: Bearer ci-monitoring-token-0123456789" "http://127.0.0.1:$port/status")
healthz=$(curl -s -o /dev/null -w '%{http_code}' --noproxy '*' "http://127.0.0.1:$port/healthz")
sleep 2  # a round of the background tasks (prefetch, outbox) in the sandbox
kill -0 "$HEALTH_PID" 2>/dev/null || { cat "$OUT/health.out"; die "the sandboxed health server died"; }
kill -TERM "$HEALTH_PID"
wait "$HEALTH_PID" || { cat "$OUT/health.out"; die "the sandboxed health server did not stop cleanly"; }
HEALTH_PID=
if grep -Ei 'read-only file system|permission denied|Traceback' "$OUT/health.out"; then
  die "the sandboxed health server hit its sandbox"
fi
[ "$healthz" = 200 ] && [ "$status" = 200 ] || { cat "$OUT/health.out"; die "/healthz $healthz, /status $status"; }
/usr/bin/python3 -c 'import json, sys; s = json.load(open(sys.argv[1])); print("sandboxed health server: /healthz 200, /status 200, kiosk", s.get("kiosk_id"))' "$OUT/status.json"

step "demo print through the installed program"
as_kiosk kiosk print DEMO0001 --demo --json > "$OUT/print.json" || { cat "$OUT/print.json"; die "kiosk print"; }
/usr/bin/python3 - "$OUT/print.json" <<'EOF'
import json, sys
summary = json.load(open(sys.argv[1]))
states = [(i["kind"], i["state"]) for i in summary["items"]]
assert states and all(s == "delivered" for _, s in states), states
print("demo print:", states)
EOF
pdfs=$(find /var/lib/kiosk/.local/share/kiosk/demo/output -name '*.pdf' | wc -l)
[ "$pdfs" -ge 1 ] || die "the demo print wrote no PDF"
echo "demo output: $pdfs PDF(s)"

step "a pending job in the database"
as_kiosk /usr/lib/film-kiosk/bin/python - "$DB" <<'EOF'
import sys
from pathlib import Path
from kiosk_app.store import Store
from kiosk_app.store.tables import PrintJob, PrintUnit
store = Store.open(Path(sys.argv[1]))
with store.session() as s:
    job = PrintJob(item_key="ci:upgrade", kind="film", study_uid="2.25.4711", printer="KIOSKPRINT",
                   state="paused", reason="media-jam-error", units_total=3, attention="film jam")
    job.units = [PrintUnit(index=i, state="confirmed" if i == 0 else "pending") for i in range(3)]
    s.add(job)
store.close()
EOF
job_before=$(job_row)
echo "job before: $job_before"
[ "$job_before" != none ] || die "the pending job was not recorded"
config_before=$(sha256sum "$CONFIG" | cut -d' ' -f1)
jobs_before=$(as_kiosk kiosk status --json | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["components"]["queue"]["jobs_by_state"])')
echo "kiosk status before: $jobs_before"

step "build $PKG $V2 and install it over $V1"
VERSION=$V2 bash "$ROOT/installer/deb/build-deb.sh" "$OUT" > "$OUT/build2.log" 2>&1 \
  || { cat "$OUT/build2.log"; die "build of $V2"; }
DEB2=$(tail -1 "$OUT/build2.log")
apt_install "$DEB2" > "$OUT/install2.log" 2>&1 || { cat "$OUT/install2.log"; die "upgrade to $V2"; }
grep '^film-kiosk:' "$OUT/install2.log" || true
[ "$(dpkg-query -W -f='${Version}' "$PKG")" = "$V2" ] || die "the installed version is not $V2"
[ "$(sha256sum "$CONFIG" | cut -d' ' -f1)" = "$config_before" ] || die "the configuration changed"
[ "$(stat -c '%U %a' "$CONFIG")" = "kiosk 600" ] || die "the upgrade changed $CONFIG's owner or mode"
job_after=$(job_row)
echo "job after:  $job_after"
[ "$job_after" = "$job_before" ] || die "the pending job changed across the upgrade"
jobs_after=$(as_kiosk kiosk status --json | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["components"]["queue"]["jobs_by_state"])')
echo "kiosk status after: $jobs_after"
[ "$jobs_after" = "$jobs_before" ] || die "kiosk status counts changed across the upgrade"
as_kiosk /usr/lib/film-kiosk/bin/python - "$DB" <<'EOF'
import sqlite3, sys
from alembic.config import Config
from alembic.script import ScriptDirectory
import kiosk_app.store as store
from pathlib import Path
heads = set(ScriptDirectory(str(Path(store.__file__).parent / "migrations")).get_heads())
have = {r[0] for r in sqlite3.connect(sys.argv[1]).execute("select version_num from alembic_version")}
assert have == heads, (have, heads)
print("database schema at the newest revisions:", ", ".join(sorted(have)))
EOF
grep -q 'ci-package-kiosk' "$CONFIG" || die "the kiosk id is gone from $CONFIG"
as_kiosk kiosk selftest > /dev/null || [ $? = 6 ] || die "selftest fails after the upgrade"

step "remove keeps configuration and data; purge removes them"
apt-get remove -y -q "$PKG" > /dev/null
[ -f "$CONFIG" ] && [ -f "$DB" ] || die "remove deleted the configuration or the database"
[ ! -e /usr/bin/kiosk ] && [ ! -e /usr/lib/film-kiosk ] || die "remove left the program behind"
getent passwd kiosk > /dev/null || die "remove deleted the kiosk user"
KIOSK_UID=$(id -u kiosk)
KIOSK_GID=$(id -g kiosk)
apt-get purge -y -q "$PKG" > /dev/null
[ ! -e /etc/kiosk ] && [ ! -e "$DB" ] && [ ! -e /var/log/kiosk ] || die "purge left data behind"
! getent passwd kiosk > /dev/null || die "purge left the kiosk user"
! getent group kiosk > /dev/null || die "purge left the kiosk group"
STATE_AFTER=$(machine_state)
if [ "$STATE_AFTER" != "$STATE_BEFORE" ]; then
  diff <(echo "$STATE_BEFORE") <(echo "$STATE_AFTER") || true
  die "the machine is not as it was before the package (users, groups, paths, /opt)"
fi
left=$(find / -xdev \( -uid "$KIOSK_UID" -o -gid "$KIOSK_GID" \) -not -path '/proc/*' 2>/dev/null | head -20)
[ -z "$left" ] || { echo "$left"; die "files of the purged kiosk user (uid $KIOSK_UID) are left"; }
echo "purge: no kiosk user or group, no file of uid $KIOSK_UID, the package's paths gone, /opt as before"

step "lintian"
wait "$LINTIAN_PID" || true
LINTIAN_PID=
sed -n '/^[EW]:/p' "$OUT/lintian.log"
errors=$(grep -c '^E:' "$OUT/lintian.log" || true)
[ "$errors" = 0 ] || die "lintian: $errors error(s)"
echo "lintian: no errors ($(grep -c '^W:' "$OUT/lintian.log" || true) warnings)"

if [ "${PIUPARTS:-1}" != 0 ]; then
  step "piuparts: install/purge, install $V1 -> upgrade to $V2 -> purge"
  bash "$ROOT/installer/deb/piuparts.sh" "$DEB1" "$DEB2" || die "piuparts"
fi

echo
echo "package-test: all passed in $(( $(date +%s) - T0 )) s"
