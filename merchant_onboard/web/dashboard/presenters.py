"""Turn a market's figures into the charts and labels the dashboard page shows."""

from __future__ import annotations

from babel.dates import format_skeleton
from flask_babel import get_locale
from flask_babel import gettext as _
from markupsafe import Markup

from merchant_onboard.web.dashboard.charts import Bar, bar_chart, line_chart
from merchant_onboard.domain.figures import REACHED_LABELS, Headline, rate
from merchant_onboard.domain.funnel import Status
from merchant_onboard.services.stats import MarketStats
from merchant_onboard.web.i18n import percent, thousands
from merchant_onboard.web.labels import REASON_LABELS


def reached_label(milestone: str) -> str:
    """The name of the count of stalls at ``milestone`` or past it, translated."""
    return _(REACHED_LABELS[Status(milestone)])


def funnel_chart(stats: MarketStats) -> Markup:
    bars = []
    for stage in stats.funnel:
        label = reached_label(stage.status)
        note = "" if stage.conversion is None else \
            _("%(pct)s từ bước trước", pct=percent(stage.conversion))
        bars.append(Bar(label, stage.count, f"{thousands(stage.count)} · {percent(stage.rate)}",
                        note, highlight=stage.status == "first_payment_confirmed"))
    return Markup(bar_chart(bars, title=_("Phễu chuyển đổi"), scale=stats.headline.census))


def refusal_chart(stats: MarketStats) -> Markup:
    total = sum(stats.refusals.values())
    bars = [Bar(str(REASON_LABELS.get(reason, reason)), n,
                f"{thousands(n)} · {percent(n / total)}")
            for reason, n in stats.refusals.items()]
    return Markup(bar_chart(bars, title=_("Lý do từ chối")))


def trend_chart(stats: MarketStats) -> Markup:
    # Dated as the page's own dates are, without the year: "7/12" in Vietnamese, "12/7" in
    # English, whose pages write the month first ("05/10" there reads as May 10).
    locale = get_locale()
    points = [(format_skeleton("Md", p.week, locale=locale), p.rate) for p in stats.weekly]
    target = stats.market.target_pct / 100
    return Markup(line_chart(points, title=_("Tỷ lệ có khách thanh toán theo tuần"),
                             target=target, target_label=_("Mục tiêu %(pct)s",
                                                           pct=percent(target)),
                             format_percent=percent))


def cards(head: Headline) -> list[tuple[str, str, int, float | None]]:
    """The headline cards: figure name (as in the API's headline), label, count, share of
    the census."""
    return [(key, reached_label(milestone), n, rate(n, head.census))
            for key, milestone, n in (
                ("registered", Status.REGISTERED, head.registered),
                ("installed", Status.POSTER_INSTALLED, head.installed),
                ("test_verified", Status.TEST_PAYMENT_VERIFIED, head.test_verified),
                ("first_paid", Status.FIRST_PAYMENT_CONFIRMED, head.first_paid))]


def status_rows(stats: MarketStats) -> list[tuple[str, int]]:
    """Stalls per current status, in funnel order, every status shown (zeros too)."""
    return [(status.value, stats.counts.get(status.value, 0)) for status in Status]
