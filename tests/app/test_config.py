"""Configuration order and the production guard."""

import pytest

from merchant_onboard import create_app
from merchant_onboard.config import ConfigError, normalize_database_url
from merchant_onboard.db import dispose


def test_production_refuses_the_default_secret_key(monkeypatch, tmp_path):
    monkeypatch.setenv("MO_ENV_NAME", "production")
    monkeypatch.delenv("MO_SECRET_KEY", raising=False)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'p.db'}")
    with pytest.raises(ConfigError, match="MO_SECRET_KEY"):
        create_app()


@pytest.mark.parametrize("key", ["", "x", "k" * 31],
                         ids=["empty", "one-character", "31-characters"])
def test_production_refuses_an_empty_or_short_secret_key(monkeypatch, tmp_path, key):
    """Sessions and API tokens are signed with the key: an empty one (a failed ``$(cat …)``)
    lets anyone mint an administrator's token."""
    monkeypatch.setenv("MO_ENV_NAME", "production")
    monkeypatch.setenv("MO_SECRET_KEY", key)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'p.db'}")
    with pytest.raises(ConfigError, match="MO_SECRET_KEY"):
        create_app()


def test_development_treats_an_empty_secret_key_as_unset(monkeypatch, tmp_path):
    monkeypatch.setenv("MO_SECRET_KEY", "")
    monkeypatch.delenv("MO_ENV_NAME", raising=False)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'd.db'}")
    from flask import Flask

    from merchant_onboard.config import load_config

    app = Flask("a", instance_path=str(tmp_path))
    load_config(app)
    assert len(app.config["SECRET_KEY"]) >= 32


def test_production_with_a_key_uses_secure_cookies(monkeypatch, tmp_path):
    monkeypatch.setenv("MO_ENV_NAME", "production")
    monkeypatch.setenv("MO_SECRET_KEY", "k" * 64)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'p.db'}")
    app = create_app()
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SECRET_KEY"] == "k" * 64


def test_development_keeps_a_random_key_in_the_instance_folder(monkeypatch, tmp_path):
    monkeypatch.delenv("MO_SECRET_KEY", raising=False)
    monkeypatch.delenv("MO_ENV_NAME", raising=False)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'd.db'}")
    from flask import Flask

    from merchant_onboard.config import load_config

    first, second = Flask("a", instance_path=str(tmp_path)), Flask("b", instance_path=str(tmp_path))
    load_config(first)
    load_config(second)
    assert first.config["SECRET_KEY"] == second.config["SECRET_KEY"] != "dev-only-not-secret"
    assert len(first.config["SECRET_KEY"]) >= 32


