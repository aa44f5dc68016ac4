"""Organizations that reach the hotline's system: the hotline itself and partner agencies
(shelter networks, victim service providers).

Now an organization owns integration keys (placement/api): a key sees only the requests
its organization's keys filed. The seam for partner agencies' own staff (issue 19's
referrer role) is here too: an account of an agency will name its organization, and a
request filed by it will carry it, so that a referrer follows their own clients only.
"""

import enum
from datetime import datetime

from sqlalchemy import String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from .base import Base, enum_column, utcnow


class OrganizationKind(enum.StrEnum):
    HOTLINE = "hotline"  # the hotline itself (its CRM, its own tools)
    AGENCY = "agency"  # a partner agency that refers people

    @property
    def label(self) -> str:
        return {"hotline": "The hotline", "agency": "Partner agency"}[self.value]


class Organization(Base):
    __tablename__ = "organization"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[OrganizationKind] = mapped_column(
        enum_column(OrganizationKind, "organization_kind"))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class OrganizationError(ValueError):
    """An organization that cannot be added as given; the message says why."""


def add_organization(session: Session, name: str, kind: OrganizationKind) -> Organization:
    name = " ".join((name or "").split())
    if not name:
        raise OrganizationError("Give the organization a name.")
    if session.scalar(select(Organization.id).where(Organization.name == name)):
        raise OrganizationError(f"An organization named {name!r} already exists.")
    organization = Organization(name=name, kind=kind)
    session.add(organization)
    session.flush()
    return organization
