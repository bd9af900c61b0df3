"""People who log in, and the markets they work in."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from merchant_onboard.models.base import UTCDateTime, utcnow


class Role(StrEnum):
    """DESIGN §2: admins see every market; managers and volunteers only their own."""

    ADMIN = "admin"
    MANAGER = "manager"
    VOLUNTEER = "volunteer"


class User(SQLModel, table=True):
    """A login: volunteer, market manager or administrator."""

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=64, unique=True)
    display_name: str = Field(max_length=120)
    password_hash: str = Field(max_length=255)
    role: str = Field(max_length=16)
    #: Off: an admin locked the whole login (a manager only removes someone from a market).
    active: bool = Field(default=True)
    #: The session generation. Every session cookie, remember cookie and API token carries the
    #: value it was issued under; raising it (logout, password change or reset, lock, removal
    #: from a market) ends all of them at once, and lowering it never happens, so unlocking a
    #: login does not bring its old sessions back.
    session_epoch: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    #: Set by a reset: the temporary password works only to choose a new one.
    must_change_password: bool = Field(default=False,
                                       sa_column_kwargs={"server_default": sa.false()})
    last_login_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)

    # Flask-Login asks these of the user object; they are plain attributes, not Flask imports.
    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        # Flask-Login keeps this in the session and signs it into the remember cookie, so both
        # carry the generation they were issued under (``security.load_user`` compares it).
        return f"{self.id}:{self.session_epoch}"


class Membership(SQLModel, table=True):
    """A manager or volunteer works in a market; every read and write is scoped by it."""

    user_id: int = Field(foreign_key="user.id", primary_key=True, ondelete="CASCADE")
    market_id: int = Field(foreign_key="market.id", primary_key=True, index=True,
                           ondelete="CASCADE")