def test_environment_overrides_defaults(monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", "postgres://u:p@db.example:5432/mo")
    monkeypatch.setenv("MO_LOGIN_MAX_FAILURES", "9")
    from flask import Flask

    from merchant_onboard.config import load_config

    app = Flask("c", instance_path=str(tmp_path))
    app.testing = True
    load_config(app)
    assert app.config["DATABASE_URL"] == "postgresql+psycopg://u:p@db.example:5432/mo"
    assert app.config["LOGIN_MAX_FAILURES"] == 9


def test_database_url_forms():
    assert normalize_database_url("sqlite:///x.db") == "sqlite:///x.db"
    assert normalize_database_url("postgresql://a/b") == "postgresql+psycopg://a/b"


def test_behind_a_proxy_the_throttle_sees_the_client_address(app_config, session, make_market,
                                                             make_user):
    app = create_app({**app_config, "TRUSTED_PROXIES": 1, "LOGIN_MAX_FAILURES": 2})
    make_user("lan", markets=[make_market("cho-proxy")])
    client = app.test_client()

    def attempt(address: str) -> int:
        return client.post("/login", data={"username": "someone", "password": "wrong"},
                           headers={"X-Forwarded-For": address}).status_code

    assert [attempt("203.0.113.7") for _ in range(3)] == [401, 401, 429]
    # Another customer behind the same proxy is not blocked by the first one's failures.
    ok = client.post("/login", data={"username": "lan", "password": "correct-horse-42"},
                     headers={"X-Forwarded-For": "198.51.100.9"})
    assert ok.status_code == 302
    dispose(app)


@pytest.mark.expect_server_error  # the request on the dropped connection is the one 500
@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
@pytest.mark.parametrize("pre_ping", [False, True], ids=["default", "MO_DB_PRE_PING"])
def test_a_dropped_database_connection_costs_at_most_one_request(monkeypatch, app_config,
                                                                  make_market, make_user,
                                                                  pre_ping):
    """Without the pre-ping (the default) one request fails after the server cut the pooled
    connection, and the next reconnects; with MO_DB_PRE_PING=true none fails."""
    import sqlalchemy as sa

    from merchant_onboard.db import engines

    if pre_ping:
        monkeypatch.setenv("MO_DB_PRE_PING", "true")
    make_user("lan", markets=[make_market("cho-ngat")])
    # As in production: the failed request is answered with the error page, not raised.
    app = create_app({**app_config, "PROPAGATE_EXCEPTIONS": False})
    assert [engine.pool._pre_ping for engine in engines(app)] == [pre_ping, pre_ping]
    client = app.test_client()
    client.post("/login", data={"username": "lan", "password": "correct-horse-42"})
    assert client.get("/m/cho-ngat/").status_code == 200
    pids = []
    for engine in engines(app):  # the one pooled connection of each pool (writes, reads)
        with engine.connect() as conn:
            pids.append(conn.execute(sa.text("SELECT pg_backend_pid()")).scalar())
    admin = sa.create_engine(engines(app)[0].url)
    with admin.connect() as conn:
        for pid in pids:
            conn.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    admin.dispose()
    statuses = [client.get("/m/cho-ngat/").status_code for _ in range(3)]
    assert statuses == ([200, 200, 200] if pre_ping else [500, 200, 200])
    dispose(app)


def test_a_bank_list_set_in_the_environment_replaces_the_shipped_one(monkeypatch, tmp_path):
    from merchant_onboard.domain.banks import default_registry, use_bank_list

    newer = tmp_path / "banks.csv"
    newer.write_text("bin,code,short_name,name\n970499,NEWB,NewBank,Ngân hàng Mới\n",
                     encoding="utf-8")
    monkeypatch.setenv("MO_BANKS_CSV", str(newer))
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'b.db'}")
    try:
        create_app({"TESTING": True})
        assert [bank.bin for bank in default_registry()] == ["970499"]
    finally:
        use_bank_list(None)


@pytest.mark.parametrize(("content", "words"), [
    (None, "No such file"),
    ("bin,name\n970499,Ngân hàng Mới\n", "missing column(s) code, short_name"),
    ("bin,code,short_name,name\n97049,NEWB,NewBank,Ngân hàng Mới\n", "6 digits"),
], ids=["missing-file", "missing-columns", "bad-bin"])
def test_a_wrong_bank_list_stops_the_start_naming_the_setting(monkeypatch, tmp_path, content,
                                                              words):
    """Found when the app is created, not as a 500 on the first request needing a bank."""
    from merchant_onboard.domain.banks import default_registry

    path = tmp_path / "banks.csv"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    monkeypatch.setenv("MO_BANKS_CSV", str(path))
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'b.db'}")
    with pytest.raises(ConfigError, match="MO_BANKS_CSV") as caught:
        create_app({"TESTING": True})
    assert words in str(caught.value) and "\n" not in str(caught.value)
    assert default_registry().by_bin("970436"), "the shipped list is still the one in use"


@pytest.mark.parametrize(("name", "value"), [
    ("MO_API_TOKEN_MAX_AGE", "abc"), ("MO_DB_BUSY_TIMEOUT", "abc"), ("MO_TRUSTED_PROXIES", "abc"),
    ("MO_TRUSTED_PROXIES", "-1"), ("MO_LOGIN_MAX_FAILURES", "true"), ("MO_DB_PRE_PING", "yes"),
])
def test_a_setting_of_the_wrong_kind_stops_the_start_naming_it(monkeypatch, tmp_path, name,
                                                               value):
    monkeypatch.setenv(name, value)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'c.db'}")
    with pytest.raises(ConfigError, match=name):
        create_app({"TESTING": True})


@pytest.mark.parametrize("url", ["garbage", "mysql://u@h/db", "postgresql://postgres@[::1/x",
                                 "postgresql+psycopg2://u@h/db"])
def test_a_database_url_the_app_cannot_use_stops_the_start_naming_it(monkeypatch, url):
    monkeypatch.setenv("DATABASE_URL", url)
    with pytest.raises(ConfigError, match="DATABASE_URL") as caught:
        create_app({"TESTING": True})
    assert "\n" not in str(caught.value)
