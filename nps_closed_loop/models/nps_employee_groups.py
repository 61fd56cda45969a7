"""Which figures of an employee NPS may be shown: pure functions, no database.

A group (a department, with the hr bridge) is shown only with at least ``minimum`` answers. The groups under it
are folded into one "Other" group, and the folding goes on until no figure shown, nor the total minus the figures
shown, is the figure of one group under the threshold:

- "Other" holds at least two groups (one group alone in it would be that group, named by elimination), and at
  least ``minimum`` answers; otherwise the smallest shown group joins it;
- when every group ends up in "Other", no group is shown: only the total, itself shown only with ``minimum``
  answers. The total minus the shown groups is then "Other" itself, which meets both conditions.
"""

OTHER = "__other__"


def fold_groups(counts, minimum):
    """``(shown, folded)`` of ``counts`` (``{group: answers}``): the groups shown on their own, largest first,
    and the set of groups folded into "Other" (empty when none is, or when "Other" would be the total)."""
    shown = sorted((group for group, count in counts.items() if count >= minimum), key=lambda g: (counts[g], g))
    folded = [group for group, count in counts.items() if count < minimum]
    while folded and (len(folded) < 2 or sum(counts[group] for group in folded) < minimum):
        if not shown:
            break
        folded.append(shown.pop(0))
    if folded and not shown:
        # everything folded: "Other" is the total, not a group of its own
        return [], set()
    shown.sort(key=lambda g: (-counts[g], g))
    return shown, set(folded)


def is_shown(count, minimum):
    """Whether figures of ``count`` answers may be shown."""
    return count >= minimum
