"""Every request body and answer of /api/v1, described once as pydantic models.

The OpenAPI document is generated from these models (``web/api/openapi.py``), requests are
checked with them (``web/api/common.py: json_body``), and answers are built through them.

A request model checks the shape only: JSON types, required and unknown fields, so that a
number where an account number belongs is refused rather than stripped of its leading zeros.
What a value means (a stall code's letters, a phone's prefixes, a length) is the domain's to
judge, in the cleaning functions the web forms call too (``domain/registration.py``,
``services/markets.py: clean_market``…), so each rule lives there once. The document shows
those rules (``documented``): read from the domain's constants and patterns, never retyped.

Personal data (DESIGN §9): for a user who may not see it (``access.sees_personal_data``),
phones and account numbers are masked as on the web pages, and payloads, which spell the
account number out, are left out.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer, WithJsonSchema, create_model

from merchant_onboard.domain.banks import default_registry
from merchant_onboard.domain.errors import N_
from merchant_onboard.domain.event_data import MAX_PAYLOADS, NOTE_MAX, PAYLOAD_MAX
from merchant_onboard.domain.figures import AGEING_RULES
from merchant_onboard.domain.funnel import (
    MANUAL_EVENTS, MILESTONES, RefusalReason, Status, allowed_events,
)
from merchant_onboard.domain.passwords import MIN_LENGTH as PASSWORD_MIN
from merchant_onboard.domain.poster.formats import PosterFormat
from merchant_onboard.domain.poster.second_line import SECOND_LINE_MAX
from merchant_onboard.domain.recheck import Verdict
from merchant_onboard.domain.registration import (
    ACCOUNT_PATTERN, COORDINATE_LIMITS, HOLDER_NAME_MAX, STALL_CODE_PATTERN, TEXT_FIELDS,
)
from merchant_onboard.domain.text import PHONE_PATTERN, mask
from merchant_onboard.domain.vietqr import Kind
from merchant_onboard.domain.vietqr.emv import Service
from merchant_onboard.models import Event as EventRow
from merchant_onboard.models import Market as MarketRow
from merchant_onboard.models import MarketKind, PaymentAccount, Role
from merchant_onboard.models import Stall as StallRow
from merchant_onboard.services.markets import MARKET_CODE_PATTERN, NUMBER_FIELDS
from merchant_onboard.services.markets import TEXT_FIELDS as MARKET_TEXT_FIELDS
from merchant_onboard.services import posters
from merchant_onboard.services.onboarding import CLIENT_ID_MAX, CLIENT_ID_MIN
from merchant_onboard.services.stall_lookup import SEARCH_MAX
from merchant_onboard.services.users import DISPLAY_NAME_MAX, USERNAME_PATTERN
from merchant_onboard.web.problems import Problem, omitted  # noqa: F401 (Problem: the document's)


def documented(default: Any = ..., **schema: Any) -> Any:
    """A field whose rules ``schema`` (JSON Schema keywords) the document shows and the domain
    checks: the model does not, so the domain's Vietnamese message is the one given."""
    description = schema.pop("description", None)
    return Field(default, description=description, json_schema_extra=schema or None)


def iso(moment: datetime) -> str:
    """ISO 8601 in UTC, however the value was given."""
    return moment.astimezone(UTC).isoformat()


#: An uploaded file (multipart), or a whole request body of a file.
BINARY_SCHEMA = {"type": "string", "contentMediaType": "application/octet-stream"}
Binary = Annotated[bytes, WithJsonSchema(BINARY_SCHEMA)]

#: A moment, answered in ISO 8601 UTC.
Timestamp = Annotated[datetime, PlainSerializer(iso, return_type=str),
                      WithJsonSchema({"type": "string", "format": "date-time"})]


def _values(enum: Any) -> list[str]:
    return [member.value for member in enum]


# --- Requests -------------------------------------------------------------------------------

class Request(BaseModel):
    """A JSON request body: the JSON types exactly (no coercion), no unknown field."""

    model_config = ConfigDict(extra="forbid", strict=True)


