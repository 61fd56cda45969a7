"""How well comments are tagged: the verbatim analyser (tools/verbatim.py) against the evaluation set
(tests/data/verbatims_eval.csv, labelling guide in tests/data/README.md), beside today's keyword matcher.

Figures: micro precision, recall and F1 of the themes found, and the accuracy of the polarity over the themes
correctly found, on the whole set, on the part the lexicon may be tuned on and on the held-out third (rows whose
index is 2 mod 3, never used for tuning).

    .venv-18.0/bin/python nps_closed_loop/tools/verbatim_eval.py            # the new analyser
    PYTHONPATH=/opt/odoo18 .venv-18.0/bin/python nps_closed_loop/tools/verbatim_eval.py --today --bench
    ... --errors       # the tuning part's mistakes (never the held-out third's)

Neither needs a database nor Odoo. "Today's matcher" is the whole-word keyword matcher of 1.2.0 (ThemeMatcher before
the lexicon), kept here as :func:`legacy_pattern` to compare with, on the keywords the themes shipped with.
tests/test_verbatim.py runs the same evaluation through the installed themes.
"""

import argparse
import csv
import importlib.util
import random
import re
import sys
import time
import unicodedata
from pathlib import Path

ADDON = Path(__file__).resolve().parent.parent
EVAL_FILE = ADDON / "tests" / "data" / "verbatims_eval.csv"
REASON_DATA = ADDON / "data" / "nps_reason_data.xml"
FRENCH_PO = ADDON / "i18n" / "fr.po"
HELD_OUT = 3  # every third row (index 2 mod 3) is held out
THEME_KEYS = ("delivery", "price", "product_quality", "product", "support", "communication", "invoicing")
TARGET_F1, TARGET_POLARITY = 0.92, 0.85


def _out(line=""):
    """One line of the report on the standard output (a command-line tool, not server code)."""
    sys.stdout.write(f"{line}\n")


def load_module(name, path):
    """A module of the addon loaded from its file: the package's __init__ would import Odoo's models."""
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def load_set(path=EVAL_FILE):
    """[{lang, score, comment, labels: {theme: polarity}}] in file order."""
    rows = []
    with open(path, encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            labels = dict(label.split(":") for label in row["labels"].split(";") if label)
            rows.append({"lang": row["lang"], "score": int(row["score"]), "comment": row["comment"], "labels": labels})
    return rows


def is_held_out(index):
    return index % HELD_OUT == HELD_OUT - 1


def evaluate(rows, predictions):
    """Micro precision, recall, F1 of the themes and polarity accuracy over the themes correctly found.

    ``predictions`` holds one {theme: polarity or None} per row; None polarities (a matcher without polarity) are
    left out of the accuracy, which is then None."""
    true_positive = false_positive = false_negative = polarity_right = polarity_judged = 0
    for row, predicted in zip(rows, predictions, strict=True):
        expected = row["labels"]
        for theme, polarity in predicted.items():
            if theme in expected:
                true_positive += 1
                if polarity is not None:
                    polarity_judged += 1
                    polarity_right += polarity == expected[theme]
            else:
                false_positive += 1
        false_negative += len(set(expected) - set(predicted))
    precision = true_positive / (true_positive + false_positive) if true_positive + false_positive else 0.0
    recall = true_positive / (true_positive + false_negative) if true_positive + false_negative else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "polarity": polarity_right / polarity_judged if polarity_judged else None,
        "mentions": true_positive + false_negative,
    }


def per_theme(rows, predictions):
    """{theme: F1} over the rows."""
    result = {}
    for theme in THEME_KEYS:
        only = [{"labels": {t: p for t, p in row["labels"].items() if t == theme}} for row in rows]
        kept = [{t: p for t, p in predicted.items() if t == theme} for predicted in predictions]
        result[theme] = evaluate(only, kept)["f1"]
    return result


