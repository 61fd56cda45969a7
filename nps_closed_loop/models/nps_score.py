"""The NPS scale in one place: categories, their NPS value, and the states a survey passes through.

Imported by the models and the controllers alike.
"""

DETRACTOR_MAX = 6
PASSIVE_MAX = 8
CATEGORY_SELECTION = [("detractor", "Detractor"), ("passive", "Passive"), ("promoter", "Promoter")]
# +100 / 0 / -100: the average over any group of answers is that group's Net Promoter Score
CATEGORY_NPS_VALUE = {"detractor": -100, "passive": 0, "promoter": 100}

# States of a survey whose message reached the customer (sent, then answered or left unanswered)
REACHED_STATES = ("sent", "answered", "expired")
# the loop states of an answer with a callback (any but "none"), as an IN list: an index can hold it
CALLBACK_LOOP_STATES = ("open", "contacted", "closed")
# States in which the survey link no longer takes an answer
CLOSED_STATES = ("expired", "cancelled")

DEFAULT_ANSWER_CHANGE_DAYS = 7
DEFAULT_CALLBACK_SLA_HOURS = 48


def score_category(score):
    """Category of a 0-10 answer: 0-6 detractor, 7-8 passive, 9-10 promoter."""
    if score is None or score is False:
        return False
    if score <= DETRACTOR_MAX:
        return "detractor"
    if score <= PASSIVE_MAX:
        return "passive"
    return "promoter"
