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


@pytest.mark.own_app
@pytest.mark.expect_server_error
def test_an_unexpected_refusal_is_logged_without_the_values_it_names(app, client, caplog):
    """PostgreSQL says which values a constraint refused ("DETAIL: Key (phone)=(0987654321)
    already exists"), and the traceback of an unexpected error carried that line into the
    operator's log: an owner's phone or account number. The log keeps the traceback and
    which constraint refused, not the values."""
    phone = "0987654321"

    @app.get("/test-refused-values")
    def refused_values():
        from merchant_onboard.db import get_session

        session = get_session()
        session.execute(sa.text("CREATE TEMP TABLE refused (phone varchar(20) UNIQUE)"))
        for _ in range(2):
            session.execute(sa.text("INSERT INTO refused VALUES (:phone)"), {"phone": phone})
        return "unreachable"

    with caplog.at_level("ERROR"):
        assert client.get("/test-refused-values").status_code == 500
    assert "Traceback" in caplog.text and "IntegrityError" in caplog.text
    assert "unique" in caplog.text.lower()
    assert phone not in caplog.text
