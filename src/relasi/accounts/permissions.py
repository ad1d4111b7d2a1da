"""The permission matrix: which role may do what. Written down here once; the README shows
the same table (a test keeps them in step)."""

from __future__ import annotations

from enum import StrEnum

from relasi.accounts.enums import Role


class Perm(StrEnum):
    CONTACTS_VIEW = "contacts.view"  # see customers, companies, departments
    CONTACTS_EDIT = "contacts.edit"  # create and change them, add notes
    CONTACTS_DELETE = "contacts.delete"
    CONTACTS_MERGE = "contacts.merge"  # merge duplicates and undo a merge
    CONTACTS_IMPORT = "contacts.import"
    CONTACTS_EXPORT = "contacts.export"  # personal data leaves the system
    SETTINGS_MANAGE = "settings.manage"  # workspace settings, custom fields
    MEMBERS_MANAGE = "members.manage"  # invite, change roles, remove members
    AUDIT_VIEW = "audit.view"  # read the audit log and the mail outbox
    TOKENS_MANAGE = "tokens.manage"  # create API tokens for oneself


_ALL = frozenset(Perm)
_READ = frozenset({Perm.CONTACTS_VIEW, Perm.TOKENS_MANAGE})

ROLE_PERMISSIONS: dict[Role, frozenset[Perm]] = {
    Role.OWNER: _ALL,
    Role.ADMIN: _ALL,
    Role.SALES: _READ
    | {Perm.CONTACTS_EDIT, Perm.CONTACTS_IMPORT, Perm.CONTACTS_EXPORT, Perm.CONTACTS_MERGE},
    Role.FINANCE: _READ | {Perm.CONTACTS_EDIT, Perm.CONTACTS_EXPORT},
    Role.AGENT: _READ | {Perm.CONTACTS_EDIT},
    Role.VIEWER: _READ,
}


def role_has(role: str, perm: Perm) -> bool:
    return perm in ROLE_PERMISSIONS.get(Role(role), frozenset())
