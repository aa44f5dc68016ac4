"""Accounts. A user has exactly one role; there are no default accounts anywhere."""

import enum
import secrets
from contextlib import suppress
from datetime import datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask_login import UserMixin
from sqlalchemy import BigInteger, Enum, ForeignKey, LargeBinary, String, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from partners.base import Base, utcnow
from partners.organizations import Organization, OrganizationKind

# Argon2id at OWASP's recommended minimum (Password Storage Cheat Sheet: 19 MiB, 2 passes,
# 1 lane): 36 ms a check here against 270 ms for argon2-cffi's default (64 MiB, 3 passes,
# 4 lanes), which let 50 people signing in at a shift change saturate two cores. Hashes of
# the old parameters are upgraded at the next sign-in (check_needs_rehash).
_hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)


class Role(enum.StrEnum):
    ADVOCATE = "advocate"
    COORDINATOR = "coordinator"
    DONOR = "donor"
    ADMIN = "admin"
    # Staff of a partner agency: file and follow their own organization's requests only.
    REFERRER = "referrer"

    @property
    def label(self) -> str:
        return self.value.capitalize()


def new_session_token() -> str:
    return secrets.token_urlsafe(24)


class User(UserMixin, Base):
    __tablename__ = "user"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(
        Enum(Role, name="user_role", values_callable=lambda e: [m.value for m in e])
    )
    active: Mapped[bool] = mapped_column(default=True)
    # The organization the person works for: a partner agency for a referrer; the hotline
    # or None for the hotline's own staff. Which requests a referrer sees follows from it
    # (placement/requests/visibility.py).
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organization.id"),
                                                        index=True)
    organization: Mapped[Organization | None] = relationship()
    # Second factor: the TOTP secret (encrypted like notes) and the last time step used.
    totp_secret_encrypted: Mapped[bytes | None] = mapped_column(LargeBinary)
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger)
    # Coordinators on call get an e-mail the moment a critical request is filed.
    on_call: Mapped[bool] = mapped_column(default=False, server_default=false())
    # A password someone else chose (an admin, a generated one) works once: the person
    # must choose their own before doing anything else.
    must_change_password: Mapped[bool] = mapped_column(default=False, server_default=false())
    # The login cookie carries this token, not the id: rotating it (logout, password change,
    # deactivation) ends every session of the account at once.
    session_token: Mapped[str] = mapped_column(String(64), unique=True, default=new_session_token)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]

    @staticmethod
    def normalize_email(email: str) -> str:
        return email.strip().lower()

    def set_password(self, password: str, *, temporary: bool = False) -> None:
        """`temporary`: chosen by someone else, to be replaced at the next sign-in."""
        self.password_hash = _hasher.hash(password)
        self.must_change_password = temporary
        self.end_all_sessions()

    def check_password(self, password: str) -> bool:
        try:
            _hasher.verify(self.password_hash, password)
        except (VerificationError, InvalidHashError):
            return False
        if _hasher.check_needs_rehash(self.password_hash):
            self.password_hash = _hasher.hash(password)
        return True

    def end_all_sessions(self) -> None:
        self.session_token = new_session_token()

    # Flask-Login
    def get_id(self) -> str:
        return self.session_token

    @property
    def is_active(self) -> bool:
        return self.active

    def has_role(self, *roles: Role) -> bool:
        return self.role in roles

    @property
    def organization_label(self) -> str:
        """Who the person files for, as coordinators read it: their agency's name, or
        "Hotline" for the hotline's own staff (of the hotline or of no organization)."""
        organization = self.organization
        if organization is None or organization.kind is OrganizationKind.HOTLINE:
            return "Hotline"
        return organization.name


def role_misfit(role: Role, organization: Organization | None) -> str | None:
    """Why `role` cannot go with `organization`, or None when it can. A partner agency's
    staff are referrers and nothing else (a coordinator or admin of an agency would see
    every case); a referrer belongs to an agency."""
    agency = organization is not None and organization.kind is OrganizationKind.AGENCY
    if role is Role.REFERRER and not agency:
        return "A referrer belongs to a partner agency: choose the agency."
    if agency and role is not Role.REFERRER:
        return f"Staff of {organization.name} can only be referrers."
    return None


def dummy_password_check() -> None:
    """Spend the time of a real check so that an unknown e-mail answers as slowly as a
    wrong password (no user enumeration by timing)."""
    with suppress(VerificationError):
        _hasher.verify(_DUMMY_HASH, "not the password")


_DUMMY_HASH = _hasher.hash(secrets.token_hex(16))