def verbatim_module():
    """The analyser: imported with the addon (tests, bench), loaded from its file when run as a script without Odoo."""
    try:
        from . import verbatim  # noqa: PLC0415

        return verbatim
    except ImportError:
        return load_module("nps_verbatim", ADDON / "tools" / "verbatim.py")


def new_analyser():
    return verbatim_module().VerbatimAnalyser.from_files()


def predict_new(analyser, rows):
    return [dict(analyser.tag(row["comment"], row["lang"], row["score"])) for row in rows]


def shipped_keywords():
    """{theme key: {lang: keywords}} of the shipped themes: English from the XML data, French from fr.po."""
    from xml.etree import ElementTree

    keywords = {}
    for record in ElementTree.parse(REASON_DATA).getroot().iter("record"):
        key = record.get("id").removeprefix("nps_reason_")
        field = record.find("field[@name='keywords']")
        keywords[key] = {"en_US": field.text if field is not None else ""}
    po = FRENCH_PO.read_text(encoding="utf-8")
    for block in po.split("\n\n"):
        found = re.search(r"model:nps\.reason,keywords:nps_closed_loop\.nps_reason_(\w+)", block)
        if found and found.group(1) in keywords:
            msgstr = block[block.index("\nmsgstr") :]
            keywords[found.group(1)]["fr_FR"] = "".join(re.findall(r'"((?:[^"\\]|\\.)*)"', msgstr))
    return keywords


_WORD = re.compile(r"\w+")


def legacy_words(text):
    """1.2.0's normalised text: words without accents, lower case, single spaces."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    return " ".join(_WORD.findall("".join(char for char in decomposed if not unicodedata.combining(char)).casefold()))


def legacy_pattern(keywords):
    """1.2.0's ThemeMatcher.compile: one pattern matching any of the comma-separated ``keywords`` on word
    boundaries (a keyword ending with * matches the words it starts), or None."""
    alternatives = []
    for keyword in (keywords or "").split(","):
        words = legacy_words(keyword)
        if words:
            alternatives.append(re.escape(words) + (r"\w*" if keyword.strip().endswith("*") else ""))
    if not alternatives:
        return None
    alternation = "|".join(sorted(set(alternatives), key=len, reverse=True))
    return re.compile(rf"(?<!\w)(?:{alternation})(?!\w)")


def today_matcher():
    """Today's rule (1.2.0's ThemeMatcher): a theme matches when one of its keywords, in the customer's language or
    in English, appears as whole normalised words; no polarity."""
    keywords = shipped_keywords()
    patterns = {}

    def match(text, lang):
        words = legacy_words(text)
        found = {}
        if not words:
            return found
        for key, translations in keywords.items():
            if (key, lang) not in patterns:
                # as ThemeMatcher._pattern: the English list and the language's own, joined
                lists = {translations.get("en_US") or "", translations.get(lang) or ""}
                patterns[key, lang] = legacy_pattern(",".join(lists))
            pattern = patterns[key, lang]
            if pattern and pattern.search(words):
                found[key] = None
        return found

    return match


def report(title, rows, predictions):
    parts = {
        "all": list(range(len(rows))),
        "tuning": [i for i in range(len(rows)) if not is_held_out(i)],
        "held-out": [i for i in range(len(rows)) if is_held_out(i)],
    }
    _out(title)
    figures = {}
    for name, indexes in parts.items():
        result = evaluate([rows[i] for i in indexes], [predictions[i] for i in indexes])
        figures[name] = result
        polarity = "n/a" if result["polarity"] is None else f"{result['polarity']:.3f}"
        _out(
            f"  {name:9} n={len(indexes):3}  P={result['precision']:.3f} R={result['recall']:.3f} "
            f"F1={result['f1']:.3f}  polarity={polarity}"
        )
    for lang in ("fr_FR", "en_US"):
        indexes = [i for i, row in enumerate(rows) if row["lang"] == lang]
        result = evaluate([rows[i] for i in indexes], [predictions[i] for i in indexes])
        polarity = "n/a" if result["polarity"] is None else f"{result['polarity']:.3f}"
        _out(f"  {lang:9} n={len(indexes):3}  F1={result['f1']:.3f}  polarity={polarity}")
    themes = per_theme(rows, predictions)
    _out("  F1 per theme: " + ", ".join(f"{theme} {f1:.2f}" for theme, f1 in themes.items()))
    return figures


def print_errors(rows, predictions):
    """The tuning part's mistakes only: looking at the held-out third would tune on it."""
    for index, (row, predicted) in enumerate(zip(rows, predictions, strict=True)):
        if is_held_out(index):
            continue
        if predicted != row["labels"]:
            _out(f"{index:3} {row['lang']} {row['score']:2} {row['comment']!r}")
            _out(f"      expected {row['labels']}\n      got      {predicted}")


