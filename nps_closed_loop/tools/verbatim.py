"""Verbatim analysis: which themes a comment talks about and whether it praises or complains about each one.

This is plain Python, not an Odoo model, and needs no database. It is imported on its own (by path or as a module) and
tags any number of comments once the lexicon is compiled. The shipped lexicon is in ``data/nps_verbatim_themes.csv``
(the terms of each theme, per language: what the shipped themes' ``lexicon`` is filled with) and
``data/nps_verbatim_polarity.csv`` (praise and complaint words, negations, intensifiers and break words, per language).
:meth:`VerbatimAnalyser.from_rows` takes the same rows from anywhere else: the Odoo side (``models/nps_theme.py``)
gives it the themes' records, keyed by their ids. A theme's lexicon as a manager writes it is read by
:func:`parse_lexicon`.

How a comment is read:

1. it is normalised (lower case, no accents, "n't" read as "not") and cut into words and sentence parts: punctuation
   and the lexicon's break words ("mais", "et", "but", "and", "par contre"...) end a part;
2. each word is reduced to its Snowball stem (French or English, cached per word). A lexicon term matches the words
   with the same stem ("livrée", "livree" and "livrer" share "livr"), or the words it starts when it ends with ``*``
   ("livr*" also matches "livraison", "livreur"), or that very word when written in double quotes. Phrases ("frais
   de port", "on hold") match consecutive words and win over the single words inside them ("frais de port" is Price,
   not Delivery); a word or phrase of the theme ``-`` hides what it matches ("supportive" is not Support);
3. a theme is mentioned by its terms. A weak term, one that must not trigger the theme alone ("arrivé", "retard",
   "reply"...), counts only when no other theme is named by a strong term in the same sentence part: "le
   remboursement n'est jamais arrivé" is Invoicing, not Delivery. Level 2 is for the words that only name the subject
   ("produit", "item"): they also yield to weak terms ("le produit a lâché" is Product quality alone);
4. each praise or complaint word is flipped by a negation among the three words before it ("pas cher", "no
   problem", "not sturdy"; a negation flips one word only: "pas cher et costaud"), weighs double after an
   intensifier ("très", "very"), and counts for the nearest mention of its sentence part. "Trop"/"too" complains
   unless praise follows ("trop cher" against French "trop bien"). A mention with no such word but a negation next to
   it is a complaint ("jamais reçu", "nobody told me"); one with none at all takes the words of the comment that no
   mention claimed, then the score: 0-6 complaint, 9-10 praise, 7-8 neutral;
5. a theme both praised and criticised in one comment is a complaint: the point to fix.
"""

import csv
import re
import unicodedata
from pathlib import Path

import snowballstemmer

COMPLAINT = "complaint"
PRAISE = "praise"
NEUTRAL = "neutral"

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
THEMES_FILE = DATA_DIR / "nps_verbatim_themes.csv"
POLARITY_FILE = DATA_DIR / "nps_verbatim_polarity.csv"

# language codes of the lexicon → Snowball algorithms; a language without one is matched on whole words
STEMMERS = {"fr": "french", "en": "english", "de": "german", "es": "spanish", "it": "italian", "nl": "dutch"}
FALLBACK_LANGUAGE = "en"
# the theme column value of phrases that only hide the words inside them ("out of the box" is not Delivery)
IGNORED = "-"
STRONG, WEAK, SUBJECT = 0, 1, 2  # a mention yields to another theme's mention of a lower level in its sentence part

_THEME, _POLARITY = 0, 1
_SENTIMENTS = frozenset({"praise", "complaint", "neutral", "mild"})
_KINDS = _SENTIMENTS | {"negation", "intensifier", "too", "break", "ignore"}
_TOKEN = re.compile(r"\w+|[.!?;:,()\[\]\n]+")
_CANNOT = re.compile(r"\b(?:can['’]?t|cannot)\b")
_NOT = re.compile(r"n['’]t\b")
_NEGATION_REACH = 3  # a negation flips a sentiment word at most this many words later
_NEGATED_EVENT_REACH = 4  # "colis jamais arrivé", "le sav ne répond pas": a negation this close makes a complaint
_CACHE_LIMIT = 200_000  # words per cache, cleared when full: a worker tagging for years keeps a bounded memory


def normalise(text):
    """Lower-case text without accents: NFKD, combining marks dropped, case folded (as nps_theme.normalise)."""
    text = text or ""
    if text.isascii():
        return text.casefold()
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(char for char in decomposed if not unicodedata.combining(char)).casefold()


def language_code(lang):
    """``fr_FR`` → ``fr``: the lexicon is per language, not per country."""
    return (lang or FALLBACK_LANGUAGE).split("_")[0].split("-")[0].lower()


