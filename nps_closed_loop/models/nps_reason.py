import json
import re
from pathlib import Path
from xml.etree import ElementTree

from odoo import api, fields, models
from odoo.tools import SQL

from .. import compat
from ..tools import verbatim


@compat.sql_constraints(
    ("name_company_unique", "UNIQUE(name, company_id)", "This reason already exists."),
)
class NpsReason(models.Model):
    """Why a customer was unhappy, as learnt on the callback, and the themes of the comments (tagged from
    the lexicon, see :mod:`.nps_theme`): tags that reports group by."""

    _name = "nps.reason"
    _description = "NPS Reason"
    _order = "sequence, name, id"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    color = fields.Integer()
    description = fields.Text(translate=True, help="When to use this reason, so that everyone tags alike.")
    keywords = fields.Text(
        translate=True,
        help="Used when the theme has no lexicon: words that tag an answer's comment with this theme, separated "
        "by commas, one list per language (the customer's language and English are both searched), each read as a "
        "term of the lexicon, e.g. deliver*.",
    )
    lexicon = fields.Text(
        translate=True,
        help="What tags an answer's comment with this theme, in each language: terms separated by new lines or "
        "commas. A word matches its inflections (deliver, delivered, delivering); a word ending with * matches "
        "the words it starts (deliver* also matches delivery); a term in double quotes matches that exact word; "
        "several words match that phrase (on hold). A term "
        "starting with ~ does not tag the theme alone: it counts when no other theme is named in the same part of "
        "the sentence (~arrived: the refund never arrived is not a delivery); ~~ for words that only name the "
        "subject (~~product). Empty: the keywords are used.",
    )
    company_id = fields.Many2one("res.company", index=True, help="Leave empty to share the reason between companies.")

    def action_create_improvement(self):
        """An improvement answering this theme, with the answers tagged with it."""
        self.ensure_one()
        surveys = self.env["nps.survey"].search([("theme_ids", "in", self.ids), ("state", "=", "answered")])
        return self.env["nps.improvement"]._action_new(self.name, surveys=surveys, themes=self)

    # ------------------------------------------------------------------
    # Shipped lexicon (data/nps_verbatim_themes.csv) and keywords turned into lexicon terms
    # ------------------------------------------------------------------
    _SHIPPED_PREFIX = "nps_closed_loop.nps_reason_"
    _SHIPPED_LANGS = {"en": "en_US", "fr": "fr_FR"}

    @api.model
    def _nps_shipped_lexicons(self):
        """{xmlid: {lang: lexicon text}} of the shipped themes, from the data file."""
        theme_rows, _polarity_rows = verbatim.shipped_rows()
        terms = {}
        for language, theme, term, level in theme_rows:
            if theme != verbatim.IGNORED:
                lang = self._SHIPPED_LANGS.get(verbatim.language_code(language), language)
                terms.setdefault(self._SHIPPED_PREFIX + theme, {}).setdefault(lang, []).append((term, level))
        return {
            xmlid: {lang: verbatim.format_lexicon(rows) for lang, rows in by_lang.items()}
            for xmlid, by_lang in terms.items()
        }

    @api.model
    def _nps_set_shipped_lexicon(self):
        """Fill the lexicon of the shipped themes that have none, in English and French at once (a new database, or
        one upgraded from before the lexicon). Written as the field's stored translations, so that French is there
        whether or not the language is installed yet; the keywords a manager added and the lexicon does not cover
        stay, as terms of their language. Returns the themes filled."""
        filled = self.browse()
        shipped_keywords = self._nps_shipped_keywords()
        for xmlid, lexicons in self._nps_shipped_lexicons().items():
            reason = self.env.ref(xmlid, raise_if_not_found=False)
            if not reason or reason.with_context(lang="en_US").lexicon:
                continue
            extra = reason._nps_uncovered_keywords(lexicons, shipped_keywords.get(xmlid, set()))
            values = {
                lang: "\n".join(filter(None, [lexicons.get(lang, ""), *extra.get(lang, [])]))
                for lang in {*lexicons, *extra}
            }
            reason._nps_write_translations("lexicon", values)
            filled |= reason
        return filled

    @api.model
    def _nps_keywords_to_lexicon(self):
        """Managers' own themes (not shipped) with keywords and no lexicon: each keyword becomes a term of the
        lexicon in its language, so that the lexicon is what a manager edits from now on. Returns those themes."""
        shipped = set(self._nps_shipped_lexicons())
        data = self.env["ir.model.data"].search([("model", "=", self._name), ("res_id", "!=", False)])
        shipped_ids = {row.res_id for row in data if f"{row.module}.{row.name}" in shipped}
        themes = self.with_context(active_test=False).search(
            [("keywords", "!=", False), ("id", "not in", list(shipped_ids))]
        )
        done = self.browse()
        for theme in themes:
            if theme.with_context(lang="en_US").lexicon:
                continue
            keywords = theme._nps_translations("keywords")
            values = {
                lang: verbatim.format_lexicon(verbatim.parse_lexicon(text)) for lang, text in keywords.items() if text
            }
            if values:
                theme._nps_write_translations("lexicon", values)
                done |= theme
        return done

    @api.model
    def _nps_shipped_keywords(self):
        """{xmlid: {normalised keyword}} the shipped themes came with (1.2.0), English (data file) and French
        (i18n/fr.po): what a manager did not add."""
        addon = Path(__file__).resolve().parent.parent
        shipped = {}
        for record in ElementTree.parse(addon / "data" / "nps_reason_data.xml").getroot().iter("record"):
            text = record.findtext("field[@name='keywords']") or ""
            shipped[f"nps_closed_loop.{record.get('id')}"] = text
        po = (addon / "i18n" / "fr.po").read_text(encoding="utf-8")
        for block in po.split("\n\n"):
            found = re.search(r"model:nps\.reason,keywords:nps_closed_loop\.(\w+)", block)
            if found and "\nmsgstr" in block:
                msgstr = block[block.index("\nmsgstr") :]
                text = "".join(re.findall(r'"((?:[^"\\]|\\.)*)"', msgstr))
                key = f"nps_closed_loop.{found.group(1)}"
                shipped[key] = f"{shipped.get(key, '')},{text}"
        return {
            xmlid: {verbatim.normalise(term) for term, _level in verbatim.parse_lexicon(text)}
            for xmlid, text in shipped.items()
        }

    def _nps_uncovered_keywords(self, lexicons, shipped=frozenset()):
        """{lang: [keyword]} of this theme's keywords, not among the ``shipped`` ones, that the lexicons
        ({lang: text}) do not match: what a manager added by hand."""
        self.ensure_one()
        extra = {}
        for lang, text in self._nps_translations("keywords").items():
            lexicon = lexicons.get(lang) or lexicons.get("en_US") or ""
            analyser = verbatim.VerbatimAnalyser.from_rows(
                [(lang, "theme", term, level) for term, level in verbatim.parse_lexicon(lexicon)], []
            )
            for keyword, _level in verbatim.parse_lexicon(text):
                if verbatim.normalise(keyword) in shipped:
                    continue
                # "deliver*" is read as the word it starts: "deliver"
                if not any(theme == "theme" for theme, _polarity in analyser.tag(keyword.rstrip("*"), lang)):
                    extra.setdefault(lang, []).append(keyword)
        return extra

    def _nps_translations(self, field_name):
        """{lang: value} of a translated field as stored."""
        self.ensure_one()
        self.flush_recordset([field_name])
        rows = self.env.execute_query(
            SQL("SELECT %s FROM %s WHERE id = %s", SQL.identifier(field_name), SQL.identifier(self._table), self.id)
        )
        return dict(rows[0][0] or {}) if rows else {}

    def _nps_write_translations(self, field_name, values):
        """Store ``values`` ({lang: text}) as the translations of a translated field, languages installed or not
        (English is the value every other language falls back to)."""
        self.ensure_one()
        values = dict(values)
        if not values.get("en_US"):
            values["en_US"] = next(iter(values.values()))
        self.flush_recordset([field_name])
        self.env.execute_query(
            SQL(
                "UPDATE %s SET %s = %s::jsonb WHERE id = %s",
                SQL.identifier(self._table),
                SQL.identifier(field_name),
                json.dumps(values),
                self.id,
            )
        )
        self.invalidate_recordset([field_name])