def _text(field: str, limits: dict[str, tuple[int, bool]], **schema: Any) -> Any:
    limit, required = limits[field]
    return documented(... if required else None, maxLength=limit, **schema)


def _number(field: str) -> Any:
    low, high, default = NUMBER_FIELDS[field]
    return documented(default, minimum=low, maximum=high)


def _coordinate(field: str) -> Any:
    limit = COORDINATE_LIMITS[field]
    return documented(None, minimum=-limit, maximum=limit, description=(
        "Degrees, sent with the other coordinate (both or neither). Left out, a stall keeps "
        "its own; null: not known."))


_CLIENT_ID = {"minLength": CLIENT_ID_MIN, "maxLength": CLIENT_ID_MAX}


class TokenRequest(Request):
    username: str
    password: str


#: What a length cannot say of text printed on every poster: its width.
PRINTED_WIDTH = ("Besides its length, it must fit the posters' width where it is printed (wide "
                 "letters fit fewer): wider is a 422 under this field.")


class MarketCreate(Request):
    code: str = documented(pattern=MARKET_CODE_PATTERN, examples=["cho-vi-thanh"],
                           description="Lower-cased when stored.")
    name: str = _text("name", MARKET_TEXT_FIELDS, description=PRINTED_WIDTH)
    kind: str = documented(MarketKind.MARKET.value, enum=_values(MarketKind))
    province: str | None = _text("province", MARKET_TEXT_FIELDS)
    ward: str | None = _text("ward", MARKET_TEXT_FIELDS)
    address: str | None = _text("address", MARKET_TEXT_FIELDS)
    census_size: int | None = _number("census_size")
    target_pct: int | None = _number("target_pct")
    campaign_title: str | None = _text("campaign_title", MARKET_TEXT_FIELDS,
                                       description=PRINTED_WIDTH)
    poster_second_line: str | None = documented(
        None, maxLength=SECOND_LINE_MAX,
        description=PRINTED_WIDTH + " Printed under the Vietnamese instructions (Khmer or "
                    "English); empty for none.")
    client_id: str | None = documented(None, description="Accepted; the code is the key.")


def may_be_left_out(**schema: Any) -> Any:
    """A field of a change (PATCH): left out, it keeps its value; sent, it may not be null.
    The model holds None for "left out" (``model_dump(exclude_unset=True)`` drops it); the
    document shows no default, since there is none to fill in."""
    description = schema.pop("description", None)

    def shape(field_schema: dict[str, Any]) -> None:
        field_schema.pop("default", None)
        field_schema.update(schema)

    return Field(None, description=description, json_schema_extra=shape)


class MarketSettings(Request):
    """What a market's managers change after it is created (the web's **Cài đặt chợ**)."""

    census_size: int = may_be_left_out(
        minimum=NUMBER_FIELDS["census_size"][0], maximum=NUMBER_FIELDS["census_size"][1],
        description="Declared number of stalls: the adoption rate counts against the larger of "
                    "this and the census rows; 0 declares none.")
    target_pct: int = may_be_left_out(minimum=NUMBER_FIELDS["target_pct"][0],
                                      maximum=NUMBER_FIELDS["target_pct"][1])
    campaign_title: str = may_be_left_out(maxLength=MARKET_TEXT_FIELDS["campaign_title"][0],
                                          description=PRINTED_WIDTH)
    poster_second_line: str = may_be_left_out(maxLength=SECOND_LINE_MAX,
                                              description=PRINTED_WIDTH + " Empty for none.")


