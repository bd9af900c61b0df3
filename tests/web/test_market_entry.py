"""Every page of a market loads its user with the market (``web/market_entry.py``).

Marking a view ``@enters_market()`` is a convention a new view could miss: it would still work,
one round trip dearer. This test finds the views of a market's URLs from the URL map.
"""

from __future__ import annotations

import re

#: A market's own URLs: the pages under /m/<code>/ and the API's /markets/<code>/.
MARKET_URL = re.compile(r"^(/m/<code>|/api/v1/markets/<code>)(/|$|\.)")


def test_every_view_of_a_markets_url_enters_it_with_the_user(app):
    marked, unmarked = set(), set()
    for rule in app.url_map.iter_rules():
        wish = getattr(app.view_functions[rule.endpoint], "enters_market", None)
        if wish is not None:
            marked.add(rule.rule)
        elif MARKET_URL.match(rule.rule):
            unmarked.add(rule.rule)
    assert unmarked == set()
    # A mark on a view without a market in its URL would do nothing but read more.
    assert all(MARKET_URL.match(rule) for rule in marked), marked
    assert "/m/<code>/" in marked and "/api/v1/markets/<code>/stalls" in marked