def parse_lexicon(text):
    """[(term, level)] of a lexicon as a manager writes it: terms separated by new lines or commas, ``~term`` must not
    trigger the theme alone (WEAK), ``~~term`` only names the subject (SUBJECT)."""
    terms = []
    for chunk in re.split(r"[,\n]", text or ""):
        term = chunk.strip()
        level = STRONG
        if term.startswith("~~"):
            term, level = term[2:].strip(), SUBJECT
        elif term.startswith("~"):
            term, level = term[1:].strip(), WEAK
        if term.strip("*"):
            terms.append((term, level))
    return terms


def format_lexicon(terms):
    """The lexicon text of [(term, level)], one term a line: what :func:`parse_lexicon` reads back."""
    return "\n".join(("~" * int(level or STRONG)) + term for term, level in terms)


def shipped_rows(themes_file=THEMES_FILE, polarity_file=POLARITY_FILE):
    """The shipped lexicon: ([(language, theme key, term, level)], [(language, kind, term)])."""
    with (
        open(themes_file, encoding="utf-8", newline="") as themes,
        open(polarity_file, encoding="utf-8", newline="") as polarity,
    ):
        return (
            [(row["lang"], row["theme"], row["term"], int(row["weak"] or STRONG)) for row in csv.DictReader(themes)],
            [(row["lang"], row["kind"], row["term"]) for row in csv.DictReader(polarity)],
        )


def score_polarity(score):
    """What a bare mention means from its author's score: detractors complain, promoters praise."""
    if score is None or score is False:
        return NEUTRAL
    if score <= 6:
        return COMPLAINT
    return PRAISE if score >= 9 else NEUTRAL


class _Stemmer:
    """One language's Snowball stemmer over normalised words, cached (a comment's words repeat across answers)."""

    def __init__(self, language):
        algorithm = STEMMERS.get(language)
        self._stemmer = snowballstemmer.stemmer(algorithm) if algorithm in snowballstemmer.algorithms() else None
        # accents are gone before stemming, so "livrée" → "livree" → "livre" while "livré" → "livr": drop the e left
        self._drop_final_e = language == "fr"
        self._cache = {}

    def __call__(self, word):
        stem = self._cache.get(word)
        if stem is None:
            stem = self._stemmer.stemWord(word) if self._stemmer else word
            if self._drop_final_e and len(stem) > 3 and stem.endswith("e"):
                stem = stem[:-1]
            if len(self._cache) >= _CACHE_LIMIT:
                self._cache.clear()
            self._cache[word] = stem
        return stem


def _words(text):
    """The normalised words of ``text``, with None where a sentence part ends."""
    text = _NOT.sub(" not", _CANNOT.sub("can not", normalise(text)))
    return [token if token[0].isalnum() or token[0] == "_" else None for token in _TOKEN.findall(text)]


class _Language:
    """One language's compiled lexicon: terms indexed by the stem or the prefix of their first word."""

    def __init__(self, language):
        self.stem = _Stemmer(language)
        self.reverse_tie = language != "fr"  # French puts the adjective after the noun, English before
        self._exact = ({}, {})
        self._prefixes = ({}, {})  # prefix → terms: a word looks its own beginnings up
        self._candidates = {}

    def add(self, layer, term, value):
        compiled = _compile_term(term, self.stem)
        if not compiled:
            return
        first_kind, first = compiled[0]
        if first_kind != "*":  # an exact word is found by its stem, then compared as it is
            key = self.stem(first) if first_kind == "==" else first
            self._exact[layer].setdefault(key, []).append((compiled, value))
        else:
            self._prefixes[layer].setdefault(first, []).append((compiled, value))
        self._candidates.clear()

    def candidates(self, word):
        """The terms that may start at ``word``, per layer, the longest first."""
        found = self._candidates.get(word)
        if found is None:
            stem = self.stem(word)
            found = []
            for layer in (_THEME, _POLARITY):
                terms = list(self._exact[layer].get(stem, ()))
                prefixes = self._prefixes[layer]
                for end in range(1, len(word) + 1):
                    terms += prefixes.get(word[:end], ())
                terms.sort(key=lambda term: len(term[0]), reverse=True)
                found.append(terms)
            if len(self._candidates) >= _CACHE_LIMIT:
                self._candidates.clear()
            self._candidates[word] = found
        return found

    def matches(self, matcher, word):
        """Whether ``word`` (None at a break) is the matcher's stem or starts with its prefix."""
        if word is None:
            return False
        kind, text = matcher
        if kind == "==":
            return word == text
        return word.startswith(text) if kind == "*" else self.stem(word) == text

    def scan(self, words, layer):
        """(start, length, values) of the terms found in ``words``: at each word the longest term wins, and all the
        terms of that length (one word may name two themes); terms do not overlap."""
        found = []
        index, count = 0, len(words)
        while index < count:
            word = words[index]
            best, values = 0, []
            if word is not None:
                for matchers, value in self.candidates(word)[layer]:
                    length = len(matchers)
                    if length < best:
                        break
                    if index + length <= count and all(
                        self.matches(matcher, words[index + offset]) for offset, matcher in enumerate(matchers)
                    ):
                        best = length
                        values.append(value)
            if best:
                found.append((index, best, values))
                index += best
            else:
                index += 1
        return found