def bench(rows, count=100_000, fresh_words=False):
    """Seconds to tag ``count`` comments (the set repeated); ``fresh_words`` adds an unseen word to each one: 100,000
    distinct words to stem, far more than real comments hold, so that the per-word caches cannot help."""
    analyser = new_analyser()
    comments = [rows[i % len(rows)] for i in range(count)]
    if fresh_words:
        generator = random.Random(0)
        letters = "abcdefghilmnoprstuv"
        texts = [
            f"{row['comment']} {''.join(generator.choice(letters) for _ in range(generator.randint(5, 10)))}"
            for row in comments
        ]
    else:
        texts = [row["comment"] for row in comments]
    started = time.perf_counter()
    for text, row in zip(texts, comments, strict=True):
        analyser.tag(text, row["lang"], row["score"])
    return time.perf_counter() - started


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--today", action="store_true", help="also measure today's keyword matcher")
    parser.add_argument("--errors", action="store_true", help="print the tuning part's mistakes")
    parser.add_argument("--bench", action="store_true", help="time tagging 100,000 comments")
    parser.add_argument("--without-score", action="store_true", help="also tag without the scores: the text alone")
    arguments = parser.parse_args(argv)
    rows = load_set()
    analyser = new_analyser()
    predictions = predict_new(analyser, rows)
    if arguments.today:
        match = today_matcher()
        today = [match(row["comment"], row["lang"]) for row in rows]
        report("Today's keyword matcher (no polarity)", rows, today)
        score_polarity = verbatim_module().score_polarity
        score_only = [
            {theme: score_polarity(row["score"]) for theme in predicted}
            for row, predicted in zip(rows, today, strict=True)
        ]
        report("Today's matcher, polarity from the score alone (0-6 complaint, 9-10 praise)", rows, score_only)
    if arguments.without_score:
        blind = [dict(analyser.tag(row["comment"], row["lang"])) for row in rows]
        report("Verbatim analyser without the scores (polarity from the text alone)", rows, blind)
    figures = report("Verbatim analyser (stems, phrases, weak terms, polarity)", rows, predictions)
    if arguments.errors:
        print_errors(rows, predictions)
    if arguments.bench:
        for fresh in (False, True):
            seconds = bench(rows, fresh_words=fresh)
            _out(f"100,000 comments{' (each with an unseen word)' if fresh else ''}: {seconds:.1f} s")
        if arguments.today:
            match = today_matcher()
            started = time.perf_counter()
            for i in range(100_000):
                row = rows[i % len(rows)]
                match(row["comment"], row["lang"])
            _out(f"100,000 comments with today's matcher: {time.perf_counter() - started:.1f} s")
    reached = all(
        figures[part]["f1"] >= TARGET_F1 and figures[part]["polarity"] >= TARGET_POLARITY
        for part in ("all", "held-out")
    )
    _out(f"targets (F1 >= {TARGET_F1}, polarity >= {TARGET_POLARITY}) {'met' if reached else 'NOT met'}")
    return 0 if reached else 1


if __name__ == "__main__":
    sys.exit(main())
