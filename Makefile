# nps_closed_loop — set-up, run, test, lint, bench.
# Two commands for a newcomer: `make run` and `make test` (see README.md).

ODOO_SRC ?= /opt/odoo18
VENV     ?= $(CURDIR)/.venv
PYTHON   ?= python3
DB       ?= nps_demo
TEST_DB  ?= nps_test
BENCH_DB ?= nps_bench
HTTP_PORT ?= 8069
MODULES  := nps_closed_loop,sale_management,helpdesk_mgmt
# our addons: the NPS app, and its helpdesk bridge (installed by itself with helpdesk_mgmt)
ADDONS_HERE := nps_closed_loop nps_closed_loop_helpdesk_mgmt
PY       := $(VENV)/bin/python
ODOO     := $(PY) $(ODOO_SRC)/odoo-bin
ADDONS   := $(ODOO_SRC)/addons,$(ODOO_SRC)/odoo/addons,$(CURDIR)
SUDO     := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
export PYTHONPATH := $(ODOO_SRC)

.PHONY: run test lint bench bench-smoke bench-db i18n odoo-src system postgres venv config demo-db test-db clean

run: demo-db
	$(ODOO) -c $(CURDIR)/.odoorc -d $(DB) --http-port=$(HTTP_PORT)

# The bench at smoke size first (every measure runs and checks its results), the suite last: its summary
# line closes the output.
test: lint test-db bench-smoke
	$(PY) -m pytest -p no:cacheprovider --odoo-config=$(CURDIR)/.odoorc-test \
	    --odoo-database=$(TEST_DB) --odoo-http nps_closed_loop/tests nps_closed_loop_helpdesk_mgmt/tests; \
	    rc=$$?; [ $$rc -eq 5 ] && echo "no test collected" >&2; exit $$rc

lint: venv
	$(VENV)/bin/ruff check $(ADDONS_HERE) setup.py tools
	$(VENV)/bin/ruff format --check $(ADDONS_HERE) setup.py tools
	$(VENV)/bin/pylint --rcfile=$(CURDIR)/.pylintrc $(ADDONS_HERE)
	$(PY) tools/addon_readme.py --check

# A throw-away database each time: built, filled with bulk SQL, measured, dropped (see tools/bench.py).
# `make bench` runs the full size, writes the table into README.md and fails when a goal is missed;
# `make bench-smoke` (run by CI) runs every measure at a small size without enforcing the goals.
BENCH_MODULES := nps_closed_loop,sale_management,rating
bench: postgres config
	$(MAKE) --no-print-directory bench-db BENCH_DB=$(BENCH_DB)
	$(PY) tools/bench.py --odoo-config=$(CURDIR)/.odoorc-test --database=$(BENCH_DB) --readme=README.md; \
	    rc=$$?; dropdb --if-exists $(BENCH_DB); exit $$rc

bench-smoke: postgres config
	$(MAKE) --no-print-directory bench-db BENCH_DB=$(BENCH_DB)_smoke
	$(PY) tools/bench.py --odoo-config=$(CURDIR)/.odoorc-test --database=$(BENCH_DB)_smoke --size=smoke; \
	    rc=$$?; dropdb --if-exists $(BENCH_DB)_smoke; exit $$rc

bench-db:
	dropdb --if-exists $(BENCH_DB)
	$(ODOO) -c .odoorc-test -d $(BENCH_DB) -i $(BENCH_MODULES) --without-demo=all --stop-after-init --log-level=warn

# Refresh the .pot from the test database (module installed, code as it is now) and merge it into fr.po;
# new terms then show up untranslated in fr.po, which tests/test_i18n.py requires to be filled in.
i18n: config
	$(ODOO) -c .odoorc-test -d $(TEST_DB) -u nps_closed_loop --stop-after-init --log-level=warn
	$(ODOO) -c .odoorc-test -d $(TEST_DB) --i18n-export=$(CURDIR)/nps_closed_loop/i18n/nps_closed_loop.pot \
	    --modules=nps_closed_loop --stop-after-init --log-level=warn
	msgmerge --quiet --no-fuzzy-matching --update --backup=none \
	    nps_closed_loop/i18n/fr.po nps_closed_loop/i18n/nps_closed_loop.pot

odoo-src:
	@tools/check_odoo.sh $(ODOO_SRC)

# Debian packages: PostgreSQL 15, build headers for Odoo's requirements, Chromium for the browser tour.
system:
	@if ! command -v pg_ctlcluster >/dev/null || ! command -v chromium >/dev/null \
	    || ! dpkg -s libpq-dev libldap2-dev libsasl2-dev >/dev/null 2>&1; then \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq \
	    postgresql libpq-dev libldap2-dev libsasl2-dev chromium; \
	fi

postgres: system
	@pg_lsclusters -h | grep -q online || $(SUDO) pg_ctlcluster 15 main start
	@$(SUDO) su postgres -c "psql -tAc \"SELECT 1 FROM pg_roles WHERE rolname='$$(id -un)'\"" | grep -q 1 \
	  || $(SUDO) su postgres -c "createuser -s $$(id -un)"

venv: odoo-src system $(VENV)/.installed

$(VENV)/.installed: requirements.txt constraints-build.txt $(ODOO_SRC)/requirements.txt
	[ -x $(PY) ] || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade "pip>=25.3"
	$(PY) -m pip install -q --build-constraint constraints-build.txt \
	    -r $(ODOO_SRC)/requirements.txt -r requirements.txt
	$(PY) -m pip install -q --no-deps "odoo-addon-helpdesk-mgmt==18.0.*"
	touch $@

config: venv
	@printf '[options]\naddons_path = %s\nadmin_passwd = admin\ndb_name = %s\nlist_db = False\nhttp_port = %s\n' \
	    "$(ADDONS)" "$(DB)" "$(HTTP_PORT)" > .odoorc
	@printf '[options]\naddons_path = %s\nadmin_passwd = admin\ndb_name = %s\nlist_db = False\nlog_level = warn\nhttp_port = %s\n' \
	    "$(ADDONS)" "$(TEST_DB)" "$$(( $(HTTP_PORT) + 100 ))" > .odoorc-test

# The demo database is created once, with French loaded (the demo customers answer in French and the comment
# themes match French keywords); later runs update the module (quick and idempotent).
demo-db: postgres config
	@if psql -lqt | cut -d'|' -f1 | grep -qw $(DB); then \
	  $(ODOO) -c .odoorc -d $(DB) -u nps_closed_loop --stop-after-init --log-level=warn; \
	else \
	  $(ODOO) -c .odoorc -d $(DB) -i base --stop-after-init --log-level=warn \
	  && $(ODOO) -c .odoorc -d $(DB) -i $(MODULES) --load-language=fr_FR --stop-after-init --log-level=warn; \
	fi

test-db: postgres config
	dropdb --if-exists $(TEST_DB)
	$(ODOO) -c .odoorc-test -d $(TEST_DB) -i $(MODULES) --stop-after-init

clean:
	dropdb --if-exists $(TEST_DB); dropdb --if-exists $(BENCH_DB); rm -rf $(VENV) .odoorc .odoorc-test
