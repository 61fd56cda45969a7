#!/usr/bin/env bash
# Makes sure ODOO_SRC holds an Odoo source tree of the series asked (18.0 or 19.0). When there is none, fetches the
# official source of that series (a shallow clone of its branch); when that fails (no network, no permission), says
# clearly, without a traceback, how to get one or point ODOO_SRC at one.
# Usage: tools/check_odoo.sh ODOO_SRC [SERIES [GIT_URL]]     (make odoo-src)
odoo_src=${1:-/opt/odoo18}
series=${2:-18.0}
url=${3:-https://github.com/odoo/odoo.git}
release="$odoo_src/odoo/release.py"
case $series in
  18.0 | 19.0) ;;
  *) echo "SERIES=$series: nps_closed_loop runs on Odoo 18.0 or 19.0." >&2; exit 1 ;;
esac
if [ ! -f "$odoo_src/odoo-bin" ] || [ ! -f "$release" ]; then
  echo "No Odoo source tree at ODOO_SRC=$odoo_src: fetching Odoo $series from $url (a shallow clone)." >&2
  # never wait for a password; give up on a network that answers nothing rather than hang
  export GIT_TERMINAL_PROMPT=0
  if ! timeout 60 git ls-remote --exit-code --heads "$url" "$series" >/dev/null \
    || ! git -c http.lowSpeedLimit=1000 -c http.lowSpeedTime=60 clone --quiet --depth 1 --branch "$series" \
      "$url" "$odoo_src"; then
    cat >&2 <<MSG
Could not fetch Odoo $series into ODOO_SRC=$odoo_src (git says why above).
nps_closed_loop runs on Odoo 18.0 or 19.0 Community. Get one with:
    git clone --depth 1 --branch $series $url $odoo_src
or point ODOO_SRC at an existing 18.0 or 19.0 checkout:  make run ODOO_SRC=/path/to/odoo
MSG
    exit 1
  fi
fi
tree=$(sed -n 's/^version_info = .\([0-9]*\), \([0-9]*\),.*/\1.\2/p' "$release")
if [ "$tree" != 18.0 ] && [ "$tree" != 19.0 ]; then
  echo "ODOO_SRC=$odoo_src is neither Odoo 18.0 nor 19.0 ($(grep -E '^version_info' "$release")). Use branch 18.0 or 19.0 of the official repository." >&2
  exit 1
fi
if [ "$tree" != "$series" ]; then
  echo "ODOO_SRC=$odoo_src holds Odoo $tree, not the $series asked: drop SERIES=$series, or point ODOO_SRC at an Odoo $series tree." >&2
  exit 1
fi
