"""What a database error says in the operator's log: the statement, not the owners' data."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from merchant_onboard.db import engines


def test_a_failed_statement_logs_without_its_values(app):
    """An unexpected database error is logged with its traceback (web/errors.py), and
    SQLAlchemy's message carried the statement's bound values: an owner's phone or account
    number in the crash log of a search or a registration. Every engine hides them."""
    phone = "0987654321"
    for engine in engines(app):
        with engine.connect() as connection, pytest.raises(sa.exc.DBAPIError) as caught:
            connection.execute(sa.text("SELECT owner_phone FROM no_such_table "
                                       "WHERE owner_phone = :phone"), {"phone": phone})
        assert "no_such_table" in str(caught.value)
        assert phone not in str(caught.value), engine.url
