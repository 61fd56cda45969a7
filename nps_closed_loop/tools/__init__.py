# verbatim: the comment analyser the themes are tagged with (pure Python, imported by models/nps_theme.py).
# The others are tools for developers, imported by nothing at run time: odoo_server starts real Odoo processes for the
# reliability tests (tests/test_servers.py) and the bench (tools/bench.py at the repository's root).
