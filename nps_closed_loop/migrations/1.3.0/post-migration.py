"""Themes matched on a lexicon per language (1.3.0): stems, phrases, terms that must not tag alone, and the polarity of
each mention (``nps.survey.mention``).

- the shipped themes get the shipped lexicon, English and French (data/nps_verbatim_themes.csv); the keywords a
  manager added to them and the lexicon does not cover stay, as terms of their language;
- a manager's own themes keep their keywords, turned into lexicon terms in the same language;
- the answers already tagged are tagged again, with their polarity, by the batch job (``_cron_tag_themes``), not here:
  an upgrade does not wait for every answer to be read again, and the server keeps answering meanwhile.
"""

from odoo import SUPERUSER_ID, api
from odoo.tools import SQL


def migrate(cr, version):
    if not version:
        return
    env = api.Environment(cr, SUPERUSER_ID, {})
    migrate_lexicons(env)


def migrate_lexicons(env):
    """The lexicons from the keywords and the shipped data, and every answer with words queued for tagging."""
    Reason = env["nps.reason"].with_context(active_test=False)
    Reason._nps_set_shipped_lexicon()
    Reason._nps_keywords_to_lexicon()
    # one UPDATE: the write of each survey would follow up what it changes, there is nothing to follow up here
    env.cr.execute(
        SQL(
            "UPDATE nps_survey SET themes_pending = TRUE"
            " WHERE state = 'answered' AND (comment IS NOT NULL OR followup IS NOT NULL) AND themes_pending IS NOT TRUE"
        )
    )
    queued = env.cr.rowcount
    env["nps.survey"].invalidate_model(["themes_pending"])
    if queued:
        env.ref("nps_closed_loop.ir_cron_nps_tag_themes")._trigger()
