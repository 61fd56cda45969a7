"""Comment themes: what the customers' comments talk about, tagged from the themes' keywords.

A theme is an ``nps.reason`` with keywords, one comma-separated list per language. An answer is tagged with
every theme whose keywords, in the customer's language or in English, appear in its comment or follow-up
answer as whole words (case and accents ignored; a keyword ending with ``*`` matches the words it starts).
"""

import re
import unicodedata

from odoo.tools import SQL

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


class ThemeMatcher:
    """The active themes' keyword sets, loaded once (one query) and compiled once per language: tags any
    number of answers."""

    def __init__(self, env):
        reasons = env["nps.reason"]
        reasons.flush_model(["keywords", "active", "company_id"])
        self.rows = env.execute_query(
            SQL(
                "SELECT id, company_id, keywords FROM %s WHERE active AND keywords IS NOT NULL ORDER BY id",
                SQL.identifier(reasons._table),
            )
        )
        self._patterns = {}

    @staticmethod
    def compile(keywords):
        """One pattern matching any of the comma-separated ``keywords`` on word boundaries, or None."""
        alternatives = []
        for keyword in (keywords or "").split(","):
            words = normalised_words(keyword)
            if words:
                alternatives.append(re.escape(words) + (r"\w*" if keyword.strip().endswith("*") else ""))
        if not alternatives:
            return None
        # the longest first: "customer service" is tried before "service"
        alternation = "|".join(sorted(set(alternatives), key=len, reverse=True))
        return re.compile(rf"(?<!\w)(?:{alternation})(?!\w)")

    def _pattern(self, reason_id, translations, lang):
        key = reason_id, lang
        if key not in self._patterns:
            lists = {translations.get(ENGLISH) or "", translations.get(lang) or ""}
            self._patterns[key] = self.compile(",".join(lists))
        return self._patterns[key]

    def match(self, text, lang=None, company_id=None):
        """Ids of the themes whose keywords, in ``lang`` or in English, appear in ``text``."""
        words = normalised_words(text)
        if not words:
            return set()
        themes = set()
        for reason_id, reason_company_id, translations in self.rows:
            if reason_company_id and reason_company_id != company_id:
                continue
            pattern = self._pattern(reason_id, translations, lang or ENGLISH)
            if pattern and pattern.search(words):
                themes.add(reason_id)
        return themes
