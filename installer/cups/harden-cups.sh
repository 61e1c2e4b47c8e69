#!/usr/bin/env bash
# harden-cups.sh - keep CUPS on this machine: no network discovery, no browsing.
# Run before anything else talks to CUPS. The snmp backend broadcasts SNMP on every interface
# whenever devices are listed (lpinfo -v); dnssd/mdns need avahi. CUPS skips backends that are
# not executable, so mode 0000 disables them for good (a package upgrade may restore them: the
# setup runs this again every time).
set -euo pipefail
for b in snmp dnssd mdns; do
  [ -e "/usr/lib/cups/backend/$b" ] && chmod 0000 "/usr/lib/cups/backend/$b"
done
conf=/etc/cups/cupsd.conf
if [ -f "$conf" ]; then
  sed -i -e 's/^Browsing .*/Browsing No/' -e 's/^BrowseLocalProtocols .*/BrowseLocalProtocols none/' "$conf"
  grep -q '^Browsing' "$conf" || echo 'Browsing No' >> "$conf"
  grep -q '^BrowseLocalProtocols' "$conf" || echo 'BrowseLocalProtocols none' >> "$conf"
fi
if [ -f /etc/cups/snmp.conf ]; then
  sed -i -e 's/^Address .*/Address 127.0.0.1/' /etc/cups/snmp.conf
fi
exit 0