class MarketChanges(MarketSettings):
    """A change to a market: its settings (its managers), and what the market is
    (administrators, as on the web's **Cài đặt chợ**). A new code leaves the old one leading
    to the market: its addresses answer 308 to the same address under the new code."""

    code: str = may_be_left_out(pattern=MARKET_CODE_PATTERN, examples=["cho-vi-thanh"],
                                description="Administrators. Lower-cased when stored; the "
                                            "market's own code, sent back, changes nothing.")
    name: str = may_be_left_out(maxLength=MARKET_TEXT_FIELDS["name"][0],
                                description="Administrators. " + PRINTED_WIDTH)
    kind: str = may_be_left_out(enum=_values(MarketKind), description="Administrators.")
    province: str = may_be_left_out(maxLength=MARKET_TEXT_FIELDS["province"][0],
                                    description="Administrators.")
    ward: str = may_be_left_out(maxLength=MARKET_TEXT_FIELDS["ward"][0],
                                description="Administrators.")
    address: str = may_be_left_out(maxLength=MARKET_TEXT_FIELDS["address"][0],
                                   description="Administrators.")


class StallFields(Request):
    """A stall's own fields, as ``domain/registration.py: clean_details`` takes them."""

    stall_code: str = _text("stall_code", TEXT_FIELDS, pattern=STALL_CODE_PATTERN,
                            examples=["A-12"], description="Upper-cased when stored.")
    zone: str | None = _text("zone", TEXT_FIELDS)
    shop_name: str = _text("shop_name", TEXT_FIELDS)
    owner_name: str = _text("owner_name", TEXT_FIELDS)
    owner_phone: str | None = documented(
        None, pattern=PHONE_PATTERN, examples=["0912345678"],
        description="Mobile (10 digits, 03/05/07/08/09) or landline (11, 02); +84 allowed.")
    category: str | None = _text("category", TEXT_FIELDS)
    notes: str | None = _text("notes", TEXT_FIELDS)
    latitude: float | None = _coordinate("latitude")
    longitude: float | None = _coordinate("longitude")


class AccountFields(Request):
    """A bank account, as ``domain/registration.py: clean_account`` takes it."""

    bank: str = documented(description="BIN, NAPAS code or name.", examples=["970436"])
    account_number: str = documented(pattern=ACCOUNT_PATTERN,
                                     description="A string: numbers may start with 0.")
    holder_name: str | None = documented(
        None, maxLength=HOLDER_NAME_MAX,
        description="As the bank shows it (folded to A–Z); default: the owner's name.")
    card: bool = documented(False, description="A card number, not an account.")
    client_id: str | None = documented(None, description="Idempotency key.", **_CLIENT_ID)


class ConfirmPhone(Request):
    confirm_phone: bool = documented(
        False, description="Accept a phone already used by another stall of the market "
                           "(else 409).")


class StallCreate(StallFields, AccountFields, ConfirmPhone):
    consent: bool = documented(
        description="The owner agreed that these details are stored (must be true).")


def _patched(name: str, field: Any) -> tuple[Any, Any]:
    """A field of the stall's edit: left out, it keeps its value. A required one (code, shop,
    owner) may not be sent as null, which the document says; others are cleared by it."""
    extra = field.json_schema_extra or {}
    if TEXT_FIELDS.get(name, (0, False))[1]:
        return field.annotation, may_be_left_out(description=field.description, **extra)
    return field.annotation | None, documented(None, description=field.description, **extra)


#: The edit of a stall: the registration's rules, every field optional (only those sent change),
#: and the idempotency key.
StallPatch = create_model(
    "StallPatch", __base__=ConfirmPhone,
    client_id=(str | None, documented(None, description="Idempotency key.", **_CLIENT_ID)),
    **{name: _patched(name, field) for name, field in StallFields.model_fields.items()})


class AccountChange(AccountFields):
    pass


class EventCreate(Request):
    kind: str = documented(
        enum=_values(MANUAL_EVENTS),
        description="`registered` happens by registering the stall and `account_changed` by "
                    "POST /stalls/{stall_id}/account.")
    client_id: str | None = documented(None, **_CLIENT_ID)
    device_time: str | None = documented(
        None, format="date-time",
        description="The phone's clock when it happened, with its offset.")
    data: dict[str, Any] | None = documented(None, description=(
        "By kind: note {note}; refused {reason: no_smartphone | no_bank_account | "
        "prefers_cash | fear_of_fees_or_tax | other, note}; poster_printed {format}; "
        "poster_installed {latitude, longitude}; test_payment_verified {amount, memo, "
        "name_matches: true, owner_confirmed: true, bank_reference}; "
        "first_payment_confirmed {amount, paid_at, customer_payment: true}; "
        "recheck {payload}."))


