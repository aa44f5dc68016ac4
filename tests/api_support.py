"""Fixtures of the integration API's tests: organizations, keys and their tokens."""

from collections.abc import Callable
from datetime import timedelta

import pytest

from partners.base import utcnow
from partners.organizations import Organization, OrganizationKind, add_organization
from placement.api.keys import IntegrationKey, Scope, issue_key
from placement.extensions import db

PROBLEM = "application/problem+json"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def make_org(app) -> Callable[..., Organization]:
    def make(name: str = "Harbor Network",
             kind: OrganizationKind = OrganizationKind.AGENCY) -> Organization:
        organization = add_organization(db.session, name, kind)
        db.session.commit()
        return organization

    return make


@pytest.fixture
def make_key(app, make_org) -> Callable[..., tuple[IntegrationKey, str]]:
    def make(organization: Organization | None = None, scopes=frozenset(Scope),
             rate_limit: int = 1000, name: str = "CRM",
             days: float = 30) -> tuple[IntegrationKey, str]:
        organization = organization or make_org(f"Agency {utcnow().timestamp()}")
        key, token = issue_key(db.session, organization, name, set(scopes),
                               utcnow() + timedelta(days=days), rate_limit, None)
        db.session.commit()
        return key, token

    return make
