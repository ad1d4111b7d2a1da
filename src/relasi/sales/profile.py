"""The workspace's seller profile (tax status, letterhead, defaults)."""

from __future__ import annotations

from relasi.accounts.models import Workspace
from relasi.sales.models import BankAccount, SalesProfile


def sales_profile_get(*, workspace: Workspace) -> SalesProfile:
    """The workspace's profile, created with defaults (non-PKP, 14-day terms) on first use."""
    profile, _created = SalesProfile.objects.get_or_create(
        workspace=workspace, defaults={"legal_name": workspace.name, "city": workspace.city}
    )
    return profile


def bank_accounts_active(*, workspace: Workspace) -> list[BankAccount]:
    return list(BankAccount.objects.filter(workspace=workspace, is_active=True))
