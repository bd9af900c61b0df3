"""Posters at the service level: one stall's file, a market's batch, and recording a batch.

Checked through what a manager gets: the stalls a batch holds and in which order, the QR
codes its PDF scans back to, and what recording it writes.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timezone

import pytest
from sqlmodel import select

from merchant_onboard.domain.decode import decode_bytes
from merchant_onboard.domain.errors import ConflictError, ValidationError
from merchant_onboard.domain.poster import PosterFormat
from merchant_onboard.models import Event, PaymentAccount, Poster, Stall
from merchant_onboard.services import onboarding, posters

BASE = "https://qr.example.vn/"


@pytest.fixture
def market(make_market):
    return make_market("cho-vi-thanh", name="Chợ Vị Thanh", campaign_title="Chợ 4.0 Vị Thanh")


@pytest.fixture
def volunteer(make_user, market):
    return make_user("lan", markets=[market])


@pytest.fixture
def stalls(make_stall, market, volunteer):
    """Five stalls over two zones, made out of order; A-10 comes after A-2 (natural sort)."""
    made = {}
    for n, (code, zone) in enumerate([("A-10", "Khu A"), ("B-1", "Khu B"), ("A-2", "Khu A"),
                                      ("A-1", "Khu A"), ("B-3", "Khu B")]):
        made[code] = make_stall(market, volunteer, stall_code=code, zone=zone,
                                shop_name=f"Gian {code}", owner_phone=f"0912 000 1{n:02d}",
                                account_number=f"00110123450{n:02d}")
    return made


def codes(session, market, **selection):
    return [s.stall_code for s, _a in posters.batch_rows(session, market,
                                                         posters.BatchFilter(**selection))]


def payload_of(session, stall) -> str:
    return session.exec(select(PaymentAccount.payload).where(
        PaymentAccount.stall_id == stall.id, PaymentAccount.is_primary.is_(True))).one()


def test_formats_are_read_case_blind_with_a6_by_default():
    assert posters.parse_format("STICKER") is PosterFormat.STICKER
    assert posters.parse_format(None) is PosterFormat.A6
    assert posters.parse_format("", default="png") is PosterFormat.PNG
    with pytest.raises(ValidationError) as caught:
        posters.parse_format("a3")
    assert str(caught.value) == "format: Khổ poster không hợp lệ (a6, a5, a4, sticker, png)."


def test_a_batch_filter_takes_printable_statuses_only():
    assert posters.BatchFilter.parse("registered", "Khu A") == \
        posters.BatchFilter(status="registered", zone="Khu A")
    assert posters.BatchFilter.parse("", "") == posters.BatchFilter(status=None, zone=None)
    for status in ("census", "refused", "inactive", "nonsense"):
        with pytest.raises(ValidationError) as caught:
            posters.BatchFilter.parse(status, None)
        assert str(caught.value) == "status: Trạng thái không in được poster."


def test_the_poster_spec_carries_what_is_printed(session, market, stalls):
    stall = stalls["A-2"]
    account = onboarding.primary_account(session, stall.id)
    spec = posters.spec_for(stall, market, account, verify_base=BASE)
    assert (spec.campaign_title, spec.market_name, spec.shop_name, spec.stall_code,
            spec.bank_short_name, spec.holder_name, spec.account_number, spec.verify_code) == (
        "Chợ 4.0 Vị Thanh", "Chợ Vị Thanh", "Gian A-2", "A-2", "Vietcombank", "NGUYEN THI BA",
        account.account_number, stall.public_code)
    assert spec.payload == account.payload
    assert spec.verify_url == f"https://qr.example.vn/v/{stall.public_code}"


def test_without_a_campaign_or_shop_name_the_poster_falls_back(session, make_market, volunteer,
                                                               make_stall):
    plain = make_market("cho-khac")
    stall = make_stall(plain, volunteer)
    account = onboarding.primary_account(session, stall.id)
    # A stall imported from a census may have no shop name: the owner's name is printed.
    stall.shop_name = ""
    spec = posters.spec_for(stall, plain, account, verify_base="https://x.vn")
    assert (spec.campaign_title, spec.shop_name) == \
        ("Thanh toán không dùng tiền mặt", "Nguyễn Thị Ba")


def test_one_stalls_poster_scans_back_to_its_payload(session, market, stalls):
    stall = stalls["B-1"]
    png = posters.stall_poster(session, stall=stall, market=market, fmt=PosterFormat.PNG,
                               verify_base=BASE)
    assert [d.payload for d in decode_bytes(png)] == [payload_of(session, stall)]


def test_a_census_stall_has_no_poster(session, market, volunteer):
    from merchant_onboard.services.stalls import unused_public_code

    census = Stall(market_id=market.id, stall_code="Z-1", sort_key="z-1", shop_name="Z",
                   owner_name="Z", public_code=unused_public_code(session))
    session.add(census)
    session.commit()
    with pytest.raises(ValidationError) as caught:
        posters.stall_poster(session, stall=census, market=market, fmt=PosterFormat.A6,
                             verify_base=BASE)
    assert caught.value.field == "format"


def test_a_batch_is_ordered_by_zone_then_natural_stall_code(session, market, stalls):
    assert codes(session, market) == ["A-1", "A-2", "A-10", "B-1", "B-3"]
    assert posters.count_batch(session, market, posters.BatchFilter()) == 5


def test_a_batch_takes_only_the_zone_and_status_asked_for(session, market, stalls, volunteer):
    """Issue 15, behaviour 12 (service level): the zone filter is not ignored."""
    onboarding.record_event(session, actor=volunteer, stall=stalls["A-2"], kind="poster_printed",
                            client_id=str(uuid.uuid4()))
    assert codes(session, market, zone="Khu B") == ["B-1", "B-3"]
    assert codes(session, market, status="poster_printed") == ["A-2"]
    assert codes(session, market, status="registered", zone="Khu A") == ["A-1", "A-10"]
    assert posters.count_batch(session, market, posters.BatchFilter(zone="Khu B")) == 2
    assert posters.count_batch(session, market, posters.BatchFilter(zone="Khu Z")) == 0


def test_a_batch_zone_is_matched_as_the_stall_list_matches_it(session, market, stalls):
    """A zone typed in another case or composed another way (a link written by hand, the API)
    is the zone the list shows: the batch prints its stalls, and its id is the same."""
    import unicodedata

    typed = posters.BatchFilter(zone=unicodedata.normalize("NFD", "  KHU b "))
    assert codes(session, market, zone=typed.zone) == ["B-1", "B-3"]
    assert posters.count_batch(session, market, typed) == 2
    assert (posters.batch_id_of(session, market, typed, PosterFormat.A4)
            == posters.batch_id_of(session, market, posters.BatchFilter(zone="Khu B"),
                                   PosterFormat.A4))


def test_refused_stalls_are_left_out_of_a_batch(session, market, stalls, volunteer):
    onboarding.record_event(session, actor=volunteer, stall=stalls["A-1"], kind="refused",
                            client_id=str(uuid.uuid4()), data={"reason": "prefers_cash"})
    assert codes(session, market) == ["A-2", "A-10", "B-1", "B-3"]


def test_a_batch_that_cannot_print_is_refused_before_streaming(session, market, stalls):
    every = posters.BatchFilter()
    assert posters.check_batch(session, market=market, selection=every,
                               fmt=PosterFormat.A4) == 5
    assert posters.check_batch(session, market=market, selection=every,
                               fmt=PosterFormat.STICKER, skip_slots=8) == 5
    for fmt, skip, selection, said in (
            (PosterFormat.PNG, 0, every, "format: In hàng loạt chỉ có dạng PDF."),
            (PosterFormat.STICKER, 9, every, "skip: Số ô bỏ qua phải từ 0 đến 8."),
            # Said under the filter that emptied it (it was under "status" for a zone).
            (PosterFormat.A4, 0, posters.BatchFilter(zone="Khu Z"),
             "zone: Không có gian hàng nào phù hợp để in."),
            (PosterFormat.A4, 0, posters.BatchFilter(status="refused"),
             "status: Không có gian hàng nào phù hợp để in.")):
        with pytest.raises(ValidationError) as caught:
            posters.check_batch(session, market=market, selection=selection, fmt=fmt,
                                skip_slots=skip)
        assert str(caught.value) == said


def test_the_batch_pdf_scans_back_page_by_page_in_batch_order(session, market, stalls):
    chunks = posters.iter_batch_pdf(session, market=market,
                                    selection=posters.BatchFilter(zone="Khu B"),
                                    fmt=PosterFormat.A6, verify_base=BASE)
    found = decode_bytes(b"".join(chunks))
    assert [(d.page, d.payload) for d in found] == [
        (1, payload_of(session, stalls["B-1"])), (2, payload_of(session, stalls["B-3"]))]


def current_id(session, market, selection, fmt=PosterFormat.A6):
    """The id the batch page shows with the PDF."""
    return posters.batch_id_of(session, market, selection, fmt)


def test_recording_a_batch_prints_each_stall_once_with_its_version(session, market, stalls,
                                                                    volunteer):
    onboarding.record_event(session, actor=volunteer, stall=stalls["B-1"], kind="poster_printed",
                            client_id=str(uuid.uuid4()))
    at = datetime(2026, 3, 2, 8, 30, tzinfo=timezone.utc)
    zone_b = posters.BatchFilter(zone="Khu B")
    batch = current_id(session, market, zone_b, PosterFormat.STICKER)
    recorded = posters.record_batch(session, actor=volunteer, market=market, selection=zone_b,
                                    fmt=PosterFormat.STICKER, batch_id=f" {batch} ", at=at)
    assert recorded == 2
    printed = session.exec(select(Poster).where(Poster.batch_id == batch)
                           .order_by(Poster.stall_id)).all()
    assert sorted((p.stall_id, p.version, p.format, p.printed_by_id, p.printed_at)
                  for p in printed) == sorted(
        [(stalls["B-1"].id, 2, "sticker", volunteer.id, at),
         (stalls["B-3"].id, 1, "sticker", volunteer.id, at)])
    events = session.exec(select(Event).where(Event.client_id.startswith(f"batch:{batch}:"))
                          ).all()
    assert sorted((e.client_id, e.kind, e.actor_id, e.created_at, e.data) for e in events) == \
        sorted([(f"batch:{batch}:{stalls['B-1'].id}", "poster_printed", volunteer.id, at,
                 {"format": "sticker", "batch_id": batch, "poster_version": 2}),
                (f"batch:{batch}:{stalls['B-3'].id}", "poster_printed", volunteer.id, at,
                 {"format": "sticker", "batch_id": batch, "poster_version": 1})])
    session.expire_all()
    assert session.get(Stall, stalls["B-3"].id).status == "poster_printed"
    assert session.get(Stall, stalls["A-1"].id).status == "registered"
    # The same batch sent again (the page's Back and a second tap) records nothing more.
    assert posters.record_batch(session, actor=volunteer, market=market, selection=zone_b,
                                fmt=PosterFormat.STICKER, batch_id=batch) == 0
    assert len(session.exec(select(Poster).where(Poster.batch_id == batch)).all()) == 2


@pytest.mark.parametrize("batch_id", ["", "1234567", "x" * 41, "       "])
def test_a_malformed_batch_id_records_nothing(session, market, stalls, volunteer, batch_id):
    with pytest.raises(ValidationError) as caught:
        posters.record_batch(session, actor=volunteer, market=market,
                             selection=posters.BatchFilter(), fmt=PosterFormat.A6,
                             batch_id=batch_id)
    assert caught.value.field == "batch_id"
    assert session.exec(select(Poster)).all() == []


@pytest.mark.parametrize("change", ["new stall", "new account", "other id"])
def test_a_batch_that_changed_since_its_page_records_nothing(session, market, stalls, volunteer,
                                                             make_stall, change):
    """Posters printed from the page's PDF are the only ones recorded: a stall registered or
    an account changed since the page was opened was not printed, so the old id is refused
    (it used to record whatever the batch held at the tap)."""
    from merchant_onboard.services.stalls import change_account

    zone_a = posters.BatchFilter(zone="Khu A")
    batch = current_id(session, market, zone_a)
    if change == "new stall":
        make_stall(market, volunteer, stall_code="A-7", zone="Khu A", owner_phone="0912 000 170",
                   account_number="0011012345170")
    elif change == "new account":
        change_account(session, actor=volunteer, stall=stalls["A-2"], market=market,
                       raw={"bank": "970415", "account_number": "108002345678"},
                       client_id=str(uuid.uuid4()))
    else:
        batch = "0123456789abcdef"
    with pytest.raises(ConflictError) as caught:
        posters.record_batch(session, actor=volunteer, market=market, selection=zone_a,
                             fmt=PosterFormat.A6, batch_id=batch)
    assert caught.value.field == "batch_id"
    assert str(caught.value).startswith("batch_id: Danh sách poster đã thay đổi")
    assert session.exec(select(Poster).where(Poster.batch_id.is_not(None))).all() == []
    # The page opened again names the batch as it stands, which records.
    fresh = current_id(session, market, zone_a)
    assert fresh != batch
    assert posters.record_batch(session, actor=volunteer, market=market, selection=zone_a,
                                fmt=PosterFormat.A6, batch_id=fresh) == \
        posters.count_batch(session, market, zone_a)


def test_a_batch_holds_this_markets_stalls_once_each_with_the_current_account(
        session, market, stalls, volunteer, make_market, make_user, make_stall):
    from merchant_onboard.services.stalls import change_account

    other = make_market("cho-khac")
    make_stall(other, make_user("hoa", markets=[other]), stall_code="A-3", zone="Khu A")
    # A-5 sorts before A-10 by code but stands in zone C: the zone comes first.
    make_stall(market, volunteer, stall_code="A-5", zone="Khu C", owner_phone="0912 000 150",
               account_number="0011012345150")
    change_account(session, actor=volunteer, stall=stalls["A-2"], market=market,
                   raw={"bank": "970415", "account_number": "108002345678"},
                   client_id=str(uuid.uuid4()))
    rows = list(posters.batch_rows(session, market, posters.BatchFilter()))
    assert [s.stall_code for s, _a in rows] == ["A-1", "A-2", "A-10", "B-1", "B-3", "A-5"]
    assert [a.account_number for s, a in rows if s.stall_code == "A-2"] == ["108002345678"]
    assert posters.count_batch(session, market, posters.BatchFilter()) == 6


def test_a_stall_without_an_account_says_why_it_has_no_poster(session, market):
    from merchant_onboard.services.stalls import unused_public_code

    census = Stall(market_id=market.id, stall_code="Z-2", sort_key="z-2", shop_name="Z",
                   owner_name="Z", public_code=unused_public_code(session))
    session.add(census)
    session.commit()
    with pytest.raises(ValidationError) as caught:
        posters.stall_poster(session, stall=census, market=market, fmt=PosterFormat.PNG,
                             verify_base=BASE)
    assert str(caught.value) == \
        "format: Gian hàng chưa có tài khoản ngân hàng: chưa in được poster."


def test_a_sticker_batch_starts_after_the_used_slots(session, market, stalls):
    def pages(skip):
        pdf = b"".join(posters.iter_batch_pdf(
            session, market=market, selection=posters.BatchFilter(zone="Khu B"),
            fmt=PosterFormat.STICKER, verify_base=BASE, skip_slots=skip))
        return [d.page for d in decode_bytes(pdf)]

    assert pages(0) == [1, 1]
    # Eight of the nine stickers of the first sheet are used: the second stall needs a new one.
    assert pages(8) == [1, 2]


def test_a_batch_id_with_like_wildcards_is_matched_letter_for_letter(session, market, stalls,
                                                                     volunteer):
    """Issue 11: the recorded-batch lookup used LIKE without escaping, so ``lo_%…`` matched
    every batch id and a new batch was taken for a retry of an old one."""
    zone_a = posters.BatchFilter(status="registered", zone="Khu A")
    zone_b = posters.BatchFilter(status="registered", zone="Khu B")
    batch_a = current_id(session, market, zone_a)
    assert posters.record_batch(session, actor=volunteer, market=market, selection=zone_a,
                                fmt=PosterFormat.A6, batch_id=batch_a) == 3
    # Taken for a retry of batch A, this would record nothing and say so. It is no batch's
    # id: ids are hexadecimal, so the wildcards cannot even reach the lookup.
    with pytest.raises(ValidationError):
        posters.record_batch(session, actor=volunteer, market=market, selection=zone_b,
                             fmt=PosterFormat.A6, batch_id=batch_a[:2] + "_%%%%%%%%%%%%%")
    assert posters.record_batch(session, actor=volunteer, market=market, selection=zone_b,
                                fmt=PosterFormat.A6,
                                batch_id=current_id(session, market, zone_b)) == 2


def test_a_batch_is_named_by_what_it_prints(session, market, stalls, volunteer, make_stall):
    from merchant_onboard.services.stalls import change_account

    def name(zone="Khu B", fmt=PosterFormat.A6):
        return posters.batch_id_of(session, market, posters.BatchFilter(zone=zone), fmt)

    first = name()
    assert len(first) == 16 and int(first, 16) >= 0
    # The same stalls and accounts in the same format: the same batch, however often asked.
    assert name() == first
    assert name(fmt=PosterFormat.STICKER) != first
    assert name(zone="Khu A") != first
    change_account(session, actor=volunteer, stall=stalls["B-1"], market=market,
                   raw={"bank": "970415", "account_number": "108002345678"},
                   client_id=str(uuid.uuid4()))
    assert name() != first
    # Only an id of that shape can name a batch: anything else was never shown with a PDF.
    for malformed in ("x", first[:-1], first + "0", first.upper(), first[:-1] + "g"):
        with pytest.raises(ValidationError) as caught:
            posters.record_batch(session, actor=volunteer, market=market,
                                 selection=posters.BatchFilter(), fmt=PosterFormat.A6,
                                 batch_id=malformed)
        assert str(caught.value) == "batch_id: Mã lô in không hợp lệ.", malformed
    # Well formed but not this batch's: one that changed since its page.
    with pytest.raises(ConflictError) as stale:
        posters.record_batch(session, actor=volunteer, market=market,
                             selection=posters.BatchFilter(zone="Khu B"), fmt=PosterFormat.A6,
                             batch_id=first)
    assert stale.value.field == "batch_id"
    assert session.exec(select(Poster)).all() == []


def test_an_admins_poster_downloads_are_written_down_a_members_are_not(
        session, market, stalls, volunteer, make_user):
    from merchant_onboard.models import AuditEntry, Role

    admin = make_user("an", Role.ADMIN)
    for viewer in (volunteer, admin):
        posters.stall_poster(session, stall=stalls["B-1"], market=market, fmt=PosterFormat.PNG,
                             verify_base=BASE, viewer=viewer)
        assert posters.check_batch(session, market=market, fmt=PosterFormat.A6, viewer=viewer,
                                   selection=posters.BatchFilter(status="registered",
                                                                 zone="Khu B")) == 2
    posters.check_batch(session, market=market, selection=posters.BatchFilter(),
                        fmt=PosterFormat.STICKER, viewer=admin)
    entries = session.exec(select(AuditEntry).where(AuditEntry.action.startswith("poster."))
                           .order_by(AuditEntry.id)).all()
    assert [(e.actor_id, e.action, e.target, e.market_id, e.data) for e in entries] == [
        (admin.id, "poster.download", "cho-vi-thanh/B-1", market.id, {"format": "png"}),
        (admin.id, "poster.batch_download", "cho-vi-thanh", market.id,
         {"format": "a6", "stalls": 2, "status": "registered", "zone": "Khu B"}),
        (admin.id, "poster.batch_download", "cho-vi-thanh", market.id,
         {"format": "sticker", "stalls": 5, "status": "", "zone": ""}),
    ]


def _racing(monkeypatch, session, first_writer):
    """Make ``first_writer(other_session)`` commit in another session just before the batch
    takes its first stall: a second tap, or another manager, that got there first."""
    from sqlmodel import Session

    real_step, raced = posters.step_many, []

    def step_after_the_other(session_, *args, **kwargs):
        if not raced:
            raced.append(True)
            with Session(session.get_bind(), expire_on_commit=False) as other:
                first_writer(other)
        real_step(session_, *args, **kwargs)

    monkeypatch.setattr(posters, "step_many", step_after_the_other)


def test_a_batch_recorded_by_a_racing_tap_is_recorded_once(session, market, stalls, volunteer,
                                                           monkeypatch):
    zone_b = posters.BatchFilter(zone="Khu B")
    batch = current_id(session, market, zone_b)

    def same_batch(other):
        posters.record_batch(other, actor=volunteer, market=market, selection=zone_b,
                             fmt=PosterFormat.A6, batch_id=batch)

    _racing(monkeypatch, session, same_batch)
    assert posters.record_batch(session, actor=volunteer, market=market, selection=zone_b,
                                fmt=PosterFormat.A6, batch_id=batch) == 0
    assert sorted(p.version for p in session.exec(select(Poster)).all()) == [1, 1]


def test_a_batch_meeting_another_change_to_its_stalls_is_refused_whole(
        session, market, stalls, volunteer, monkeypatch):
    def one_poster(other):
        onboarding.record_event(other, actor=volunteer, stall=other.get(Stall, stalls["B-1"].id),
                                kind="poster_printed", client_id=str(uuid.uuid4()))

    zone_b = posters.BatchFilter(zone="Khu B")
    batch = current_id(session, market, zone_b)
    _racing(monkeypatch, session, one_poster)
    with pytest.raises(ConflictError) as caught:
        posters.record_batch(session, actor=volunteer, market=market, selection=zone_b,
                             fmt=PosterFormat.A6, batch_id=batch)
    assert caught.value.field != "batch_id"  # the stall's lock, not the page's id
    assert [p.batch_id for p in session.exec(select(Poster)).all()] == [None]


def test_a_batch_id_used_in_another_market_is_no_retry_here(
        session, market, stalls, volunteer, make_market, make_user, make_stall):
    other = make_market("cho-khac")
    hoa = make_user("hoa", markets=[other])
    make_stall(other, hoa, stall_code="K-1")
    theirs = current_id(session, other, posters.BatchFilter())
    assert posters.record_batch(session, actor=hoa, market=other,
                                selection=posters.BatchFilter(), fmt=PosterFormat.A6,
                                batch_id=theirs) == 1
    # Taken for a retry here, it would record nothing and say so.
    with pytest.raises(ConflictError):
        posters.record_batch(session, actor=volunteer, market=market,
                             selection=posters.BatchFilter(zone="Khu B"), fmt=PosterFormat.A6,
                             batch_id=theirs)


def test_a_poster_prints_the_markets_second_line_and_an_unknown_banks_bin(session, market,
                                                                         stalls):
    market.poster_second_line = "Phsar Vi Thanh"
    account = onboarding.primary_account(session, stalls["A-1"].id)
    # A bank that merged away leaves the registry; its accounts keep their BIN.
    account.bank_bin = "970999"
    spec = posters.spec_for(stalls["A-1"], market, account, verify_base=BASE)
    assert (spec.second_line, spec.bank_short_name) == ("Phsar Vi Thanh", "970999")


def _record_fresh_batch(session, market, volunteer, make_stall, size: int) -> tuple[int, float]:
    """Record a batch of ``size`` fresh stalls: the SQL statements it sent, and the Python
    function calls it made per stall (counts, not times: the same on a quiet machine as on
    a busy one)."""
    import cProfile
    import pstats

    from tests.sql import Statements

    zone = f"Khu {size}"
    for n in range(size):
        make_stall(market, volunteer, stall_code=f"{size}-{n + 1}", zone=zone,
                   shop_name=f"Gian {n}", owner_phone="",
                   account_number=f"{size:03d}{n:07d}")
    selection = posters.BatchFilter(zone=zone)
    batch = current_id(session, market, selection, PosterFormat.A6)
    profile = cProfile.Profile()
    with Statements(session.get_bind()) as seen:
        profile.enable()
        recorded = posters.record_batch(session, actor=volunteer, market=market,
                                        selection=selection, fmt=PosterFormat.A6, batch_id=batch)
        profile.disable()
    assert recorded == size
    return seen.count, pstats.Stats(profile).total_calls / size


def test_recording_a_batch_costs_the_same_however_big(session, market, volunteer, make_stall):
    """A batch took seven round trips a stall (take it, count its posters, write the poster,
    move it, write the event, read it back twice): a big market's 1,261 stalls took 10 s on
    PostgreSQL, and about 4,000 would have outlasted the server's 30 s timeout. The stalls
    are now taken, moved and written a few hundred at a time: as many statements for 150
    stalls as for 10.

    Before that, each stall's update made SQLAlchemy check it against every stall the batch
    had loaded (its default session sync): 1,261 stalls took 37 s, and each stall more cost
    more than the one before. The Python work per stall does not grow with the batch."""
    small_statements, small_calls = _record_fresh_batch(session, market, volunteer,
                                                        make_stall, 10)
    large_statements, large_calls = _record_fresh_batch(session, market, volunteer,
                                                        make_stall, 150)
    assert large_statements == small_statements
    assert large_calls < 1.2 * small_calls, (small_calls, large_calls)


def test_a_batch_larger_than_a_statement_moves_each_stall_as_one_print_would(
        session, market, stalls, volunteer, monkeypatch):
    """Stalls at different steps, taken one statement each: each moves as a single print
    moves it (a printed or installed stall stays where it is, its first print date kept)."""
    monkeypatch.setattr(onboarding, "_ROWS_PER_STATEMENT", 1)
    first = datetime(2026, 3, 1, 7, 0, tzinfo=timezone.utc)
    for code, steps in {"A-1": ["poster_printed", "poster_installed"],
                        "A-2": ["poster_printed"]}.items():
        for kind in steps:
            onboarding.record_event(session, actor=volunteer, stall=stalls[code], kind=kind,
                                    client_id=str(uuid.uuid4()), at=first)
    at = datetime(2026, 3, 2, 8, 30, tzinfo=timezone.utc)
    zone_a = posters.BatchFilter(zone="Khu A")
    assert posters.record_batch(session, actor=volunteer, market=market, selection=zone_a,
                                fmt=PosterFormat.A6, batch_id=current_id(session, market, zone_a),
                                at=at) == 3
    session.expire_all()
    moved = {code: session.get(Stall, stalls[code].id) for code in ("A-1", "A-2", "A-10")}
    assert {code: (s.status, s.printed_at, s.updated_at) for code, s in moved.items()} == {
        "A-1": ("poster_installed", first, at),
        "A-2": ("poster_printed", first, at),
        "A-10": ("poster_printed", at, at),
    }
    versions = {p.stall_id: p.version for p in session.exec(
        select(Poster).where(Poster.batch_id.is_not(None))).all()}
    assert versions == {moved["A-1"].id: 2, moved["A-2"].id: 2, moved["A-10"].id: 1}


def test_a_stall_changed_in_a_later_statement_of_the_batch_refuses_it_whole(
        session, market, stalls, volunteer, monkeypatch):
    """The first stalls are taken and moved before the changed one is met: all of it is
    rolled back, and none of the batch is recorded. The change is a reprint, which leaves the
    stall's status as it was: its version tells."""
    monkeypatch.setattr(onboarding, "_ROWS_PER_STATEMENT", 1)
    onboarding.record_event(session, actor=volunteer, stall=stalls["A-10"],
                            kind="poster_printed", client_id=str(uuid.uuid4()))
    zone_a = posters.BatchFilter(zone="Khu A")
    batch = current_id(session, market, zone_a)

    def print_the_last_stall(other):
        # A-10 is last in the batch, and the only one printed before: it
        # is met in a statement of its own after the others'.
        onboarding.record_event(other, actor=volunteer, stall=other.get(Stall, stalls["A-10"].id),
                                kind="poster_printed", client_id=str(uuid.uuid4()))

    _racing(monkeypatch, session, print_the_last_stall)
    with pytest.raises(ConflictError):
        posters.record_batch(session, actor=volunteer, market=market, selection=zone_a,
                             fmt=PosterFormat.A6, batch_id=batch)
    session.expire_all()
    assert [p.batch_id for p in session.exec(select(Poster)).all()] == [None, None]
    assert {s.stall_code: s.status for s in session.exec(select(Stall)).all()
            if s.zone == "Khu A"} == {"A-1": "registered", "A-2": "registered",
                                      "A-10": "poster_printed"}