class RecheckCreate(Request):
    payloads: list[Annotated[str, WithJsonSchema(
        {"type": "string", "minLength": 1, "maxLength": PAYLOAD_MAX})]] = documented(
        minItems=1, maxItems=MAX_PAYLOADS,
        description="The text of every QR code the phone read at the stall.")
    client_id: str | None = documented(None, **_CLIENT_ID)
    note: str | None = documented(None, maxLength=NOTE_MAX)


class RecheckPhoto(Request):
    """The multipart form of a re-check: the photo for the server to decode."""

    photo: Binary
    client_id: str | None = documented(None, **_CLIENT_ID)
    note: str | None = documented(None, maxLength=NOTE_MAX)


class FileUpload(Request):
    """A picture or PDF as multipart field ``file``."""

    file: Binary


class ParseRequest(Request):
    payload: str = documented(examples=[
        "00020101021138570010A00000072701270006970403011300110123456780208QRIBFTTA53037045802VN"
        "63049E6F"])


class UserCreate(Request):
    username: str = documented(pattern=USERNAME_PATTERN, description="Lower-cased when stored.")
    display_name: str | None = documented(None, maxLength=DISPLAY_NAME_MAX)
    role: str = documented(enum=[Role.MANAGER.value, Role.VOLUNTEER.value])
    password: str | None = documented(
        None, minLength=PASSWORD_MIN,
        description="Optional: without it a temporary password is made, returned once, and "
                    "must be changed at the first login.")
    markets: list[str] = documented(description="Codes of the markets the login works in.")


class LoginChange(Request):
    """What an admin changes of a login (the web's logins page): the fields sent."""

    display_name: str = may_be_left_out(maxLength=DISPLAY_NAME_MAX,
                                        description="Empty: the username.")
    role: str = may_be_left_out(
        enum=[Role.MANAGER.value, Role.VOLUNTEER.value],
        description="A manager made a volunteer is logged out everywhere (sessions and "
                    "tokens); a volunteer made a manager manages the markets she works in.")
    active: bool = may_be_left_out(
        description="false locks the whole login: every market, and its sessions and tokens "
                    "end; true unlocks it (what the lock ended stays ended).")


class PasswordChange(Request):
    current_password: str
    new_password: str = documented(minLength=PASSWORD_MIN)


class PasswordReset(Request):
    # Checked here, not only shown: no domain rule reads it, and a mistyped "Link" reset the
    # password (sessions and tokens too) as if a temporary one had been asked for.
    messages: ClassVar[dict[str, str]] = {
        "method": N_("Cách đặt lại mật khẩu không hợp lệ: temporary_password hoặc link.")}

    method: Literal["temporary_password", "link"] = "temporary_password"


#: Stall search: the query string of GET /markets/{code}/stalls.
MAX_LIMIT = 200


class StallSearch(BaseModel):
    """The query arguments of a stall search; strings in, as a query string has them."""

    model_config = ConfigDict(extra="ignore")
    #: The message of a wrong value, where the generic one would not say what is expected.
    messages: ClassVar[dict[str, str]] = {"status": N_("Trạng thái không hợp lệ.")}

    q: str = documented("", maxLength=SEARCH_MAX,
                        description="Code, shop or owner; accents ignored.")
    status: Status | None = None
    zone: str | None = Field(None, description="One zone; case ignored.")
    limit: int = Field(50, ge=1, le=MAX_LIMIT)
    offset: int = Field(0, ge=0, le=10**9)


class PosterQuery(BaseModel):
    """The query argument of a stall's poster."""

    model_config = ConfigDict(extra="ignore")
    messages: ClassVar[dict[str, str]] = {"format": posters.UNKNOWN_FORMAT}

    format: PosterFormat = PosterFormat.A6


