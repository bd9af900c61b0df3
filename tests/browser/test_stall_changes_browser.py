"""A volunteer changes a stall's bank account and edits its details, on a phone in Chromium.

Both forms had no web-level test: these drive them as a volunteer does and check what she sees
and what the registry then holds.
"""

from __future__ import annotations

import re
import uuid

import pytest
from sqlmodel import select

from merchant_onboard.models import PaymentAccount, Poster, Stall

pytestmark = pytest.mark.browser

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips (a failure under CI) with the reason
    expect = None


@pytest.fixture
def printed_stall(seed):
    """A volunteer's stall whose poster was printed: changing its account must undo that."""
    from merchant_onboard.services.onboarding import record_event

    market = seed.market(seed.unique("cho"), name="Chợ Tân Lập")
    volunteer = seed.user(seed.unique("lan"), markets=[market])
    stall = seed.stall(market, volunteer, stall_code="C-4", zone="Khu C", shop_name="Bún bò Cô Sáu",
                       owner_name="Trần Thị Sáu", owner_phone="0913 222 444",
                       account_number="0011012345004")
    record_event(seed.session, actor=volunteer, stall=stall, kind="poster_printed",
                 client_id=str(uuid.uuid4()), data={})
    return volunteer, market, stall


def _stored(seed, stall_id: int) -> tuple[Stall, list[PaymentAccount], list[Poster]]:
    """What the registry holds now (not what this session remembers)."""
    seed.session.expire_all()
    stall = seed.session.get(Stall, stall_id)
    accounts = seed.session.exec(select(PaymentAccount).where(PaymentAccount.stall_id == stall_id)
                                 .order_by(PaymentAccount.id)).all()
    posters = seed.session.exec(select(Poster).where(Poster.stall_id == stall_id)).all()
    return stall, list(accounts), list(posters)


def test_volunteer_changes_the_bank_account_and_the_old_poster_is_revoked(
        printed_stall, seed, phone_page, login, screenshot):
    volunteer, _market, stall = printed_stall
    page = phone_page
    login(page, volunteer.username)
    page.goto(f"/stalls/{stall.id}")
    expect(page.locator(".page-head .badge")).to_have_text("Đã in poster")

    page.get_by_role("link", name="Đổi tài khoản").click()
    expect(page.get_by_role("heading", name="Đổi tài khoản nhận tiền")).to_be_visible()
    # The form warns what the change costs before anything is saved.
    expect(page.locator(".warning")).to_contain_text("Poster cũ sẽ bị thu hồi")
    # The holder name starts as the owner's name the way a bank writes it.
    expect(page.get_by_label(re.compile("Tên chủ tài khoản"))).to_have_value("TRAN THI SAU")
    bank = page.get_by_role("combobox", name="Ngân hàng")
    bank.press_sequentially("vietin")
    bank.fill(page.locator("#bank-list option", has_text="970415").get_attribute("value"))
    page.get_by_label("Số tài khoản / số thẻ").fill("1080 0234 5678")
    screenshot(page, "stall-account-change-phone")
    with page.expect_navigation():
        page.get_by_role("button", name="Đổi tài khoản").last.click()

    expect(page.get_by_role("status")).to_contain_text("Đã đổi tài khoản")
    # Back to "registered": the printed poster no longer pays this stall.
    expect(page.locator(".page-head .badge")).to_have_text("Đã đăng ký")
    facts = page.locator(".facts")
    expect(facts).to_contain_text("VietinBank")
    expect(facts).to_contain_text("1080 0234 5678")
    expect(facts).to_contain_text("TRAN THI SAU")
    expect(page.locator(".poster-links + p")).to_contain_text("ĐÃ THU HỒI")
    expect(page.locator(".timeline li").first).to_contain_text("Đổi tài khoản")
    screenshot(page, "stall-account-changed-phone")

    saved, accounts, posters = _stored(seed, stall.id)
    assert saved.status == "registered"
    primary = [a for a in accounts if a.is_primary]
    assert [(a.bank_bin, a.account_number) for a in primary] == [("970415", "108002345678")]
    assert [a.account_number for a in accounts if not a.is_primary] == ["0011012345004"]
    assert posters and all(p.revoked_at is not None for p in posters)


