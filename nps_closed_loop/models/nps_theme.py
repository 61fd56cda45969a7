"""Comment themes: what the customers' comments talk about, and whether they praise or complain about it.

A theme is an ``nps.reason`` with a lexicon, one per language (see the field's help and
:func:`..tools.verbatim.parse_lexicon`); a theme without one is matched on its keywords, each keyword a term. An
answer is tagged in the customer's language, each theme with its lexicon in that language or else in English, by the
verbatim analyser (:mod:`..tools.verbatim`: Snowball stems, phrases, terms that must not tag alone, polarity from the
words around each mention, the polarity lexicon shipped in ``data/nps_verbatim_polarity.csv``).
"""

import functools
import re
import unicodedata

from odoo.tools import SQL

from ..tools import verbatim

ENGLISH = "en_US"
WORD = re.compile(r"\w+")
# words worth showing a manager: letters only, at least 3 of them
SIGNIFICANT_WORD = re.compile(r"[^\W\d_]{3,}")


def normalise(text):
    """Lower-case text without accents: NFKD, combining marks dropped, case folded."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    return "".join(char for char in decomposed if not unicodedata.combining(char)).casefold()


def normalised_words(text):
    """The text as its normalised words, separated by single spaces: keywords match whole words of it."""
    return " ".join(WORD.findall(normalise(text)))


# Words that say nothing about what went wrong, in French and in English (normalised when used)
_STOP_WORDS = """
a about above after again against all also am an and any are as at be because been before being below between
both but by can could did do does doing done down during each even ever every few for from further get got had
has have having he her here hers him his how i if in into is it its just me more most much my never no nor not
now of off on once only or other our ours out over own same she should so some still such than that the their
theirs them then there these they this those through to too under until up us very was we were what when where
which while who whom why will with would yet you your yours one two really well thanks thank please ok okay
dont didnt doesnt isnt wasnt cant wont im ive youre nobody anybody somebody everybody nothing something anything
a afin ai aie aient ainsi alors apres as au aucun aucune aujourd aussi autre autres aux avais avait avant avec
avez avions avoir avons bien bon bonne c ca car ce ceci cela celle celles celui cependant ces cet cette ceux
chaque chez ci comme comment d dans de depuis des deux devrait doit donc dont du elle elles en encore entre es
est et etaient etais etait etant ete etre eu eux fait faire fois font hui il ils j je jamais jusqu l la le les
leur leurs lui m ma mais me meme memes mes moi moins mon n ne ni non nos notre nous on ont ou par parce pas
peu peut plus pour pourquoi qu quand que quel quelle quelles quels qui quoi rien s sa sans se sera ses si sien
son sont sous suis sur t ta te tes toi ton tous tout toute toutes tres tu un une vos votre vous vraiment y
merci deja cest etaient ete fut avez aviez serait seront trop pris plait fois personne quelque chose
"""
STOP_WORDS = frozenset(normalise(word) for word in _STOP_WORDS.split())


_ANALYSER_CACHE_SIZE = 32  # compiled lexicons kept per process: per language, company and lexicon version
_analysers = {}


@functools.cache
def _shipped_cues():
    """({language code: [phrase that only hides its words]}, {language code: [(kind, term)]}) of the data files."""
    theme_rows, polarity_rows = verbatim.shipped_rows()
    ignored, cues = {}, {}
    for language, theme, term, _level in theme_rows:
        if theme == verbatim.IGNORED:
            ignored.setdefault(verbatim.language_code(language), []).append(term)
    for language, kind, term in polarity_rows:
        cues.setdefault(verbatim.language_code(language), []).append((kind, term))
    return ignored, cues


def translation(values, lang):
    """A translated field's stored value ({lang: text}) in ``lang``: that language, the same language of another
    country (fr_BE reads fr_FR), then English."""
    if not values:
        return None
    if values.get(lang):
        return values[lang]
    code = verbatim.language_code(lang)
    for key in sorted(values):
        if values[key] and verbatim.language_code(key) == code:
            return values[key]
    return values.get(ENGLISH)


class ThemeMatcher:
    """The active themes' lexicons, loaded once (one query), compiled once per language and company (and kept
    compiled by the process while the lexicons do not change): tags any number of answers."""

    def __init__(self, env, model="nps.reason"):
        """The active themes of ``model``: the customers' (``nps.reason``) or the employees'
        (``nps.employee.theme``, a lexicon and no keywords)."""
        themes = env[model]
        with_keywords = "keywords" in themes._fields
        themes.flush_model(["lexicon", "active", "company_id", *(["keywords"] if with_keywords else [])])
        self.rows = env.execute_query(
            SQL(
                "SELECT id, company_id, lexicon, %(keywords)s FROM %(table)s"
                " WHERE active AND (lexicon IS NOT NULL OR %(keywords)s IS NOT NULL) ORDER BY id",
                keywords=SQL.identifier("keywords") if with_keywords else SQL("NULL::jsonb"),
                table=SQL.identifier(themes._table),
            )
        )
        self._analysers = {}

    @staticmethod
    def terms(lexicon, keywords, lang):
        """[(term, level)] of a theme in ``lang``: its lexicon in that language or English; without a lexicon, its
        keywords in that language and in English (as they were matched before the lexicon), each a term."""
        text = translation(lexicon, lang)
        terms = verbatim.parse_lexicon(text)
        if terms:
            return terms
        lists = {(keywords or {}).get(ENGLISH) or "", translation(keywords, lang) or ""}
        return [(term, verbatim.STRONG) for term, _level in verbatim.parse_lexicon(",".join(sorted(lists)))]

    def analyser(self, lang=None, company_id=None):
        """The compiled analyser of the themes ``company_id`` sees, in ``lang``."""
        lang = lang or ENGLISH
        key = lang, company_id or False
        if key not in self._analysers:
            code = verbatim.language_code(lang)
            theme_rows = tuple(
                (code, reason_id, term, level)
                for reason_id, reason_company_id, lexicon, keywords in self.rows
                if not reason_company_id or reason_company_id == company_id
                for term, level in self.terms(lexicon, keywords, lang)
            )
            cache_key = code, theme_rows
            analyser = _analysers.get(cache_key)
            if analyser is None:
                ignored, cues = _shipped_cues()
                analyser = verbatim.VerbatimAnalyser.from_rows(
                    theme_rows
                    + tuple((code, verbatim.IGNORED, term, verbatim.STRONG) for term in ignored.get(code, ())),
                    ((code, kind, term) for kind, term in cues.get(code) or cues.get(verbatim.FALLBACK_LANGUAGE, ())),
                )
                if len(_analysers) >= _ANALYSER_CACHE_SIZE:
                    _analysers.pop(next(iter(_analysers)))
                _analysers[cache_key] = analyser
            self._analysers[key] = analyser
        return self._analysers[key]

    def tag(self, text, lang=None, company_id=None, score=None):
        """[(theme id, "complaint"|"praise"|"neutral")] of ``text`` written in ``lang`` by a customer of
        ``company_id`` who gave ``score``, in the order the themes appear."""
        if not text:
            return []
        return self.analyser(lang, company_id).tag(text, verbatim.language_code(lang or ENGLISH), score)

    def match(self, text, lang=None, company_id=None):
        """Ids of the themes ``text`` talks about."""
        return {theme for theme, _polarity in self.tag(text, lang, company_id)}
