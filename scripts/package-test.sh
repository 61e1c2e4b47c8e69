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
#   6. remove keeps configuration and data; purge removes them
#
# Needs the test servers (scripts/services.sh start; env file $KIOSK_SERVICES_ENV) and root.
# Starts no service: policy-rc.d blocks invoke-rc.d, and postinst starts nothing without systemd.
# Env: KEEP_PACKAGE=1 leaves the package installed at the end (debugging).
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
if dpkg-query -W -f='${Status}' "$PKG" 2>/dev/null | grep -q 'install ok'; then
  step "a previous $PKG is installed: purging it first"
  apt-get purge -y -q "$PKG" > /dev/null
fi
OUT=$(mktemp -d /tmp/kiosk-package-test.XXXXXX)
chmod 755 "$OUT"
LINTIAN_PID=
cleanup() {
  [ -n "$LINTIAN_PID" ] && kill "$LINTIAN_PID" 2>/dev/null
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
apt-get purge -y -q "$PKG" > /dev/null
[ ! -e /etc/kiosk ] && [ ! -e "$DB" ] && [ ! -e /var/log/kiosk ] || die "purge left data behind"

step "lintian"
wait "$LINTIAN_PID" || true
LINTIAN_PID=
sed -n '/^[EW]:/p' "$OUT/lintian.log"
errors=$(grep -c '^E:' "$OUT/lintian.log" || true)
[ "$errors" = 0 ] || die "lintian: $errors error(s)"
echo "lintian: no errors ($(grep -c '^W:' "$OUT/lintian.log" || true) warnings)"

echo
echo "package-test: all passed in $(( $(date +%s) - T0 )) s"