class BatchQuery(BaseModel):
    """The query arguments of a market's batch of posters."""

    model_config = ConfigDict(extra="ignore")
    messages: ClassVar[dict[str, str]] = {"format": posters.BATCH_NOT_PDF,
                                          "status": posters.NOT_PRINTABLE}

    format: Literal[tuple(f.value for f in PosterFormat if f.is_pdf)] = (  # type: ignore[valid-type]
        PosterFormat.A6.value)
    status: Literal[tuple(s.value for s in posters.PRINTABLE)] | None = Field(  # type: ignore[valid-type]
        None, description="Only stalls at this status (default: every one with a poster to hang).")
    zone: str | None = Field(None, description="Only stalls of this zone; case ignored.")
    skip: int = Field(0, ge=0, le=max(f.slots_per_page for f in PosterFormat if f.is_pdf) - 1,
                      description="Sticker sheets: slots already used on the first sheet "
                                  "(fewer than the format has on a page).")


# --- Answers --------------------------------------------------------------------------------

class Answer(BaseModel):
    """A JSON answer; a field the model does not know is a bug, not something to drop."""

    model_config = ConfigDict(extra="forbid")

    def body(self) -> dict[str, Any]:
        """The JSON body of the answer."""
        return self.model_dump(mode="json")


class Market(Answer):
    id: int
    code: str = Field(examples=["cho-vi-thanh"])
    name: str
    kind: MarketKind
    province: str
    ward: str
    address: str
    census_size: int = Field(description="Declared number of stalls (0: none declared). The "
                                         "adoption rate counts against the larger of this and "
                                         "the stalls listed: the stats' census_size.")
    target_pct: int
    campaign_title: str
    poster_second_line: str
    created_at: Timestamp

    @classmethod
    def of(cls, market: MarketRow) -> Market:
        return cls.model_validate(market, from_attributes=True)


class Account(Answer):
    bin: str = Field(examples=["970436"])
    bank: str | None = Field(description="Short name of the bank.")
    account_number: str = Field(description="Masked (•••• 5678) for roles that may not see it.")
    holder_name: str = Field(examples=["NGUYEN THI BA"])
    service: Literal[tuple(_values(Service))]  # type: ignore[valid-type]
    primary: bool
    payload: str | None = Field(description="The static VietQR payload; null when the "
                                            "account number is masked.")
    created_at: Timestamp
    replaced_at: Timestamp | None

    @classmethod
    def of(cls, account: PaymentAccount, *, personal: bool) -> Account:
        bank = default_registry().by_bin(account.bank_bin)
        return cls(
            bin=account.bank_bin, bank=bank.short_name if bank else None,
            account_number=account.account_number if personal else mask(account.account_number),
            holder_name=account.holder_name, service=account.service, primary=account.is_primary,
            payload=account.payload if personal else None, created_at=account.created_at,
            replaced_at=account.replaced_at)


class Stall(Answer):
    id: int
    market: str = Field(description="Market code.")
    stall_code: str
    zone: str
    shop_name: str
    owner_name: str
    category: str
    notes: str
    owner_phone: str = Field(description="Masked for roles that may not see it.")
    latitude: float | None
    longitude: float | None
    status: Status
    refusal_reason: str | None
    recheck_mismatch: bool
    public_code: str
    consent: bool
    consent_at: Timestamp | None
    registered_at: Timestamp | None = Field(description=(
        "When the current account was registered: a new account restarts it, with the "
        "steps after it. The stall's first registration is its first `registered` event."))
    printed_at: Timestamp | None
    installed_at: Timestamp | None
    test_paid_at: Timestamp | None
    first_paid_at: Timestamp | None
    status_changed_at: Timestamp | None
    created_at: Timestamp | None
    updated_at: Timestamp | None
    next_events: list[str] = Field(description="Event kinds that may be recorded next.")
    personal_data_masked: bool
    accounts: list[Account] = Field(
        description="Primary first. In lists: the primary account only.")

    @classmethod
    def of(cls, stall: StallRow, market: MarketRow, accounts: list[PaymentAccount], *,
           personal: bool) -> Stall:
        """A stall with ``accounts`` (primary first) as the user may see it."""
        own = {name: getattr(stall, name) for name in cls.model_fields
               if name not in ("market", "owner_phone", "next_events", "personal_data_masked",
                               "accounts")}
        has_account = any(a.is_primary for a in accounts)
        return cls(
            **own, market=market.code,
            owner_phone=stall.owner_phone if personal else mask(stall.owner_phone, 3),
            next_events=[e.value for e in allowed_events(Status(stall.status),
                                                         has_account=has_account)],
            personal_data_masked=not personal,
            accounts=[Account.of(a, personal=personal) for a in accounts])