def _compile_term(term, stem):
    """A term as matchers, one per word: ("=", stem), ("*", prefix) for a word written with a final star, or
    ("==", word) for the words of a term written in double quotes (that exact word: "supportive" is not "support")."""
    term = term.strip()
    if len(term) > 2 and term[0] == term[-1] == '"':
        return tuple(("==", word) for word in _words(term[1:-1]) if word is not None)
    compiled = []
    for chunk in normalise(term).split():
        prefix = chunk.endswith("*")
        for word in _words(chunk.rstrip("*")):
            if word is not None:
                compiled.append(["=", word])
        if compiled and prefix:
            compiled[-1][0] = "*"
    return tuple(("*", word) if kind == "*" else ("=", stem(word)) for kind, word in compiled)


class VerbatimAnalyser:
    """A compiled lexicon, per language: :meth:`tag` gives the themes of a comment with their polarity."""

    def __init__(self):
        self._languages = {}
        self._stemmers = {}

    @classmethod
    def from_files(cls, themes_file=THEMES_FILE, polarity_file=POLARITY_FILE):
        """The analyser of the shipped lexicon (theme keys as in the files: delivery, price...)."""
        return cls.from_rows(*shipped_rows(themes_file, polarity_file))

    @classmethod
    def from_rows(cls, theme_rows, polarity_rows):
        """An analyser of ``theme_rows`` (language, theme, term, level: STRONG, WEAK or SUBJECT) and ``polarity_rows``
        (language, kind, term); a theme is any hashable identifier, ``"-"`` for phrases that only hide their words."""
        analyser = cls()
        for language, theme, term, level in theme_rows:
            analyser._language(language).add(_THEME, term, (theme, int(level)))
        for language, kind, term in polarity_rows:
            if kind not in _KINDS:
                raise ValueError(f"Unknown polarity kind {kind!r} for {term!r}")
            analyser._language(language).add(_POLARITY, term, kind)
        return analyser

    def _language(self, language):
        code = language_code(language)
        if code not in self._languages:
            self._languages[code] = _Language(code)
        return self._languages[code]

    def stem(self, word, lang=None):
        """The stem ``word`` (normalised) is matched on in ``lang``: what groups the inflections of a word."""
        code = language_code(lang)
        language = self._languages.get(code)
        if language is None:  # not compiled here: a stemmer of its own, the analyser's languages stay as they are
            language = self._stemmers.setdefault(code, _Language(code))
        return language.stem(word)

    def tag(self, text, lang=None, score=None):
        """[(theme, polarity)] of ``text`` written in ``lang`` by a customer who gave ``score`` (optional), in the
        order the themes first appear; polarity is "complaint", "praise" or "neutral"."""
        code = language_code(lang)
        language = self._languages.get(code) or self._languages.get(FALLBACK_LANGUAGE)
        words = _words(text)
        if language is None or not any(words):
            return []
        cues = language.scan(words, _POLARITY)
        clauses = _clauses(words, cues)
        mentions = _mentions(language.scan(words, _THEME), clauses)
        if not mentions:
            return []
        evidence, orphans = _evidence(cues, clauses, mentions, language.reverse_tie)
        return _themes(mentions, evidence, orphans, score)


def _clauses(words, cues):
    """The sentence part of each word: punctuation and break words start a new one."""
    breaks = {start for start, _length, values in cues if "break" in values}
    clauses, clause = [], 0
    for index, word in enumerate(words):
        if word is None or index in breaks:
            clause += 1
        clauses.append(clause)
    return clauses


def _mentions(found, clauses):
    """[(start, end, theme)] of the theme terms, less those yielding to another theme's stronger term."""
    mentions, strongest = [], {}
    for start, length, values in found:
        if any(theme == IGNORED for theme, _level in values):
            continue  # hidden: the phrase, or the exact word ("supportive"), is no theme's at all
        for theme, level in values:
            mentions.append((start, start + length - 1, theme, level))
            levels = strongest.setdefault(clauses[start], {})
            levels[theme] = min(level, levels.get(theme, level))
    return [
        (start, end, theme)
        for start, end, theme, level in mentions
        if not any(other != theme and other_level < level for other, other_level in strongest[clauses[start]].items())
    ]


