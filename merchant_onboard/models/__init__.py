"""SQLModel tables, and the metadata Alembic generates migrations from."""

from sqlmodel import SQLModel

# Stable constraint names, so migrations can drop or alter them on PostgreSQL and SQLite alike.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

from merchant_onboard.models.account import PaymentAccount  # noqa: E402
from merchant_onboard.models.audit import AuditEntry  # noqa: E402
from merchant_onboard.models.event import Event  # noqa: E402
from merchant_onboard.models.market import Market, MarketFormerCode, MarketKind  # noqa: E402
from merchant_onboard.models.poster import Poster  # noqa: E402
from merchant_onboard.models.stall import Stall  # noqa: E402
from merchant_onboard.models.throttle import Throttle  # noqa: E402
from merchant_onboard.models.user import Membership, Role, User  # noqa: E402

metadata = SQLModel.metadata

__all__ = [
    "AuditEntry", "Event", "Market", "MarketFormerCode", "MarketKind", "Membership", "PaymentAccount", "Poster",
    "Role", "Stall", "Throttle", "User", "metadata",
]