class Event(Answer):
    # Events keep no full account number (a re-check stores only its outcome), so every role
    # that may see the stall sees the same history.
    id: int
    stall_id: int
    kind: str
    actor_id: int | None
    created_at: Timestamp
    device_time: Timestamp | None
    client_id: str
    data: dict[str, Any]

    @classmethod
    def of(cls, event: EventRow) -> Event:
        return cls(id=event.id, stall_id=event.stall_id, kind=event.kind,
                   actor_id=event.actor_id, created_at=event.created_at,
                   device_time=event.device_time, client_id=event.client_id,
                   data=dict(event.data or {}))


class EventResult(Answer):
    """What a write that records an event answers: the event and the stall after it."""

    event: Event
    stall: Stall


class Page(Answer):
    total: int


class MarketPage(Page):
    items: list[Market]


class StallPage(Page):
    items: list[Stall]
    limit: int
    offset: int


class EventPage(Page):
    items: list[Event]


class ParsedQR(Answer):
    valid: bool
    kind: Kind
    bin: str | None
    bank: str | None
    bank_name: str | None
    account: str | None
    service: str | None
    amount: int | None
    purpose: str | None
    initiation: Literal["static", "dynamic"] | None
    errors: list[str]
    warnings: list[str] = Field(description="Read although the standard says otherwise: "
                                            "unknown_bin (pick the bank), purpose_too_long, "
                                            "amount_trailing_dot.")

    @classmethod
    def of(cls, parsed: Any) -> ParsedQR:
        """``parsed`` (``domain/vietqr: ParsedQR``) as the API shows it."""
        return cls.model_validate(parsed.to_dict())


class DecodedQR(Answer):
    page: int | None = Field(description="PDF page from 1; null for images.")
    payload: str
    parsed: ParsedQR


class DecodedPage(Page):
    items: list[DecodedQR]


class FoundCode(Answer):
    verdict: Literal[Verdict.MATCH, Verdict.FOREIGN, Verdict.OLD_ACCOUNT,
                     Verdict.REVOKED_POSTER, Verdict.OTHER_PAYMENT, Verdict.NOT_TRANSFER]
    kind: str = Field(description="What the code is (vietqr_account, vnpay…).")
    bin: str | None
    bank: str | None
    account: str | None = Field(description="Masked: •••• 3210.")
    old_account: bool = Field(
        description="An account this stall used before: its posters are revoked.")


class Recheck(EventResult):
    result: Verdict = Field(description="The verdict on all codes: any payment code that is "
                                        "not the current account is a warning.")
    warning: bool
    codes: list[FoundCode]


class Person(Answer):
    id: int
    username: str
    display_name: str
    role: Role
    active: bool
    must_change_password: bool
    last_activity: Timestamp | None = Field(
        description="The later of the last login and the last onboarding step recorded in "
                    "this market.")

    @classmethod
    def of(cls, user: Any, last_activity: datetime | None = None) -> Person:
        return cls(id=user.id, username=user.username, display_name=user.display_name,
                   role=user.role, active=user.active,
                   must_change_password=user.must_change_password, last_activity=last_activity)


class PersonCreated(Person):
    markets: list[str]
    temporary_password: str | None = omitted(
        description="Only when no password was given: shown once.")


class MemberPage(Page):
    items: list[Person]


