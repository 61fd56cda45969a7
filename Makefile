# nps_closed_loop — set-up, run, test, lint, bench, on Odoo 18.0 or 19.0.
# Two commands for a newcomer: `make run` and `make test` (see README.md). The Odoo source tree chosen with
# ODOO_SRC decides the series; each series has its own virtualenv, configuration and databases.
# Without a tree at ODOO_SRC, `make odoo-src` (the first step of run and test) fetches the official source of the
# series asked: SERIES=19.0 on the command line (ODOO_SRC then defaults to /opt/odoo19), else the one ODOO_SRC's
# name says (.../odoo19), else 18.0.

ASKED_SERIES := $(if $(filter command line,$(origin SERIES)),$(SERIES))
ODOO_SRC ?= /opt/odoo$(or $(firstword $(subst ., ,$(ASKED_SERIES))),18)
ODOO_GIT ?= https://github.com/odoo/odoo.git
TREE_SERIES := $(shell sed -n 's/^version_info = .\([0-9]*\), \([0-9]*\),.*/\1.\2/p' $(ODOO_SRC)/odoo/release.py 2>/dev/null)
# "18.0" or "19.0": the tree's, read when make starts; without a tree (yet), the one that will be fetched
override SERIES := $(or $(TREE_SERIES),$(ASKED_SERIES),$(if $(findstring 19,$(notdir $(patsubst %/,%,$(ODOO_SRC)))),19.0,18.0))
MAJOR    := $(firstword $(subst ., ,$(SERIES)))
VENV     ?= $(CURDIR)/.venv-$(SERIES)
PYTHON   ?= python3
DB       ?= nps_demo_$(MAJOR)
TEST_DB  ?= nps_test_$(MAJOR)
BENCH_DB ?= nps_bench_$(MAJOR)
HTTP_PORT ?= 8069
# the tests' own HTTP port, one per series, so that both suites may run side by side
TEST_HTTP_PORT ?= $(shell echo $$(( $(HTTP_PORT) + 82 + $(or $(MAJOR),18) )))
MODULES  := nps_closed_loop,sale_management,helpdesk_mgmt
# the test database adds project: tests/test_answer_cost.py compares an answer with Odoo's rating of a task.
# (project's rating gives our mail.thread models a "Ratings" field: `make i18n` exports that term too.)
TEST_MODULES := $(MODULES),project
# The bridges to the website, the shop and Employees are tested in a database of their own with those apps (the
# bridges install themselves with them): the core's suite stays on a database without them.
TEST_APPS_DB ?= nps_test_apps_$(MAJOR)
TEST_APPS_MODULES := nps_closed_loop,sale_management,website_sale,hr
# the demo adds them too: the website's NPS blocks, the order confirmation's question, eNPS per department
DEMO_MODULES := $(MODULES),website_sale,hr
# our addons: the NPS app and its bridges, each installed by itself with the app it bridges to
ADDONS_HERE := $(patsubst %/__manifest__.py,%,$(sort $(wildcard */__manifest__.py)))
APPS_ADDONS_HERE := $(filter %_website %_website_sale %_hr,$(ADDONS_HERE))
PY       := $(VENV)/bin/python
ODOO     := $(PY) $(ODOO_SRC)/odoo-bin
ADDONS   := $(ODOO_SRC)/addons,$(ODOO_SRC)/odoo/addons,$(CURDIR)
ODOORC   := $(CURDIR)/.odoorc-$(SERIES)
ODOORC_TEST := $(CURDIR)/.odoorc-test-$(SERIES)
# demo data: on by default in 18.0, off by default in 19.0
WITH_DEMO    := $(if $(filter 18.0,$(SERIES)),,--with-demo)
WITHOUT_DEMO := $(if $(filter 18.0,$(SERIES)),--without-demo=all,)
SUDO     := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
export PYTHONPATH := $(ODOO_SRC)