def test_a_wrong_account_change_is_explained_and_changes_nothing(
        printed_stall, seed, phone_page, login):
    volunteer, _market, stall = printed_stall
    page = phone_page
    login(page, volunteer.username)
    page.goto(f"/stalls/{stall.id}/account")
    page.get_by_label("Số tài khoản / số thẻ").fill("12")
    page.get_by_role("button", name="Đổi tài khoản").last.click()

    expect(page.get_by_role("alert")).to_contain_text("Vui lòng sửa các mục được đánh dấu.")
    expect(page.locator(".field.has-error", has=page.get_by_label("Ngân hàng"))).to_be_visible()
    expect(page.locator(".field.has-error", has=page.get_by_label("Số tài khoản / số thẻ")))\
        .to_be_visible()
    saved, accounts, posters = _stored(seed, stall.id)
    assert saved.status == "poster_printed"
    assert [(a.account_number, a.is_primary) for a in accounts] == [("0011012345004", True)]
    assert all(p.revoked_at is None for p in posters)


def test_volunteer_edits_a_stall_and_every_changed_field_is_saved(
        printed_stall, seed, phone_page, login, screenshot):
    volunteer, market, stall = printed_stall
    page = phone_page
    login(page, volunteer.username)
    page.goto(f"/stalls/{stall.id}")
    page.get_by_role("link", name="Sửa thông tin").click()
    expect(page.get_by_role("heading", name="Sửa thông tin gian hàng")).to_be_visible()
    # The form opens with what is stored.
    expect(page.get_by_label("Khu / dãy")).to_have_value("Khu C")
    expect(page.get_by_label("Tên gian hàng")).to_have_value("Bún bò Cô Sáu")

    page.get_by_label("Mã gian hàng").fill("C-10")
    page.get_by_label("Khu / dãy").fill("Khu D – Ăn uống")
    page.get_by_label("Tên gian hàng").fill("Bún bò Huế Cô Sáu")
    page.get_by_label("Số điện thoại").fill("0987 654 321")
    page.get_by_label("Ngành hàng").fill("Ăn uống")
    page.get_by_label("Ghi chú").fill("Mở cửa từ 5 giờ sáng")
    screenshot(page, "stall-edit-phone")
    with page.expect_navigation():
        page.get_by_role("button", name="Lưu").click()

    expect(page.get_by_role("status")).to_contain_text("Đã lưu thay đổi.")
    expect(page.get_by_role("heading", name=re.compile("C-10 Bún bò Huế Cô Sáu"))).to_be_visible()
    expect(page.locator(".page-head .muted")).to_contain_text("Khu D – Ăn uống")
    # An edit is not an account change: the poster and the status stay.
    expect(page.locator(".page-head .badge")).to_have_text("Đã in poster")

    saved, accounts, posters = _stored(seed, stall.id)
    assert (saved.stall_code, saved.zone, saved.shop_name, saved.owner_phone, saved.category,
            saved.notes) == ("C-10", "Khu D – Ăn uống", "Bún bò Huế Cô Sáu", "0987654321",
                             "Ăn uống", "Mở cửa từ 5 giờ sáng")
    assert all(p.revoked_at is None for p in posters)
    # The zone filter of the market's list finds the stall under its new zone.
    page.goto(f"/m/{market.code}/?zone=Khu D – Ăn uống")
    expect(page.locator("#stall-list li", has_text="Bún bò Huế Cô Sáu")).to_contain_text("C-10")


def test_an_edit_that_empties_a_required_field_saves_nothing(
        printed_stall, seed, phone_page, login, screenshot):
    volunteer, _market, stall = printed_stall
    page = phone_page
    login(page, volunteer.username)
    page.goto(f"/stalls/{stall.id}/edit")
    page.get_by_label("Tên gian hàng").fill("")
    page.get_by_label("Khu / dãy").fill("Khu Z")
    page.get_by_role("button", name="Lưu").click()

    expect(page.locator(".field.has-error", has=page.get_by_label("Tên gian hàng"))).to_be_visible()
    # What was typed stays on the form.
    expect(page.get_by_label("Khu / dãy")).to_have_value("Khu Z")
    screenshot(page, "stall-edit-error-phone")
    saved, _accounts, _posters = _stored(seed, stall.id)
    assert (saved.shop_name, saved.zone) == ("Bún bò Cô Sáu", "Khu C")
