"""``relasi token``: API tokens from the command line (DESIGN §7).

relasi token create --email EMAIL --workspace SLUG [--name NAME]   prints the raw token only
relasi token list --workspace SLUG [--email EMAIL]                 live tokens, never the secret
relasi token revoke --prefix PREFIX [--workspace SLUG]             revoke by the visible prefix
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from relasi.accounts import selectors, services
from relasi.accounts.models import User, Workspace
from relasi.core.exceptions import ApplicationError


class Command(BaseCommand):
    help = "Create, list and revoke API tokens (one user in one workspace)."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="{create,list,revoke}")
        create = actions.add_parser("create", help="Create a token and print it (only the token).")
        create.add_argument("--email", required=True, help="The user's sign-in e-mail address.")
        create.add_argument("--workspace", required=True, help="The workspace's slug (as in /w/<slug>/).")
        create.add_argument("--name", default="", help="What the token is for (default: 'CLI').")
        listing = actions.add_parser("list", help="List the live tokens of a workspace.")
        listing.add_argument("--workspace", required=True)
        listing.add_argument("--email", default="", help="Only this user's tokens.")
        revoke = actions.add_parser("revoke", help="Revoke a token by its prefix (rls_…).")
        revoke.add_argument("--prefix", required=True, help="The first characters shown in the lists.")
        revoke.add_argument("--workspace", default="", help="Narrow to a workspace when prefixes clash.")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "create":
            self._create(options)
        elif action == "list":
            self._list(options)
        else:
            self._revoke(options)

    def _workspace(self, slug: str) -> Workspace:
        workspace = selectors.workspace_get_by_slug(slug=slug)
        if workspace is None:
            raise CommandError(f"No workspace with the slug '{slug}'.")
        return workspace

    def _user(self, email: str) -> User:
        user = selectors.user_get_by_email(email=email)
        if user is None:
            raise CommandError(f"No user with the e-mail address '{email}'.")
        return user

    def _create(self, options: dict[str, Any]) -> None:
        user = self._user(options["email"])
        workspace = self._workspace(options["workspace"])
        if selectors.membership_get(user=user, slug=workspace.slug) is None:
            raise CommandError(f"{user.email} is not a member of the workspace '{workspace.slug}'.")
        try:
            _token, raw = services.api_token_create(
                user=user, workspace=workspace, name=options["name"] or "CLI"
            )
        except ApplicationError as error:
            raise CommandError(str(error.message)) from error
        self.stdout.write(raw)

    def _list(self, options: dict[str, Any]) -> None:
        workspace = self._workspace(options["workspace"])
        users = (
            [self._user(options["email"])]
            if options["email"]
            else [m.user for m in selectors.membership_list(workspace=workspace)]
        )
        for user in users:
            for token in selectors.api_token_list(user=user, workspace=workspace):
                last_used = token.last_used_at.isoformat() if token.last_used_at else "never"
                self.stdout.write(
                    f"{token.prefix}\t{user.email}\t{token.name}\t{token.created_at.isoformat()}\t{last_used}"
                )

    def _revoke(self, options: dict[str, Any]) -> None:
        workspace = self._workspace(options["workspace"]) if options["workspace"] else None
        tokens = list(selectors.api_token_list_by_prefix(prefix=options["prefix"], workspace=workspace))
        if not tokens:
            raise CommandError(f"No live token starts with '{options['prefix']}'.")
        if len(tokens) > 1:
            raise CommandError(
                f"{len(tokens)} tokens start with '{options['prefix']}'. Add --workspace SLUG."
            )
        services.api_token_revoke(token=tokens[0])
        token = tokens[0]
        self.stdout.write(
            f"Revoked {token.prefix}… ({token.name}) of {token.user.email} in {token.workspace.slug}."
        )