.PHONY: run test lint wheels bench bench-smoke bench-db i18n odoo-src system postgres venv config demo-db test-db \
	test-apps-db clean

run: odoo-src demo-db
	$(ODOO) -c $(ODOORC) -d $(DB) --http-port=$(HTTP_PORT)

# The wheels and the bench at smoke size first (every measure runs and checks its results), the suite last: its
# summary line closes the output. A skipped test fails the run unless tests-skip-allowlist.txt lists it with its
# reason (conftest.py); the browser tours need Chromium, which `make system` installs.
test: odoo-src lint wheels test-db test-apps-db bench-smoke
	@for browser in chromium chromium-browser google-chrome google-chrome-stable; do \
	  command -v $$browser >/dev/null && exit 0; done; \
	  echo "No Chromium or Chrome: the browser tours need it (make system installs Debian's chromium)." >&2; exit 1
	$(PY) -m pytest -p no:cacheprovider --odoo-config=$(ODOORC_TEST) \
	    --odoo-database=$(TEST_APPS_DB) --odoo-http --skip-allowlist=tests-skip-allowlist.txt \
	    $(addsuffix /tests,$(APPS_ADDONS_HERE)); \
	    rc=$$?; [ $$rc -eq 5 ] && echo "no test collected" >&2; exit $$rc
	$(PY) -m pytest -p no:cacheprovider --odoo-config=$(ODOORC_TEST) \
	    --odoo-database=$(TEST_DB) --odoo-http --skip-allowlist=tests-skip-allowlist.txt \
	    $(addsuffix /tests,$(filter-out $(APPS_ADDONS_HERE),$(ADDONS_HERE))); \
	    rc=$$?; [ $$rc -eq 5 ] && echo "no test collected" >&2; exit $$rc

lint: venv
	$(VENV)/bin/ruff check $(ADDONS_HERE) conftest.py tools
	$(VENV)/bin/ruff format --check $(ADDONS_HERE) conftest.py tools
	$(VENV)/bin/pylint --rcfile=$(CURDIR)/.pylintrc $(ADDONS_HERE)
	$(PY) tools/addon_readme.py --check

# A throw-away database each time: built, filled with bulk SQL, measured, dropped (see tools/bench.py).
# `make bench` runs the full size, writes the table into README.md and fails when a goal is missed;
# `make bench-smoke` (run by CI) runs every measure at a small size without enforcing the goals.
BENCH_MODULES := nps_closed_loop,sale_management,rating
bench: postgres config
	$(MAKE) --no-print-directory bench-db BENCH_DB=$(BENCH_DB)
	$(PY) tools/bench.py --odoo-config=$(ODOORC_TEST) --database=$(BENCH_DB) --readme=README.md; \
	    rc=$$?; dropdb --if-exists $(BENCH_DB); exit $$rc

bench-smoke: postgres config
	$(MAKE) --no-print-directory bench-db BENCH_DB=$(BENCH_DB)_smoke
	$(PY) tools/bench.py --odoo-config=$(ODOORC_TEST) --database=$(BENCH_DB)_smoke --size=smoke; \
	    rc=$$?; dropdb --if-exists $(BENCH_DB)_smoke; exit $$rc

bench-db:
	dropdb --if-exists $(BENCH_DB)
	$(ODOO) -c $(ODOORC_TEST) -d $(BENCH_DB) -i $(BENCH_MODULES) $(WITHOUT_DEMO) --stop-after-init --log-level=warn