class Login(Answer):
    """A login as the admins' logins page shows it."""

    id: int
    username: str
    display_name: str
    role: Role
    active: bool = Field(description="false: locked by an admin.")
    must_change_password: bool
    last_login_at: Timestamp | None
    markets: list[str] = Field(description="Codes of the markets it works in.")

    @classmethod
    def of(cls, user: Any, markets: list[str]) -> Login:
        return cls(id=user.id, username=user.username, display_name=user.display_name,
                   role=user.role, active=user.active,
                   must_change_password=user.must_change_password,
                   last_login_at=user.last_login_at, markets=markets)


class LoginPage(Page):
    items: list[Login] = Field(description="Admins first, then managers, then volunteers; "
                                           "by username.")


class PasswordResetAnswer(Answer):
    """The temporary password or the link, whichever was asked for."""

    username: str
    temporary_password: str | None = omitted()
    reset_link: str = omitted()


class TokenUser(Answer):
    id: int
    username: str
    display_name: str
    role: Role
    must_change_password: bool = Field(
        description="After a reset: every call but POST /users/me/password answers 403 until "
                    "the login chooses its own password with this token.")


class Token(Answer):
    token: str
    token_type: Literal["Bearer"] = "Bearer"
    expires_in: int = Field(description="Seconds.")
    user: TokenUser


Count = Annotated[int, Field(ge=0)]
Rate = Annotated[float | None, Field(
    ge=0, description="A fraction (0.85 = 85 %); null when the census is empty.")]


def _reached(step: str) -> Any:
    return Field(description=f"Stalls at {step} or past it (refused and inactive stalls are "
                             f"not counted); counts[\"{step}\"] is the stalls at it.")


class Headline(Answer):
    """The dashboard's cards and the roll-up's columns."""

    census_rows: Count = Field(description="Stalls listed, at any status.")
    declared: Count = Field(description="The market's declared census_size.")
    census: Count = Field(description="The adoption denominator: census_rows, or declared "
                                      "when it is larger.")
    registered: Count = _reached("registered")
    installed: Count = _reached("poster_installed")
    test_verified: Count = _reached("test_payment_verified")
    first_paid: Count = Field(description="Stalls at first_payment_confirmed.")
    refused: Count = Field(description="Stalls at refused.")
    inactive: Count = Field(description="Stalls at inactive (closed); still in census_rows.")
    target_pct: int = Field(description="The market's adoption target, in percent.")
    adoption_rate: Rate = Field(description="first_paid ÷ census, a fraction (0.85 = 85 %); "
                                            "null when census is 0.")


class FunnelStage(Answer):
    status: Literal[tuple(_values(MILESTONES))]  # type: ignore[valid-type]
    count: Count = Field(description="Stalls at or past this step (the census step counts "
                                     "census_size).")
    rate: Rate
    conversion: Rate = Field(description="count ÷ the previous step's count.")


class AgeingCount(Answer):
    days: int
    count: Count


class VolunteerRow(Answer):
    user_id: int | None
    name: str
    registrations: Count
    installed: Count
    payments: Count
    refusals: Count
    rechecks: Count
    mismatches: Count


class WeekPoint(Answer):
    week: date = Field(description="Monday of the week, Vietnam time.")
    cumulative: Count
    rate: Rate


class MarketStats(Answer):
    market: str
    generated_at: Timestamp
    counts: dict[Status, Count] = Field(
        description="Stalls per current status; absent statuses have none.")
    census_size: Count = Field(description="The adoption denominator (adoption_rate's): the "
                                           "census rows, or the declared size (the market's "
                                           "census_size) when it is larger.")
    adoption_rate: Rate = Field(description="Stalls at first_payment_confirmed ÷ census_size.")
    target_pct: int
    headline: Headline
    funnel: list[FunnelStage]
    ageing: dict[Literal[tuple(r.key for r in AGEING_RULES)],  # type: ignore[misc]
                 AgeingCount]
    median_days_to_first_payment: float | None
    volunteers: list[VolunteerRow]
    refusal_reasons: dict[RefusalReason, Count]
    weekly: list[WeekPoint]