def _evidence(cues, clauses, mentions, reverse_tie):
    """Per mention index, the [(weight, flag)] of the sentiment words given to it, and those given to none."""
    negations, intensifiers, sentiments, toos = [], [], [], []
    for start, length, values in cues:
        kind = values[0]
        end = start + length - 1
        if kind == "negation":
            negations.append([end, False])
        elif kind == "intensifier":
            intensifiers.append(end)
        elif kind == "too":
            toos.append(start)
        elif kind in _SENTIMENTS:
            sentiments.append((start, end, kind))
    signed = []
    for start, end, kind in sentiments:
        # each negation flips the first sentiment word after it only: "pas cher et costaud"
        reaching = [
            negation
            for negation in negations
            if not negation[1]
            and start - _NEGATION_REACH <= negation[0] < start
            and clauses[negation[0]] == clauses[start]
        ]
        negated = bool(reaching)
        for negation in reaching:
            negation[1] = True
        weight = 2 if any(start - 2 <= at < start and clauses[at] == clauses[start] for at in intensifiers) else 1
        if kind == "praise":
            value = (-weight if negated else weight), None
        elif kind == "complaint":
            value = (weight if negated else -weight), None
        else:  # "pas correct", "pas moyen de joindre": a negated lukewarm word complains
            value = (-1, None) if negated else (0, kind)
        signed.append((start, end, value))
    for start in toos:
        following = [value for at, _end, value in signed if start < at <= start + 2 and clauses[at] == clauses[start]]
        if any(weight > 0 for weight, _flag in following):
            continue  # "trop bien": colloquial praise
        if start + 1 < len(clauses) and clauses[start + 1] == clauses[start]:
            signed.append((start, start, (-1, None)))  # "too" ending a sentence is "also"
    evidence = {index: [] for index in range(len(mentions))}
    orphans = []
    for start, end, value in signed:
        nearest = _nearest(start, end, clauses, mentions, reverse_tie)
        if nearest:
            for index in nearest:
                evidence[index].append(value)
        else:
            orphans.append(value)
    for index, (start, end, _theme) in enumerate(mentions):
        if not evidence[index] and any(
            not used
            and clauses[at] == clauses[start]
            and start - _NEGATED_EVENT_REACH <= at <= end + _NEGATED_EVENT_REACH
            for at, used in negations
        ):
            evidence[index].append((-1, None))
    return evidence, orphans


def _nearest(start, end, clauses, mentions, reverse_tie):
    """Indexes of the mentions of the cue's sentence part closest to it (all of them on a tie of place)."""
    best, chosen = None, []
    for index, (m_start, m_end, _theme) in enumerate(mentions):
        if clauses[m_start] != clauses[start]:
            continue
        if m_end < start:
            distance, side = start - m_end, 0
        elif m_start > end:
            distance, side = m_start - end, 1
        else:
            distance, side = 0, 0
        rank = (distance, side if not reverse_tie else 1 - side)
        if best is None or rank < best:
            best, chosen = rank, [index]
        elif rank == best:
            chosen.append(index)
    return chosen


def _polarity(values, score):
    """The polarity of a mention from the (weight, flag) of its words: lukewarm words make it neutral."""
    total = sum(weight for weight, _flag in values)
    flags = {flag for _weight, flag in values}
    if "neutral" in flags and abs(total) <= 1:
        return NEUTRAL
    if total:
        return PRAISE if total > 0 else COMPLAINT
    if "mild" in flags:
        return PRAISE if score is not None and score is not False and score >= 9 else NEUTRAL
    return score_polarity(score)


def _themes(mentions, evidence, orphans, score):
    """One (theme, polarity) per theme: its judged mentions decide, a complaint winning over praise."""
    order, judged = [], {}
    for index, (_start, _end, theme) in enumerate(mentions):
        if theme not in judged:
            order.append(theme)
            judged[theme] = []
        if evidence[index]:
            judged[theme].append(_polarity(evidence[index], score))
    fallback = _polarity(orphans, score) if orphans else score_polarity(score)
    result = []
    for theme in order:
        polarities = judged[theme]
        if COMPLAINT in polarities:
            polarity = COMPLAINT
        elif PRAISE in polarities:
            polarity = PRAISE
        elif polarities:
            polarity = NEUTRAL
        else:
            polarity = fallback
        result.append((theme, polarity))
    return result
