#!/usr/bin/env bash
# services.sh - the real back-ends that integration and end-to-end tests talk to, on loopback only,
# without systemd (run as root).
#
#   bash scripts/services.sh start     start everything, wait until each answers, write $RUN/env.sh
#   bash scripts/services.sh stop      stop what `start` started (recorded PIDs only), remove queues
#   bash scripts/services.sh status    what is running; exit status 0 only if all of it answers
#   bash scripts/services.sh restart   stop, then start
#
# What `start` provides (then: . $RUN/env.sh):
#   cupsd     the system scheduler (/usr/sbin/cupsd -f; an already running one is reused),
#             socket /run/cups/cups.sock and localhost:631, with three queues:
#               KioskPDF   cups-pdf:/kiosk -> $KIOSK_PDF_OUT/*job_<id>.pdf
#               KioskFilm  jamsim:$RUN/jamsim (-m raw) -> $RUN/jamsim/out/job-<id>.bin; faults:
#                          echo jam|empty|door|offline|toner-low|ok > $RUN/jamsim/mode
#                          echo hold|stop|retry|fail|cancel         > $RUN/jamsim/policy
#               KioskIPP   ipp://127.0.0.1:$IPP_PORT/ipp/print (lpadmin -m everywhere): CUPS's
#                          own filters (pdftopdf) and ipp backend, in front of ippeveprinter
#   ippeveprinter  an IPP Everywhere greyscale film printer (cups-ipp-utils) on localhost:$IPP_PORT
#             with film sizes 8x10, 10x12, 11x14, 14x14, 14x17 in and A4 (no 10x14 in, 24x24 cm,
#             24x30 cm, A3), borderless; every document it gets (after CUPS's filters) lands in
#             $RUN/ippjam/out/<ns>-<n>-<title>.pdf beside its .attrs (its IPP job attributes);
#             faults: echo jam|empty|door|abort|abort-jam|toner-low|ok > $RUN/ippjam/mode
#             (scripts/ippjam.sh). It needs a D-Bus "system" bus for its Avahi client even with
#             -r off, so it gets a private dbus-daemon ($RUN/ipp-dbus.sock), never the real one.
#   Orthanc   DICOMweb + GDCM plugins, http://127.0.0.1:$ORTHANC_HTTP (auth), DICOM KIOSKPACS@$ORTHANC_DICOM
#   dcmprscp  dcmtk's Basic Grayscale Print SCP, AE KIOSKPRINT on port $PRINT_SCP_PORT; printed
#             films land in $RUN/dcmprscp/database as SP_*.dcm (Stored Print) + HG_*.dcm (images)
#   dcmprscp-implicit  a second one, AE KIOSKPRINTIMPL on $PRINT_SCP_IMPLICIT_PORT, started with
#             ImplicitOnly = true: it accepts only Implicit VR Little Endian, like older film
#             printers; films in $RUN/dcmprscp-implicit/database
#   PostgreSQL 15  the fleet's shared ledger ([fleet] database): a cluster of its own, initdb'd in
#             $RUN/postgres/data and run by pg_ctl as the postgres user (never Debian's own
#             cluster or service), on 127.0.0.1:$PG_PORT only (the first free port from 55432
#             unless PG_PORT says), TLS only (a self-signed certificate for 127.0.0.1,
#             $RUN/postgres/server.crt; plain TCP is rejected), scram-sha-256 passwords. Database
#             kiosk_fleet owned by the NOLOGIN role kiosk_fleet; PG_KIOSKS (10) login roles
#             kiosk_01.. (password <role>-secret), each a member of kiosk_fleet: one role per
#             kiosk, objects owned by the group. The superuser postgres has password
#             $PG_ADMIN_PASSWORD over TLS (tests make a database per test).
#
# Environment: ONLY=orthanc starts (and stops) just a private Orthanc, for a second RUN with its
#   own ports beside the shared servers; ONLY=postgres likewise just a private PostgreSQL. RUN (/tmp/kiosk-services), IPP_PORT (8631), ORTHANC_HTTP (8042), ORTHANC_DICOM (4242),
#   PRINT_SCP_PORT (10005), PRINT_SCP_IMPLICIT_PORT (10006), ORTHANC_USER / ORTHANC_PASSWORD (kiosk / kiosk-secret),
#   KIOSK_PDF_OUT (/var/spool/kiosk-pdf), KEEP_DATA=1 keeps the archive and print outputs of the
#   last run, READY_TIMEOUT (30 s per service), ORTHANC_LIMIT_FIND (0: none) caps the answers of
#   Orthanc's searches (LimitFindResults and LimitFindInstances) as some archives do, silently.
#
# Never runs CUPS device discovery (lpinfo -v): its snmp backend broadcasts off the machine.
set -euo pipefail
export no_proxy='*' NO_PROXY='*'

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
RUN=${RUN:-/tmp/kiosk-services}
ORTHANC_HTTP=${ORTHANC_HTTP:-8042}
ORTHANC_DICOM=${ORTHANC_DICOM:-4242}
PRINT_SCP_PORT=${PRINT_SCP_PORT:-10005}
PRINT_SCP_AET=KIOSKPRINT
PRINT_SCP_IMPLICIT_PORT=${PRINT_SCP_IMPLICIT_PORT:-10006}
PRINT_SCP_IMPLICIT_AET=KIOSKPRINTIMPL
ORTHANC_USER=${ORTHANC_USER:-kiosk}
ORTHANC_PASSWORD=${ORTHANC_PASSWORD:-kiosk-secret}
KIOSK_PDF_OUT=${KIOSK_PDF_OUT:-/var/spool/kiosk-pdf}
READY_TIMEOUT=${READY_TIMEOUT:-30}
ORTHANC_LIMIT_FIND=${ORTHANC_LIMIT_FIND:-0}
PG_PORT=${PG_PORT:-}
PG_KIOSKS=${PG_KIOSKS:-10}
PG_ADMIN_PASSWORD=${PG_ADMIN_PASSWORD:-postgres-secret}
PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
PG_DB=kiosk_fleet
PG_USER=postgres
IPP_PORT=${IPP_PORT:-8631}
CUPS_SOCKET=/run/cups/cups.sock
PDF_QUEUE=KioskPDF
FILM_QUEUE=KioskFilm
IPP_QUEUE=KioskIPP
IPP_URI=ipp://127.0.0.1:$IPP_PORT/ipp/print
CUPS_PDF_CONF=/etc/cups/cups-pdf-kiosk.conf
ORTHANC_PLUGINS=/usr/share/orthanc/plugins
# Every CUPS command below talks to the system scheduler over its socket (root is then trusted
# through the socket's peer credentials, which lpadmin needs).
export CUPS_SERVER=$CUPS_SOCKET

