"""The permission matrix: which role may do what. Written down here once; the README shows
the same table (a test keeps them in step)."""

from __future__ import annotations

from enum import StrEnum

from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

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
    SALES_VIEW = "sales.view"  # see products, quotations, orders, invoices, payments, deals
    SALES_EDIT = "sales.edit"  # products, quotations, orders, draft invoices, deals, activities
    INVOICES_ISSUE = "invoices.issue"  # issue and void invoices, credit notes, Coretax export
    PAYMENTS_RECORD = "payments.record"  # record and cancel payments, issue receipts
    CONVERSATIONS_VIEW = "conversations.view"  # read inboxes and conversations
    CONVERSATIONS_REPLY = "conversations.reply"  # reply, add notes, assign, resolve, label
    INBOXES_MANAGE = "inboxes.manage"  # set up inboxes and channels, templates, quick replies
    SURVEYS_VIEW = "surveys.view"  # see surveys, their results and answers
    SURVEYS_MANAGE = "surveys.manage"  # create and send surveys, follow up answers, feedback topics


_ALL = frozenset(Perm)
_READ = frozenset(
    {Perm.CONTACTS_VIEW, Perm.TOKENS_MANAGE, Perm.SALES_VIEW, Perm.CONVERSATIONS_VIEW, Perm.SURVEYS_VIEW}
)

ROLE_PERMISSIONS: dict[Role, frozenset[Perm]] = {
    Role.OWNER: _ALL,
    Role.ADMIN: _ALL,
    Role.SALES: _READ
    | {
        Perm.CONTACTS_EDIT,
        Perm.CONTACTS_IMPORT,
        Perm.CONTACTS_EXPORT,
        Perm.CONTACTS_MERGE,
        Perm.SALES_EDIT,
        Perm.CONVERSATIONS_REPLY,
    },
    Role.FINANCE: _READ
    | {Perm.CONTACTS_EDIT, Perm.CONTACTS_EXPORT, Perm.SALES_EDIT, Perm.INVOICES_ISSUE, Perm.PAYMENTS_RECORD},
    Role.AGENT: _READ | {Perm.CONTACTS_EDIT, Perm.CONVERSATIONS_REPLY},
    Role.VIEWER: _READ,
}


def role_has(role: str, perm: Perm) -> bool:
    return perm in ROLE_PERMISSIONS.get(Role(role), frozenset())


# The matrix as a Markdown table (README) -----------------------------------------------

# One line per permission, for the README table and the "what each role may do" panel on the
# members page. A permission without a line here shows an empty description (a test fails).
PERM_DESCRIPTIONS: dict[Perm, str | Promise] = {
    Perm.CONTACTS_VIEW: _("See customers, companies and departments"),
    Perm.CONTACTS_EDIT: _("Create and change customers, add notes"),
    Perm.CONTACTS_DELETE: _("Delete customers"),
    Perm.CONTACTS_MERGE: _("Merge duplicate customers and undo a merge"),
    Perm.CONTACTS_IMPORT: _("Import customers from CSV or XLSX"),
    Perm.CONTACTS_EXPORT: _("Export customers (personal data leaves the system)"),
    Perm.SETTINGS_MANAGE: _("Change workspace settings and custom fields"),
    Perm.MEMBERS_MANAGE: _("Invite people, change roles, remove members"),
    Perm.AUDIT_VIEW: _("Read the audit log and the mail outbox"),
    Perm.TOKENS_MANAGE: _("Create and revoke one's own API tokens"),
    Perm.SALES_VIEW: _("See products, quotations, orders, invoices, payments and deals"),
    Perm.SALES_EDIT: _("Create and change products, quotations, orders, draft invoices and deals"),
    Perm.INVOICES_ISSUE: _("Issue and void invoices, issue credit notes, export to Coretax"),
    Perm.PAYMENTS_RECORD: _("Record and cancel payments, issue receipts (kwitansi)"),
    Perm.CONVERSATIONS_VIEW: _("Read inboxes and conversations"),
    Perm.CONVERSATIONS_REPLY: _("Reply to customers, add notes, assign, resolve and label conversations"),
    Perm.INBOXES_MANAGE: _("Set up inboxes and channels, WhatsApp templates and quick replies"),
    Perm.SURVEYS_VIEW: _("See satisfaction surveys (NPS, CSAT, CES), their results and answers"),
    Perm.SURVEYS_MANAGE: _(
        "Create and send surveys, export answers, follow up unhappy customers, edit feedback topics"
    ),
}


def permission_matrix_rows() -> list[tuple[Perm, str | Promise, list[bool]]]:
    """``(permission, description, [allowed for each role in Role order])`` for every permission."""
    return [
        (
            perm,
            PERM_DESCRIPTIONS.get(perm, ""),
            [perm in ROLE_PERMISSIONS.get(role, frozenset()) for role in Role],
        )
        for perm in Perm
    ]


def permission_matrix_markdown() -> str:
    """The matrix as a Markdown table: roles as columns, permissions as rows, ✓ where allowed.

    Rendered in English whatever the active language, so the README stays stable. ``relasi
    permissions`` prints it; a test compares it with the README.
    """
    with translation.override("en"):
        header = ["Permission", "What it allows", *(str(role.label) for role in Role)]
        lines = [
            "| " + " | ".join(header) + " |",
            "|" + "|".join(["---", "---", *(":-:" for _role in Role)]) + "|",
        ]
        for perm, description, allowed in permission_matrix_rows():
            cells = [f"`{perm.value}`", str(description), *("✓" if ok else " " for ok in allowed)]
            lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"
