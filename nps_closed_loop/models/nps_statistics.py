"""How sure an NPS figure is: the margin of error of a Net Promoter Score, and the two-proportion z-test that says
whether calling detractors back changed their behaviour or the difference is chance.

Pure functions, shared by the analysis report, the campaign form, the Overview and the workbook.
"""

import math

# 95 % confidence: 1.96 standard errors either side
Z_95 = 1.96
# Below this many answers, or with a wider margin (in NPS points), an NPS is flagged as not significant.
SIGNIFICANT_MIN_ANSWERS = 30
SIGNIFICANT_MAX_MARGIN = 10.0
# A difference between two proportions is significant below this p-value (two-sided test).
SIGNIFICANT_P_VALUE = 0.05


def percent(part, whole):
    """``part`` as a percentage of ``whole``; ``None`` on an empty base: no figure, not 0 %."""
    return 100.0 * part / whole if whole else None


def nps_figures(count, promoters, detractors):
    """``(nps, margin, significant)`` of ``count`` answers of which ``promoters`` and ``detractors``.

    The NPS is 100 × (p − d), p and d the promoter and detractor shares; its 95 % margin of error is
    1.96 × 100 × √((p + d − (p − d)²) / n), the NPS being the mean of +1 / 0 / −1 scores whose variance is
    p + d − (p − d)². A group of fewer than 30 answers, or whose margin is wider than ±10 points, is not
    significant. Without answers: ``(None, None, False)``.
    """
    if not count:
        return None, None, False
    promoter_share = promoters / count
    detractor_share = detractors / count
    nps = 100.0 * (promoter_share - detractor_share)
    variance = promoter_share + detractor_share - (promoter_share - detractor_share) ** 2
    margin = Z_95 * 100.0 * math.sqrt(max(variance, 0.0) / count)
    significant = count >= SIGNIFICANT_MIN_ANSWERS and margin <= SIGNIFICANT_MAX_MARGIN
    return nps, margin, significant


def share_margin(part, whole):
    """95 % margin of error, in points, of the share ``part / whole`` (e.g. the NPS points a theme's complaints
    cost: a share of all answers): 1.96 × 100 × √(p (1 − p) / n). ``None`` on an empty base."""
    if not whole:
        return None
    share = part / whole
    return Z_95 * 100.0 * math.sqrt(max(share * (1.0 - share), 0.0) / whole)


def two_proportion_p_value(successes_a, count_a, successes_b, count_b):
    """Two-sided p-value of the two-proportion z-test between ``successes_a / count_a`` and
    ``successes_b / count_b`` (pooled standard error). ``None`` when it cannot be computed: a group is
    empty, or every member of both groups had the same outcome (no variance)."""
    if not count_a or not count_b:
        return None
    pooled = (successes_a + successes_b) / (count_a + count_b)
    standard_error = math.sqrt(pooled * (1.0 - pooled) * (1.0 / count_a + 1.0 / count_b))
    if not standard_error:
        return None
    z = (successes_a / count_a - successes_b / count_b) / standard_error
    return math.erfc(abs(z) / math.sqrt(2.0))


def compare_rates(hits_a, count_a, hits_b, count_b):
    """``hits_a / count_a`` against ``hits_b / count_b``: the difference in points (``None`` when a group is
    empty), the p-value of the two-proportion z-test and whether it is significant (95 %)."""
    p_value = two_proportion_p_value(hits_a, count_a, hits_b, count_b)
    return {
        "difference": 100.0 * (hits_a / count_a - hits_b / count_b) if count_a and count_b else None,
        "p_value": p_value,
        "significant": p_value is not None and p_value < SIGNIFICANT_P_VALUE,
    }
