"""Sentences in the programme's style, generated from cohort counts (suppressed counts are None)."""

from __future__ import annotations

from collections.abc import Mapping

_ONES = (
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
)
_TENS = ("_", "_", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")
DIMENSION_KEYS = ("dimension_1", "dimension_2", "dimension_3")
SUPPRESSED_NOTE = "suppressed for publication (small numbers)"
Counts = Mapping[str, Mapping[str, int | None]]


def number_words(n: int) -> str:
    """A count in words as the programme wrote them ('eight', 'twenty-one'); 100 and above in digits."""
    if n < 0:
        raise ValueError("counts are not negative")
    if n < 20:
        return _ONES[n]
    if n < 100:
        tens, ones = divmod(n, 10)
        return _TENS[tens] + (f"-{_ONES[ones]}" if ones else "")
    return (
        f"{n:,}"  # 'one hundred and forty-three of ...' is hard to read; large counts read better as digits
    )


def families(n: int) -> str:
    """'no family', 'one family', 'six families'."""
    if n == 0:
        return "no family"
    return f"{number_words(n)} {'family' if n == 1 else 'families'}"


def _label(dims: list[str]) -> str:
    numbers = [d.rsplit("_", 1)[1] for d in dims]
    if len(numbers) == 1:
        return f"Dimension {numbers[0]}"
    return f"Dimensions {', '.join(numbers[:-1])} and {numbers[-1]}"


def _of(count: int, denom: int, headline: int, full: bool) -> str:
    """'six of eight families' (full), or 'five families' when the denominator is the headline's."""
    if denom == 0:
        return "no family with data at both administrations"
    if full or denom != headline:
        first = "none" if count == 0 else number_words(count)
        return f"{first} of {number_words(denom)} {'family' if denom == 1 else 'families'}"
    return "no families" if count == 0 else families(count)


def positive_change_sentence(headline: int | None, counts: Counts, suppress_below: int | None = None) -> str:
    """The programme's paragraph: families with repeat administrations, positive change by score."""
    if headline is None:
        return (
            f"SCORE-15 has been administered at two or more intervals with fewer than {suppress_below} "
            f"families; further figures are {SUPPRESSED_NOTE}."
        )
    if headline == 0:
        return "SCORE-15 has not yet been administered at two or more intervals with any family."
    parts = [f"SCORE-15 has been administered at two or more intervals with {families(headline)}."]
    shown = [d for d in DIMENSION_KEYS if _known(counts[d], "positive_change")]
    hidden = [d for d in DIMENSION_KEYS if d not in shown]
    if hidden:
        parts.append(_neutral_dimensions(headline, counts, shown, hidden))
    else:
        parts.append(_ranked_dimensions(headline, counts))
    parts.append(_overall(headline, counts["total"]))
    return " ".join(parts)


def _known(c: Mapping[str, int | None], key: str) -> bool:
    return c.get(key) is not None and c.get("families_with_change_data") is not None


def _ranked_dimensions(headline: int, counts: Counts) -> str:
    """Dimensions ordered by how often families improved; ties grouped; the least frequent set apart."""

    def share(d: str) -> float:
        c = counts[d]
        return (
            c["positive_change"] / c["families_with_change_data"] if c["families_with_change_data"] else 0.0
        )

    # Tie groups: same count over the same denominator read as one phrase ("Dimensions 2 and 3 ... each").
    groups: dict[tuple[int, int], list[str]] = {}
    for d in sorted(DIMENSION_KEYS, key=lambda d: (-share(d), d)):
        c = counts[d]
        groups.setdefault((c["positive_change"], c["families_with_change_data"]), []).append(d)
    ordered = list(groups.items())
    if all(count == 0 for (count, _), _ in ordered):
        return "No family showed positive change on any dimension."

    def phrase(group: tuple[tuple[int, int], list[str]], full: bool) -> str:
        (count, denom), dims = group
        each = " each" if len(dims) > 1 else ""
        return f"{_label(dims)} ({_of(count, denom, headline, full)}{each})"

    low_share = share(ordered[-1][1][0])
    high = [g for g in ordered if share(g[1][0]) > low_share]
    low = [g for g in ordered if share(g[1][0]) == low_share]
    if not high:  # every dimension equally often
        if len(low) == 1:
            (count, denom), _ = low[0]
            return (
                f"Positive change occurred equally often in all three dimensions "
                f"({_of(count, denom, headline, True)} each)."
            )
        return "Positive change occurred equally often in " + _and([phrase(g, True) for g in low]) + "."
    hi_text = _and([phrase(g, full=i == 0) for i, g in enumerate(high)])
    if len(low) == 1:
        lo_text = phrase(low[0], True).replace(" (", " saw less positive change (", 1)
    else:
        lo_dims = [d for _, dims in low for d in dims]
        lo_text = (
            f"{_label(lo_dims)} saw less positive change ("
            + "; ".join(f"{_label(dims)}: {_of(c, n, headline, True)}" for (c, n), dims in low)
            + ")"
        )
    return f"Positive change occurred most frequently in {hi_text}; {lo_text}."


def _and(items: list[str]) -> str:
    """'a', 'a and b', 'a, b and c'."""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _neutral_dimensions(headline: int, counts: Counts, shown: list[str], hidden: list[str]) -> str:
    """Without ranking: a suppressed dimension might be the most frequent, so order claims are avoided."""
    note = f"figures for {_label(hidden)} are {SUPPRESSED_NOTE}"
    if not shown:
        return note[0].upper() + note[1:] + "."
    items = []
    for i, d in enumerate(shown):
        count, denom = counts[d]["positive_change"], counts[d]["families_with_change_data"]
        # After the first, a count over the headline's denominator reads 'five on Dimension 3'.
        short = ("none" if count == 0 else number_words(count)) if denom == headline else None
        items.append(
            f"{_of(count, denom, headline, True) if i == 0 or short is None else short} on {_label([d])}"
        )
    return f"Positive change occurred in {_and(items)}; {note}."


def _overall(headline: int, total: Mapping[str, int | None]) -> str:
    if not _known(total, "positive_change"):
        return f"Overall figures for the total score are {SUPPRESSED_NOTE}."
    count, denom = total["positive_change"], total["families_with_change_data"]
    if denom == 0:
        return "Overall, no family had a total score at both administrations."
    who = families(count) if denom == headline else _of(count, denom, headline, True)
    return (
        f"Overall, {who} demonstrated positive change in family functioning comparing changes in total "
        "score over time."
    )


def reliable_change_sentence(counts: Counts, critical: float, not_computed: Mapping[str, str]) -> str:
    """How many of the changes were reliable (Jacobson & Truax), by total and dimension."""
    parts = []
    rci = f"(|RCI| \u2265 {critical:g})"
    total = counts["total"]
    if "total" in not_computed:
        parts.append(
            f"The Reliable Change Index was not computed for the total score ({not_computed['total']})."
        )
    elif total.get("reliable_improvement") is None or total.get("reliable_deterioration") is None:
        parts.append(f"Reliable change in total score {rci} is {SUPPRESSED_NOTE}.")
    else:
        imp, det = total["reliable_improvement"], total["reliable_deterioration"]
        det_text = "none" if det == 0 else families(det)
        parts.append(
            f"Judged by the Reliable Change Index {rci}, {families(imp)} showed reliable improvement "
            f"in total score and {det_text} showed reliable deterioration."
        )
    dims = [d for d in DIMENSION_KEYS if d not in not_computed]
    if dims:
        imp_text = _by_dimension(counts, dims, "reliable_improvement")
        det_text = _by_dimension(counts, dims, "reliable_deterioration")
        parts.append(
            f"By dimension, reliable improvement occurred {imp_text}, and reliable deterioration {det_text}."
        )
    missing = [d for d in DIMENSION_KEYS if d in not_computed]
    if missing:
        parts.append(
            f"The Reliable Change Index was not computed for {_label(missing)} ({not_computed[missing[0]]})."
        )
    return " ".join(parts)


def _by_dimension(counts: Counts, dims: list[str], key: str) -> str:
    hidden = [d for d in dims if counts[d].get(key) is None]
    nonzero = [d for d in dims if d not in hidden and counts[d][key] > 0]
    pieces = []
    for i, d in enumerate(nonzero):
        n = counts[d][key]
        pieces.append(f"{families(n) if i == 0 else number_words(n)} on {_label([d])}")
    if pieces:
        text = "in " + _and(pieces)
    else:
        text = "in no family on any dimension" if not hidden else "in no family on the other dimensions"
    if hidden:
        text += f" ({_label(hidden)} not shown: small numbers)"
    return text
