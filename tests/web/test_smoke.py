"""The app starts on each backend and a volunteer reaches the market page."""


def test_volunteer_logs_in_and_sees_the_market(client, auth, make_market, make_user):
    market = make_market("cho-vi-thanh", name="Chợ Vị Thanh")
    make_user("lan", markets=[market])
    response = auth.login("lan")
    assert response.status_code == 302
    page = client.get("/m/cho-vi-thanh/")
    assert page.status_code == 200
    assert "Chợ Vị Thanh" in page.get_data(as_text=True)


def test_health_check(client):
    assert client.get("/healthz").get_json() == {"status": "ok"}
