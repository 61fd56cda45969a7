#!/usr/bin/env bash
# Says clearly, without a traceback, when $ODOO_SRC holds no Odoo 18.0 or 19.0 source tree.
odoo_src=${1:-/opt/odoo18}
release="$odoo_src/odoo/release.py"
if [ ! -f "$odoo_src/odoo-bin" ] || [ ! -f "$release" ]; then
  cat >&2 <<MSG
No Odoo source tree at ODOO_SRC=$odoo_src (odoo-bin not found).
nps_closed_loop runs on Odoo 18.0 or 19.0 Community. Get one with:
    git clone --depth 1 --branch 18.0 https://github.com/odoo/odoo.git $odoo_src
(or --branch 19.0), or point ODOO_SRC at an existing checkout:  make run ODOO_SRC=/path/to/odoo
MSG
  exit 1
fi
if ! grep -Eq "^version_info = \((18|19), 0," "$release"; then
  echo "ODOO_SRC=$odoo_src is neither Odoo 18.0 nor 19.0 ($(grep -E '^version_info' "$release")). Use branch 18.0 or 19.0 of the official repository." >&2
  exit 1
fi