log() { echo "services: $*"; }
die() { echo "services: $*" >&2; exit 1; }
now() { date +%s.%N; }
since() { awk -v a="$(now)" -v b="$1" 'BEGIN { printf "%.2f", a - b }'; }

# ------------------------------------------------------------------------------------ processes
# The daemons are setsid'd orphans that PID 1 may reap late, so a stopped one can linger as a
# zombie: kill -0 would still succeed. Only a non-zombie process counts as alive.
alive() {
  local stat
  stat=$(ps -o stat= -p "$1" 2>/dev/null) || return 1
  [ -n "$stat" ] && [ "${stat:0:1}" != Z ]
}
recorded_pid() { # recorded_pid NAME: the PID start recorded for NAME, if that daemon still runs
  local pid exe args
  [ -f "$RUN/$1.pid" ] || return 1
  read -r pid exe < "$RUN/$1.pid" || true
  [ -n "${pid:-}" ] && alive "$pid" || return 1
  # the same program, not another process that got the PID after ours ended
  args=$(ps -o args= -p "$pid" 2>/dev/null) || return 1
  [ "${args%% *}" = "${exe:-}" ] || return 1
  echo "$pid"
}
start_bg() { # start_bg NAME EXE ARGS...: detached from this shell, output in $RUN/NAME.log
  # The daemon gets no descriptor but 0-2: one inherited from a caller (a `flock 9` around
  # `services.sh start`, a pytest pipe) would otherwise stay open as long as the daemon lives,
  # and every later flock on that file, or a reader waiting for EOF, would wait forever.
  local name=$1; shift
  (
    for fd in /proc/$BASHPID/fd/*; do
      fd=${fd##*/}
      [ "$fd" -gt 2 ] 2>/dev/null && eval "exec $fd>&-" 2>/dev/null
    done
    exec setsid "$@" > "$RUN/$name.log" 2>&1 < /dev/null
  ) &
  echo "$! $1" > "$RUN/$name.pid"
}
stop_recorded() { # stop_recorded NAME...: SIGTERM, up to 10 s grace, then SIGKILL
  local name pid i left
  local -a pids=() names=()
  for name in "$@"; do
    if pid=$(recorded_pid "$name"); then
      kill "$pid" 2>/dev/null && { pids+=("$pid"); names+=("$name"); }
    fi
    rm -f "$RUN/$name.pid"
  done
  [ ${#pids[@]} -gt 0 ] || return 0
  for _ in $(seq 100); do
    left=0
    for pid in "${pids[@]}"; do alive "$pid" && left=1; done
    [ $left = 0 ] && break
    sleep 0.1
  done
  for i in "${!pids[@]}"; do
    if alive "${pids[$i]}"; then
      kill -9 "${pids[$i]}" 2>/dev/null || true
      log "killed ${names[$i]} (pid ${pids[$i]}) after 10 s"
    else
      log "stopped ${names[$i]} (pid ${pids[$i]})"
    fi
  done
}
port_busy() { ss -Hltn "sport = :$1" | grep -q .; }
wait_ready() { # wait_ready NAME CMD...: poll CMD until it succeeds; fail early if NAME died
  local name=$1 t0 end
  shift
  t0=$(now)
  end=$(( $(date +%s) + READY_TIMEOUT ))
  until "$@" > /dev/null 2>&1; do
    if [ -f "$RUN/$name.pid" ] && ! recorded_pid "$name" > /dev/null; then
      tail -n 20 "$RUN/$name.log" >&2 || true
      die "$name exited during start-up (log: $RUN/$name.log)"
    fi
    [ "$(date +%s)" -lt "$end" ] || die "$name not ready after ${READY_TIMEOUT} s (log: $RUN/$name.log)"
    sleep 0.1
  done
  log "$name ready in $(since "$t0") s"
}
quietly() { # quietly CMD...: show the command's output only if it fails (lpadmin -m raw warns)
  local out
  if ! out=$("$@" 2>&1); then
    echo "$out" >&2
    die "failed: $*"
  fi
}

# ------------------------------------------------------------------------------------ checks
cupsd_up() { lpstat -r 2>/dev/null | grep -q 'is running'; }
orthanc_up() {
  curl -sf --noproxy '*' -m 2 -u "$ORTHANC_USER:$ORTHANC_PASSWORD" \
    "http://127.0.0.1:$ORTHANC_HTTP/system" > /dev/null
}
printscp_up() { # printscp_up [AET PORT]: the print SCP answers a C-ECHO
  # dcmtk's echoscu by absolute path: pynetdicom installs an `echoscu` that shadows it on PATH
  /usr/bin/echoscu -to 2 -aet KIOSKSCU -aec "${1:-$PRINT_SCP_AET}" 127.0.0.1 "${2:-$PRINT_SCP_PORT}"
}
implicit_printscp_up() { printscp_up "$PRINT_SCP_IMPLICIT_AET" "$PRINT_SCP_IMPLICIT_PORT"; }
queue_exists() { lpstat -p "$1" > /dev/null 2>&1; }
# ippeveprinter's own status page: ipptool's get-printer-attributes.test would fail on the
# document-format-supported it repeats when its attributes come from a file (-a).
ippeve_up() { curl -sf --noproxy '*' -m 2 -o /dev/null "http://127.0.0.1:$IPP_PORT/"; }
dbus_up() { [ -S "$RUN/ipp-dbus.sock" ]; }
pg_port() { cat "$RUN/postgres/port" 2>/dev/null; }
pg_up() {
  local port
  port=$(pg_port) || return 1
  "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$port" -d "$PG_DB" -t 2
}
pg_up_socket() { "$PG_BIN/pg_isready" -q -h "$RUN/postgres/sock" -p "$(pg_port)" -t 2; }

# ------------------------------------------------------------------------------------ services
start_cups() {
  local t0
  t0=$(now)
  if cupsd_up; then
    if recorded_pid cupsd > /dev/null; then
      log "cupsd: ours, already running"
    else
      log "cupsd: reusing the running system scheduler (not ours to stop)"
    fi
  else
    port_busy 631 && die "port 631 is busy but no cupsd answers on $CUPS_SOCKET"
    mkdir -p /run/cups
    start_bg cupsd /usr/sbin/cupsd -f
    wait_ready cupsd cupsd_up
  fi

  # film printer with faults on demand
  install -d -m 1777 "$RUN/jamsim" "$RUN/jamsim/out"
  echo ok > "$RUN/jamsim/mode"
  echo hold > "$RUN/jamsim/policy"
  echo 90 > "$RUN/jamsim/markers"
  chmod 0666 "$RUN/jamsim/mode" "$RUN/jamsim/policy" "$RUN/jamsim/markers"
  if [ ! -x /usr/lib/cups/backend/jamsim ]; then
    install -m 0755 -o root -g root "$ROOT/installer/cups/jamsim" /usr/lib/cups/backend/jamsim
  fi
  quietly lpadmin -p "$FILM_QUEUE" -E -v "jamsim:$RUN/jamsim" -m raw \
    -D "Kiosk film printer (jamsim)" -L loopback

  # report printer: cups-pdf instance "kiosk" reads /etc/cups/cups-pdf-<instance>.conf
  install -d -m 1777 "$KIOSK_PDF_OUT"
  local conf
  conf=$(printf 'Out %s\nLabel 2\nTitlePref 1\nUserUMask 0022\n' "$KIOSK_PDF_OUT")
  if [ "$(cat "$CUPS_PDF_CONF" 2>/dev/null)" != "$conf" ]; then
    printf '%s\n' "$conf" > "$CUPS_PDF_CONF"
  fi
  quietly lpadmin -p "$PDF_QUEUE" -E -v cups-pdf:/kiosk -m lsb/usr/cups-pdf/CUPS-PDF_opt.ppd \
    -D "Kiosk report printer (cups-pdf)" -L loopback

  local q
  for q in "$FILM_QUEUE" "$PDF_QUEUE"; do
    cancel -a "$q" 2> /dev/null || true   # jobs left over from an earlier run
    quietly cupsenable "$q"
    quietly cupsaccept "$q"
  done
  log "CUPS queues $PDF_QUEUE and $FILM_QUEUE ready in $(since "$t0") s"
}

# The film printer ippeveprinter pretends to be: its IPP attributes (an ipptool-format file for
# -a). Sizes in hundredths of mm; margins 0 (a film printer prints to the edge), so CUPS's
# generated PPD has only borderless sizes and never shrinks a page into a margin.
ippeve_attributes() {
  local sizes=(
    "na_govt-letter_8x10in 20320 25400"
    "oe_photo-10r_10x12in 25400 30480"
    "na_edp_11x14in 27940 35560"
    "oe_14x14_14x14in 35560 35560"
    "oe_14x17_14x17in 35560 43180"
    "iso_a4_210x297mm 21000 29700"
  )
  local entry name x y names="" cols="" dims="" margins
  margins="MEMBER integer media-bottom-margin 0 MEMBER integer media-left-margin 0"
  margins="$margins MEMBER integer media-right-margin 0 MEMBER integer media-top-margin 0"
  for entry in "${sizes[@]}"; do
    read -r name x y <<< "$entry"
    names="$names${names:+,}$name"
    dims="$dims${dims:+,}{ MEMBER integer x-dimension $x MEMBER integer y-dimension $y }"
    cols="$cols${cols:+,}{ MEMBER keyword media-key $name MEMBER collection media-size { MEMBER integer x-dimension $x MEMBER integer y-dimension $y } MEMBER keyword media-size-name $name $margins }"
  done
  local film14x17="{ MEMBER keyword media-key oe_14x17_14x17in MEMBER collection media-size { MEMBER integer x-dimension 35560 MEMBER integer y-dimension 43180 } MEMBER keyword media-size-name oe_14x17_14x17in $margins }"
  cat << EOF
ATTR text printer-make-and-model "Kiosk FilmSim (ippeveprinter)"
ATTR boolean color-supported false
ATTR keyword print-color-mode-default monochrome
ATTR keyword print-color-mode-supported monochrome
ATTR mimeMediaType document-format-supported application/pdf,image/jpeg,image/png,application/octet-stream
ATTR keyword media-supported $names
ATTR keyword media-default oe_14x17_14x17in
ATTR keyword media-ready oe_14x17_14x17in,iso_a4_210x297mm
ATTR collection media-size-supported $dims
ATTR collection media-col-database $cols
ATTR collection media-col-default $film14x17
ATTR collection media-col-ready $film14x17
ATTR integer media-bottom-margin-supported 0
ATTR integer media-left-margin-supported 0
ATTR integer media-right-margin-supported 0
ATTR integer media-top-margin-supported 0
ATTR enum orientation-requested-supported 3,4
ATTR enum orientation-requested-default 3
ATTR keyword sides-supported one-sided
ATTR keyword sides-default one-sided
ATTR resolution printer-resolution-supported 300dpi
ATTR resolution printer-resolution-default 300dpi
ATTR keyword pwg-raster-document-type-supported sgray_8
ATTR resolution pwg-raster-document-resolution-supported 300dpi
ATTR keyword urf-supported V1.4,W8,RS300,CP1,IS1,MT1-3,OB10,PQ4
ATTR enum print-quality-supported 4
ATTR enum print-quality-default 4
EOF
}

start_ippeve() {
  local t0
  t0=$(now)
  port_busy "$IPP_PORT" && die "port $IPP_PORT is busy (another ippeveprinter?)"
  install -d -m 0777 "$RUN/ippjam" "$RUN/ippjam/out" "$RUN/ippeve-spool"
  echo ok > "$RUN/ippjam/mode"
  chmod 0666 "$RUN/ippjam/mode"
  mkdir -p "$RUN/ippeve"
  ippeve_attributes > "$RUN/ippeve/film-printer.conf"
  # ippeveprinter (CUPS 2.4) always creates an Avahi client, which needs a D-Bus "system" bus even
  # with -r off: a private bus for it alone. The real system bus would D-Bus-activate packagekitd,
  # polkitd and colord.
  rm -f "$RUN/ipp-dbus.sock"
  start_bg ipp-dbus /usr/bin/dbus-daemon --session --nofork --nopidfile \
    --address="unix:path=$RUN/ipp-dbus.sock"
  wait_ready ipp-dbus dbus_up
  # -n localhost: with -n 127.0.0.1 it exits ("Unable to create IPv6 listener"); it listens on
  # 127.0.0.1 and ::1 only. -a takes the place of -f/-m/-M (it may not be combined with them).
  DBUS_SYSTEM_BUS_ADDRESS="unix:path=$RUN/ipp-dbus.sock" IPPJAM_DIR="$RUN/ippjam" \
    start_bg ippeveprinter /usr/sbin/ippeveprinter -r off -n localhost -p "$IPP_PORT" \
    -d "$RUN/ippeve-spool" -k -a "$RUN/ippeve/film-printer.conf" -c "$ROOT/scripts/ippjam.sh" \
    -l loopback KioskIPP
  wait_ready ippeveprinter ippeve_up
  quietly lpadmin -p "$IPP_QUEUE" -E -v "$IPP_URI" -m everywhere \
    -D "Kiosk IPP Everywhere film printer (ippeveprinter)" -L loopback
  cancel -a "$IPP_QUEUE" 2> /dev/null || true
  quietly cupsenable "$IPP_QUEUE"
  quietly cupsaccept "$IPP_QUEUE"
  log "ippeveprinter and queue $IPP_QUEUE ready in $(since "$t0") s"
}

start_orthanc() {
  local p plugins
  case $ORTHANC_LIMIT_FIND in '' | *[!0-9]*) die "ORTHANC_LIMIT_FIND must be a whole number" ;; esac
  for p in "$ORTHANC_HTTP" "$ORTHANC_DICOM"; do
    port_busy "$p" && die "port $p is busy (another Orthanc?)"
  done
  mkdir -p "$RUN/orthanc/db"
  plugins="\"$ORTHANC_PLUGINS/libOrthancDicomWeb.so\""
  [ -e "$ORTHANC_PLUGINS/libOrthancDicomWeb.so" ] || die "orthanc-dicomweb is not installed"
  # GDCM decodes JPEG 2000 and JPEG-LS (without it /rendered of such images fails); one
  # decode at a time ("Throttling"): GDCM 3.0.21 crashed Orthanc (segfault in libgdcmMSFF)
  # transcoding JPEG Lossless instances for 8 WADO-RS requests at once, which this prevents
  # (JPEG 2000 still crashed it so; the kiosk asks for instances as stored, never transcoded)
  [ -e "$ORTHANC_PLUGINS/libOrthancGdcm.so" ] && plugins="$plugins, \"$ORTHANC_PLUGINS/libOrthancGdcm.so\""
  cat > "$RUN/orthanc/orthanc.json" << EOF
{
  "Name" : "KIOSK-TEST-PACS",
  "StorageDirectory" : "$RUN/orthanc/db",
  "IndexDirectory" : "$RUN/orthanc/db",
  "Plugins" : [ $plugins ],
  "HttpPort" : $ORTHANC_HTTP,
  "DicomAet" : "KIOSKPACS",
  "DicomPort" : $ORTHANC_DICOM,
  "RemoteAccessAllowed" : false,
  "AuthenticationEnabled" : true,
  "RegisteredUsers" : { "$ORTHANC_USER" : "$ORTHANC_PASSWORD" },
  "DicomAlwaysAllowEcho" : true,
  "DicomAlwaysAllowStore" : true,
  "DicomAlwaysAllowFind" : true,
  "DicomModalities" : {},
  "OrthancPeers" : {},
  "HttpProxy" : "",
  "DefaultEncoding" : "Utf8",
  "UserMetadata" : { "KioskPrinted" : 1024, "KioskPrintedAt" : 1025, "KioskPrintCount" : 1026 },
  "StableAge" : 5,
  "LimitFindResults" : $ORTHANC_LIMIT_FIND,
  "LimitFindInstances" : $ORTHANC_LIMIT_FIND,
  "MetricsEnabled" : true,
  "OverwriteInstances" : true,
  "Gdcm" : { "Throttling" : 1 },
  "DicomWeb" : {
    "Enable" : true, "Root" : "/dicom-web/", "EnableWado" : true, "WadoRoot" : "/wado",
    "Host" : "127.0.0.1:$ORTHANC_HTTP", "Ssl" : false,
    "StudiesMetadata" : "Full", "SeriesMetadata" : "Full"
  }
}
EOF
  start_bg orthanc /usr/sbin/Orthanc "$RUN/orthanc/orthanc.json"
  wait_ready orthanc orthanc_up
}

start_printscp() { # start_printscp NAME AET PORT IMPLICIT_ONLY(true|false)
  local name=$1 aet=$2 port=$3 implicit_only=$4
  local d="$RUN/$name"
  port_busy "$port" && die "port $port is busy"
  mkdir -p "$d"/{database,spool,log,lut,reports}
  cat > "$d/dcmpstat.cfg" << EOF
[[GENERAL]]
[APPLICATION]
LogDirectory = $d/log
LogFile = dcmprscp.log
LogLevel = INFO
MessagePort = 0
KeepMessagePortOpen = false
[PRINT]
Spooler = dcmprscu
Server = dcmprscp
Directory = $d/spool
DetailedLog = true
BinaryLog = false
Sleep = 1
MinPrintResolution = 1024\\1024
MaxPrintResolution = 8192\\8192
DefaultIllumination = 2000
DefaultReflection = 10
DeletePrintJobs = false
AlwaysDeleteTerminateJobs = false
[DATABASE]
Directory = $d/database
[LUT]
Directory = $d/lut
[REPORT]
Directory = $d/reports
[NETWORK]
aetitle = KIOSKSCU
[[COMMUNICATION]]
[KIOSKFILM]
Aetitle = $aet
Description = Kiosk test film printer ($name)
Hostname = localhost
Port = $port
Type = LOCALPRINTER
MaxPDU = 65536
ImplicitOnly = $implicit_only
DisableNewVRs = false
DisplayFormat = 1,1\\1,2\\2,1\\2,2\\2,3\\3,3\\3,4\\4,4\\4,5
FilmSizeID = 8INX10IN\\10INX12IN\\10INX14IN\\11INX14IN\\14INX14IN\\14INX17IN\\24CMX24CM\\24CMX30CM
MediumType = PAPER\\CLEAR FILM\\BLUE FILM
FilmDestination = MAGAZINE\\PROCESSOR
MagnificationType = REPLICATE\\BILINEAR\\CUBIC\\NONE
SmoothingType = NONE
BorderDensity = 150\\20\\BLACK\\WHITE
EmptyImageDensity = 20\\BLACK\\WHITE
MaxDensity = 320
MinDensity = 20
ResolutionID = STANDARD\\HIGH
OmitSOPClassUIDFromCreateResponse = false
PresentationLUTMatchRequired = false
PresentationLUTinFilmSession = false
Supports12Bit = true
SupportsDecimateCrop = true
SupportsImageSize = true
SupportsPresentationLUT = true
SupportsTrim = true
EOF
  start_bg "$name" /usr/bin/dcmprscp -c "$d/dcmpstat.cfg" -p KIOSKFILM -v
  wait_ready "$name" printscp_up "$aet" "$port"
}

# ------------------------------------------------------------------------------------ PostgreSQL
as_pg() { runuser -u "$PG_USER" -- "$@"; }
free_port_from() { # free_port_from N: the first port from N up that nothing listens on
  local p=$1
  while port_busy "$p"; do p=$((p + 1)); done
  echo "$p"
}
pg_psql() { # pg_psql [-d DB] ARGS...: psql as the superuser over the cluster's own socket
  as_pg "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$RUN/postgres/sock" -p "$(pg_port)" "$@"
}
start_postgres() {
  local t0 d="$RUN/postgres" port n role
  t0=$(now)
  [ -x "$PG_BIN/pg_ctl" ] || die "PostgreSQL 15 is not installed ($PG_BIN): setup.sh installs postgresql"
  id "$PG_USER" > /dev/null 2>&1 || die "no $PG_USER user (Debian's postgresql package makes it)"
  port=${PG_PORT:-$(free_port_from 55432)}
  port_busy "$port" && die "port $port is busy (another PostgreSQL?)"
  chmod o+x "$RUN"  # the postgres user reaches $RUN/postgres
  if [ "${KEEP_DATA:-0}" != 1 ] || [ ! -f "$d/data/PG_VERSION" ]; then
    rm -rf "$d"
    install -d -o "$PG_USER" -g "$PG_USER" -m 0711 "$d"
    install -d -o "$PG_USER" -g "$PG_USER" -m 0700 "$d/sock"
    printf '%s\n' "$PG_ADMIN_PASSWORD" > "$d/pwfile"
    chown "$PG_USER" "$d/pwfile"
    chmod 0600 "$d/pwfile"
    as_pg "$PG_BIN/initdb" -D "$d/data" -U "$PG_USER" -A scram-sha-256 --pwfile="$d/pwfile" \
      -E UTF8 --locale=C.UTF-8 > "$d/initdb.log" 2>&1 || { cat "$d/initdb.log" >&2; die "initdb failed"; }
    rm -f "$d/pwfile"
    # TLS: a self-signed certificate naming the address clients use, so sslmode=verify-full
    # works with sslrootcert = this certificate
    openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=127.0.0.1" \
      -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" \
      -keyout "$d/server.key" -out "$d/server.crt" > "$d/openssl.log" 2>&1 \
      || { cat "$d/openssl.log" >&2; die "openssl could not make the certificate"; }
    chown "$PG_USER:$PG_USER" "$d/server.key" "$d/server.crt"
    chmod 0600 "$d/server.key"
    chmod 0644 "$d/server.crt"
    cat >> "$d/data/postgresql.conf" << EOF
# scripts/services.sh: loopback only, TLS only, the socket in $d/sock
listen_addresses = '127.0.0.1'
unix_socket_directories = '$d/sock'
ssl = on
ssl_cert_file = '$d/server.crt'
ssl_key_file = '$d/server.key'
max_connections = 200
EOF
    cat > "$d/data/pg_hba.conf" << EOF
# scripts/services.sh: the superuser over the cluster's socket; everyone over TLS with a password
local   all all                 peer
hostssl all all 127.0.0.1/32    scram-sha-256
host    all all 0.0.0.0/0       reject
EOF
  fi
  echo "$port" > "$d/port"
  as_pg "$PG_BIN/pg_ctl" -D "$d/data" -l "$d/postgres.log" -o "-p $port" -w -t "$READY_TIMEOUT" \
    start > "$d/pg_ctl.log" 2>&1 \
    || { tail -n 20 "$d/postgres.log" >&2; die "postgres did not start (log: $d/postgres.log)"; }
  wait_ready postgres pg_up_socket
  {
    echo "DO \$\$ BEGIN"
    echo "IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'kiosk_fleet') THEN"
    echo "  CREATE ROLE kiosk_fleet NOLOGIN; END IF;"
    for n in $(seq 1 "$PG_KIOSKS"); do
      role=$(printf 'kiosk_%02d' "$n")
      echo "IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$role') THEN"
      echo "  CREATE ROLE $role LOGIN PASSWORD '$role-secret' IN ROLE kiosk_fleet; END IF;"
    done
    echo "END \$\$;"
  } | pg_psql -d postgres
  if [ -z "$(pg_psql -d postgres -tA -c "SELECT 1 FROM pg_database WHERE datname = '$PG_DB'")" ]; then
    pg_psql -d postgres -c "CREATE DATABASE $PG_DB OWNER kiosk_fleet"
  fi
  pg_psql -d "$PG_DB" -c "REVOKE ALL ON SCHEMA public FROM PUBLIC" \
    -c "ALTER SCHEMA public OWNER TO kiosk_fleet"
  PG_STARTED=1
  log "postgres ready on 127.0.0.1:$port (TLS only) in $(since "$t0") s"
}
stop_postgres() {
  local d="$RUN/postgres"
  [ -f "$d/data/postmaster.pid" ] || return 0
  if as_pg "$PG_BIN/pg_ctl" -D "$d/data" -m fast -w -t 30 stop > /dev/null 2>&1; then
    log "stopped postgres"
  else
    log "postgres: pg_ctl stop failed (log: $d/postgres.log)"
  fi
}

write_env() {
  local tmp="$RUN/env.sh.tmp"
  {
    echo "# written by scripts/services.sh start; source it: . $RUN/env.sh"
    printf 'export %s=%q\n' \
      CUPS_SERVER "$CUPS_SOCKET" \
      KIOSK_PDF_QUEUE "$PDF_QUEUE" \
      KIOSK_PDF_OUT "$KIOSK_PDF_OUT" \
      KIOSK_FILM_QUEUE "$FILM_QUEUE" \
      KIOSK_JAMSIM_DIR "$RUN/jamsim" \
      KIOSK_IPP_QUEUE "$IPP_QUEUE" \
      KIOSK_IPP_URI "$IPP_URI" \
      KIOSK_IPPJAM_DIR "$RUN/ippjam" \
      ORTHANC_URL "http://127.0.0.1:$ORTHANC_HTTP" \
      ORTHANC_DICOMWEB "http://127.0.0.1:$ORTHANC_HTTP/dicom-web" \
      ORTHANC_USER "$ORTHANC_USER" \
      ORTHANC_PASSWORD "$ORTHANC_PASSWORD" \
      ORTHANC_AET KIOSKPACS \
      ORTHANC_DICOM_PORT "$ORTHANC_DICOM" \
      PRINT_SCP_HOST 127.0.0.1 \
      PRINT_SCP_PORT "$PRINT_SCP_PORT" \
      PRINT_SCP_AET "$PRINT_SCP_AET" \
      PRINT_SCP_DB "$RUN/dcmprscp/database" \
      PRINT_SCP_IMPLICIT_HOST 127.0.0.1 \
      PRINT_SCP_IMPLICIT_PORT "$PRINT_SCP_IMPLICIT_PORT" \
      PRINT_SCP_IMPLICIT_AET "$PRINT_SCP_IMPLICIT_AET" \
      PRINT_SCP_IMPLICIT_DB "$RUN/dcmprscp-implicit/database" \
      KIOSK_SERVICES_RUN "$RUN"
    if [ "${PG_STARTED:-0}" = 1 ]; then
      printf 'export %s=%q\n' \
        KIOSK_PG_HOST 127.0.0.1 \
        KIOSK_PG_PORT "$(pg_port)" \
        KIOSK_PG_DATABASE "$PG_DB" \
        KIOSK_PG_CA "$RUN/postgres/server.crt" \
        KIOSK_PG_ADMIN_USER "$PG_USER" \
        KIOSK_PG_ADMIN_PASSWORD "$PG_ADMIN_PASSWORD" \
        KIOSK_PG_KIOSKS "$PG_KIOSKS" \
        KIOSK_PG_RUN "$RUN"
    fi
  } > "$tmp"
  mv "$tmp" "$RUN/env.sh"
}

# ------------------------------------------------------------------------------------ commands
all_up() { cupsd_up && queue_exists "$PDF_QUEUE" && queue_exists "$FILM_QUEUE" && ippeve_up \
  && queue_exists "$IPP_QUEUE" && orthanc_up && printscp_up && implicit_printscp_up && pg_up; }

do_start() {
  [ "$(id -u)" = 0 ] || die "run as root (cupsd, lpadmin and cups-pdf need it)"
  mkdir -p "$RUN"
  if [ -z "${ONLY:-}" ] && { recorded_pid orthanc > /dev/null || recorded_pid dcmprscp > /dev/null \
    || recorded_pid dcmprscp-implicit > /dev/null || recorded_pid ippeveprinter > /dev/null \
    || [ -f "$RUN/postgres/data/postmaster.pid" ]; }; then
    if [ -f "$RUN/env.sh" ] && all_up; then
      log "already running (. $RUN/env.sh); use restart for a fresh start"
      return 0
    fi
    log "a previous start is half up: stopping it first"
    do_stop
  fi
  local t0
  t0=$(now)
  rm -f "$RUN/env.sh"
  # From here on, a failure stops whatever this run started.
  trap 'rc=$?; if [ $rc != 0 ]; then echo "services: start failed (rc=$rc), stopping what was started" >&2; do_stop >&2 || true; fi' EXIT
  if [ "${ONLY:-}" = postgres ]; then
    # A private PostgreSQL (own RUN, own port) beside the shared servers, e.g. for a test that
    # stops it mid-visit; env.sh still names the shared CUPS queues and Orthanc.
    start_postgres
    write_env
    trap - EXIT
    log "postgres ready in $(since "$t0") s (. $RUN/env.sh)"
    return 0
  fi
  if [ "${ONLY:-}" = orthanc ]; then
    # A private Orthanc (own RUN, own ports) beside the shared servers, e.g. for a second test
    # run at the same time; env.sh still names the shared CUPS queues and print SCP.
    [ "${KEEP_DATA:-0}" = 1 ] || rm -rf "$RUN/orthanc/db"
    start_orthanc
    write_env
    trap - EXIT
    log "orthanc ready in $(since "$t0") s (. $RUN/env.sh)"
    return 0
  fi
  # Discovery must be off before cupsd starts (snmp/dnssd/mdns backends, browsing).
  bash "$ROOT/installer/cups/harden-cups.sh"
  if [ "${KEEP_DATA:-0}" != 1 ]; then
    # CUPS job ids survive a scheduler restart: clear old outputs so job_<id> names are unambiguous
    rm -rf "$RUN/orthanc/db" "$RUN/dcmprscp/database" "$RUN/dcmprscp-implicit/database" "$RUN/jamsim/out" \
      "$RUN/ippjam/out" "$RUN/ippeve-spool"
    rm -f "$KIOSK_PDF_OUT"/*.pdf
  fi
  start_cups
  start_ippeve
  start_orthanc
  start_printscp dcmprscp "$PRINT_SCP_AET" "$PRINT_SCP_PORT" false
  start_printscp dcmprscp-implicit "$PRINT_SCP_IMPLICIT_AET" "$PRINT_SCP_IMPLICIT_PORT" true
  start_postgres
  write_env
  trap - EXIT
  log "all services ready in $(since "$t0") s"
  do_status
}

do_stop() {
  if [ "${ONLY:-}" = postgres ]; then
    stop_postgres
    rm -f "$RUN/env.sh"
    log "stopped"
    return 0
  fi
  stop_recorded dcmprscp dcmprscp-implicit orthanc
  stop_postgres
  if [ "${ONLY:-}" = orthanc ]; then
    rm -f "$RUN/env.sh"
    log "stopped"
    return 0
  fi
  if cupsd_up; then
    local q
    for q in "$IPP_QUEUE" "$FILM_QUEUE" "$PDF_QUEUE"; do
      if queue_exists "$q"; then
        cancel -a "$q" 2> /dev/null || true
        lpadmin -x "$q" 2> /dev/null || true
      fi
    done
  fi
  stop_recorded ippeveprinter ipp-dbus
  rm -f "$RUN/ipp-dbus.sock"
  stop_recorded cupsd
  rm -f "$RUN/env.sh"
  log "stopped"
}

do_status() {
  local ok=0 pid
  report() { # report NAME OWNED_PID_OR_EMPTY CHECK...
    local name=$1 owned=$2
    shift 2
    if "$@" > /dev/null 2>&1; then
      printf '  %-9s up     %s\n' "$name" "$owned"
    else
      printf '  %-9s DOWN\n' "$name"
      ok=1
    fi
  }
  echo "services in $RUN:"
  if pid=$(recorded_pid cupsd); then pid="pid $pid"; else pid="(system scheduler, not ours)"; fi
  report cupsd "$pid" cupsd_up
  report "$PDF_QUEUE" "" queue_exists "$PDF_QUEUE"
  report "$FILM_QUEUE" "" queue_exists "$FILM_QUEUE"
  pid=$(recorded_pid ippeveprinter || true)
  report ippeve "${pid:+pid $pid}" ippeve_up
  report "$IPP_QUEUE" "" queue_exists "$IPP_QUEUE"
  pid=$(recorded_pid orthanc || true)
  report orthanc "${pid:+pid $pid}" orthanc_up
  pid=$(recorded_pid dcmprscp || true)
  report dcmprscp "${pid:+pid $pid}" printscp_up
  pid=$(recorded_pid dcmprscp-implicit || true)
  report dcmprscp-i "${pid:+pid $pid}" implicit_printscp_up
  report postgres "$(pg_port || true)" pg_up
  if [ -f "$RUN/env.sh" ]; then echo "  env: . $RUN/env.sh"; else echo "  env: none ($RUN/env.sh)"; ok=1; fi
  return $ok
}

case "${1:-}" in
  start) do_start ;;
  stop) do_stop ;;
  restart) do_stop; do_start ;;
  status) do_status ;;
  *) echo "usage: bash scripts/services.sh start|stop|restart|status" >&2; exit 2 ;;
esac
