#!/bin/sh
# ippjam.sh - print command for ippeveprinter (-c): keeps each document it is given and
# simulates the faults of a real IPP Everywhere film printer. services.sh starts ippeveprinter
# with IPPJAM_DIR=$RUN/ippjam.
#
# Control file $IPPJAM_DIR/mode (first word, re-read every 0.2 s while a fault lasts):
#   ok         keep the document in $IPPJAM_DIR/out/, exit 0 (the job completes)
#   toner-low  like ok, and report toner-low-report
#   jam        media-jam-error until the mode is ok again, then print, and leave
#              media-jam-report behind (as printers do after a cleared jam)
#   empty      media-empty-error,media-needed-error until ok, then print
#   door       cover-open-error until ok, then print (ippeveprinter knows cover-open, not
#              door-open: it drops reasons outside its own list)
#   abort      the printer gives up: exit 1 without printing (ippeveprinter aborts the job)
#   abort-jam  media-jam-error, then give up after 2 s without printing
# Each document is kept as out/<ns>-<job>-<name>.<ext> (<ns>: when it printed; the printer's job
# numbers start again at 1 when it restarts), renamed into place once whole, beside
# <ns>-<job>-<name>.attrs: the job's IPP attributes as ippeveprinter passes them (IPP_MEDIA_COL=...).
DIR=${IPPJAM_DIR:-/var/tmp/ippjam}
mkdir -p "$DIR/out"
mode() { m=ok; [ -r "$DIR/mode" ] && read -r m _ < "$DIR/mode"; echo "${m:-ok}"; }
FAULTS=media-jam-error,media-jam-report,media-empty-error,media-needed-error,cover-open-error,toner-low-report
echo "STATE: -$FAULTS" >&2
while :; do
  case "$(mode)" in
    jam | abort-jam) echo "STATE: +media-jam-error" >&2; reason=media-jam ;;
    empty) echo "STATE: +media-empty-error,media-needed-error" >&2; reason=media-empty ;;
    door) echo "STATE: +cover-open-error" >&2; reason=cover-open ;;
    *) break ;;
  esac
  if [ "$(mode)" = abort-jam ]; then
    sleep 2
    echo "ERROR: ippjam: gave up after a jam" >&2
    exit 1
  fi
  sleep 0.2
done
echo "STATE: -media-jam-error,media-empty-error,media-needed-error,cover-open-error" >&2
case "$(mode)" in
  abort)
    echo "ERROR: ippjam: the printer aborted the job" >&2
    exit 1
    ;;
  toner-low) echo "STATE: +toner-low-report" >&2 ;;
esac
[ "${reason:-}" = media-jam ] && echo "STATE: +media-jam-report" >&2
name=$(date +%s%N)-$(basename "$1")
env | grep '^IPP_' | sort > "$DIR/out/${name%.*}.attrs"
cp "$1" "$DIR/out/.$name.tmp" && mv "$DIR/out/.$name.tmp" "$DIR/out/$name"
echo "ATTR: job-impressions-completed=1" >&2
exit 0