# Refresh the .pot from the test database (module installed, code as it is now) and merge it into fr.po;
# new terms then show up untranslated in fr.po, which tests/test_i18n.py requires to be filled in.
# Each series extracts a few terms of its own: the template is the union of the last export of each
# (var/i18n-<series>.pot), so run it with each ODOO_SRC.
I18N_EXPORT = $(if $(filter 18.0,$(SERIES)),--i18n-export=$(1) --modules=nps_closed_loop --stop-after-init --log-level=warn,i18n export -o $(1) nps_closed_loop)
i18n: config
	$(ODOO) -c $(ODOORC_TEST) -d $(TEST_DB) -u nps_closed_loop --stop-after-init --log-level=warn
	mkdir -p var
	$(ODOO) $(call I18N_EXPORT,$(CURDIR)/var/i18n-$(SERIES).pot) -c $(ODOORC_TEST) -d $(TEST_DB)
	msgcat --use-first --sort-output var/i18n-*.pot -o nps_closed_loop/i18n/nps_closed_loop.pot
	msgmerge --quiet --no-fuzzy-matching --update --backup=none \
	    nps_closed_loop/i18n/fr.po nps_closed_loop/i18n/nps_closed_loop.pot

# Both addons as OCA wheels of this series (var/wheels/<series>/, whool), installed without their dependencies
# in a throw-away virtualenv (var/wheel-venv-<series>) and checked: files, version, dependencies.
wheels: venv
	$(PY) tools/wheels.py --series $(SERIES) --odoo-src $(ODOO_SRC)

# Nothing to do when ODOO_SRC holds Odoo of the series; fetches it when there is none; says what to do and fails
# when it cannot (no network) or when the tree is of another series than the one asked.
odoo-src:
	@tools/check_odoo.sh $(ODOO_SRC) $(or $(ASKED_SERIES),$(SERIES)) $(ODOO_GIT)
$(ODOO_SRC)/requirements.txt: | odoo-src

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
	$(PY) -m pip install -q --no-deps "odoo-addon-helpdesk-mgmt==$(SERIES).*"
	touch $@

config: venv
	@printf '[options]\naddons_path = %s\nadmin_passwd = admin\ndb_name = %s\nlist_db = False\nhttp_interface = 127.0.0.1\nhttp_port = %s\n' \
	    "$(ADDONS)" "$(DB)" "$(HTTP_PORT)" > $(ODOORC)
	@printf '[options]\naddons_path = %s\nadmin_passwd = admin\ndb_name = %s\nlist_db = False\nlog_level = warn\nhttp_interface = 127.0.0.1\nhttp_port = %s\n' \
	    "$(ADDONS)" "$(TEST_DB)" "$(TEST_HTTP_PORT)" > $(ODOORC_TEST)

# The demo database is created once, with French loaded (the demo customers answer in French and the comment
# themes match French keywords); later runs update the module and install what the demo gained since (quick and
# idempotent: -i leaves installed modules alone).
demo-db: postgres config
	@if psql -lqt | cut -d'|' -f1 | grep -qw $(DB); then \
	  $(ODOO) -c $(ODOORC) -d $(DB) -i $(DEMO_MODULES) -u nps_closed_loop --stop-after-init --log-level=warn; \
	else \
	  $(ODOO) -c $(ODOORC) -d $(DB) -i base $(WITH_DEMO) --stop-after-init --log-level=warn \
	  && $(ODOO) -c $(ODOORC) -d $(DB) -i $(DEMO_MODULES) $(WITH_DEMO) --load-language=fr_FR --stop-after-init --log-level=warn; \
	fi

test-db: postgres config
	dropdb --if-exists $(TEST_DB)
	$(ODOO) -c $(ODOORC_TEST) -d $(TEST_DB) -i $(TEST_MODULES) $(WITH_DEMO) --stop-after-init

test-apps-db: postgres config
	dropdb --if-exists $(TEST_APPS_DB)
	$(ODOO) -c $(ODOORC_TEST) -d $(TEST_APPS_DB) -i $(TEST_APPS_MODULES) $(WITH_DEMO) --stop-after-init --log-level=warn

clean:
	dropdb --if-exists $(TEST_DB); dropdb --if-exists $(TEST_APPS_DB); dropdb --if-exists $(BENCH_DB); rm -rf $(VENV) $(ODOORC) $(ODOORC_TEST) \
	    var/wheels/$(SERIES) var/wheel-venv-$(SERIES)
