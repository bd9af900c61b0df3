"""People who log in, and the markets they work in."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

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
    active: bool = Field(default=True)
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
        return str(self.id)


class Membership(SQLModel, table=True):
    """A manager or volunteer works in a market; every read and write is scoped by it."""

    user_id: int = Field(foreign_key="user.id", primary_key=True, ondelete="CASCADE")
    market_id: int = Field(foreign_key="market.id", primary_key=True, index=True,
                           ondelete="CASCADE")
