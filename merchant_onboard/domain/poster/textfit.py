"""Fitting text into a width: shrink, then wrap into balanced lines, never cut a word off."""

from __future__ import annotations

from dataclasses import dataclass

from merchant_onboard.domain.poster.fonts import Metrics, Weight, cluster_cut

#: A name stays on fewer lines if that costs at most this much of its type size: one line at
#: 80 % reads better than two lines at full size.
PREFER_FEWER_LINES = 0.8


@dataclass(frozen=True)
class Fitted:
    """Text broken into lines at the size it will be drawn at."""

    size: float
    lines: tuple[str, ...]
    widths: tuple[float, ...]


def fit_text(
    text: str, weight: Weight, *, size: float, min_size: float, max_lines: int,
    max_width: float, metrics: Metrics, ellipsis: bool = False,
) -> Fitted:
    """The largest size from ``size`` down to ``min_size`` at which ``text`` fits in ``max_lines``.

    Fewer lines win while they cost no more than :data:`PREFER_FEWER_LINES` of the size.
    If it does not fit at ``min_size``: with ``ellipsis`` the last line is shortened and ends
    with "…" (the size never drops below ``min_size``); without, the text is never cut: it gets
    one more line, and keeps shrinking below ``min_size`` only if even that is not enough.
    """
    size = metrics.quantize(size)
    for allowed in range(1, max_lines + 1):
        floor = min_size if allowed == max_lines else max(min_size, size * PREFER_FEWER_LINES)
        fitted = _shrink_until(text, weight, size, floor, allowed, max_width, metrics)
        if fitted:
            return fitted
    smallest = metrics.quantize(min_size)
    if ellipsis:
        return _shortened(text, weight, smallest, max_lines, max_width, metrics)
    return _shrink_until(text, weight, smallest, 0.5, max_lines + 1, max_width, metrics) or Fitted(
        smallest, (text,), (metrics.width(text, weight, smallest),)
    )


def _shortened(text: str, weight: Weight, size: float, max_lines: int, max_width: float,
               metrics: Metrics) -> Fitted:
    """``text`` in ``max_lines`` at ``size``, the last line cut where "…" still fits."""
    lines = wrap(text, weight, size, max_width, metrics)[:max_lines]
    last = lines[-1]
    while last and metrics.width(last.rstrip() + "…", weight, size) > max_width:
        last = last[:cluster_cut(last, len(last) - 1)] if len(last) > 1 else ""
    lines[-1] = last.rstrip() + "…"
    return Fitted(size, tuple(lines), tuple(metrics.width(line, weight, size) for line in lines))


def _shrink_until(
    text: str, weight: Weight, size: float, floor: float, allowed: int, max_width: float,
    metrics: Metrics,
) -> Fitted | None:
    """Shrink from ``size`` to ``floor`` until ``text`` wraps into ``allowed`` lines."""
    # Compare with the floor as the renderer rounds it, or rounding up could loop forever.
    floor = metrics.quantize(floor)
    while True:
        lines = wrap(text, weight, size, max_width, metrics)
        if len(lines) <= allowed:
            lines = _balance(text, weight, size, max_width, len(lines), metrics)
            widths = tuple(metrics.width(line, weight, size) for line in lines)
            return Fitted(size, tuple(lines), widths)
        if size <= floor:
            return None
        size = max(floor, _smaller(size, metrics))


def _smaller(size: float, metrics: Metrics) -> float:
    """The next size down: about 6 % smaller, and always smaller after rounding."""
    smaller = metrics.quantize(size * 0.94)
    return smaller if smaller < size else size - 0.5


def _balance(text: str, weight: Weight, size: float, max_width: float, count: int,
             metrics: Metrics) -> list[str]:
    """Wrap into ``count`` lines of similar length: the narrowest width still giving ``count``.

    Greedy wrapping at full width leaves a lone last word ("Tạp hoá Cô Ba – Chợ Vị / Thanh");
    narrowing the width until one more line would appear evens the lines out.
    """
    if count <= 1:
        return wrap(text, weight, size, max_width, metrics)
    # Never narrower than the widest word: balancing must not break a word apart.
    widest_word = max(metrics.width(word, weight, size) for word in text.split())
    low, high = min(max_width, max(max_width / count, widest_word)), max_width
    for _ in range(10):
        middle = (low + high) / 2
        if len(wrap(text, weight, size, middle, metrics)) <= count:
            high = middle
        else:
            low = middle
    return wrap(text, weight, size, high, metrics)


def wrap(text: str, weight: Weight, size: float, max_width: float, metrics: Metrics) -> list[str]:
    """Greedy word wrap; a single word wider than the line is broken before "/v/" if it has
    one, else between letters."""
    lines: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}" if current else word
        if metrics.width(candidate, weight, size) <= max_width:
            current = candidate
            continue
        if current:
            lines.append(current)
        current = word
        while len(current) > 1 and metrics.width(current, weight, size) > max_width:
            # An address breaks before "/v/", never inside the code a customer types.
            head, mark, tail = current.rpartition("/v/")
            if mark and head and metrics.width(head, weight, size) <= max_width:
                lines.append(head)
                current = mark + tail
                continue
            cut = cluster_cut(current, len(current) - 1)
            while cut > 1 and metrics.width(current[:cut], weight, size) > max_width:
                cut = cluster_cut(current, cut - 1)
            # Khmer writes no spaces between words, only an invisible zero-width space where
            # a line may break: take the last one that fits.
            word_break = current.rfind("\u200b", 1, cut)
            if word_break > 0:
                cut = word_break + 1
            lines.append(current[:cut])
            current = current[cut:]
    if current:
        lines.append(current)
    return lines
