"""Creating and revoking API tokens is audited (who, when, which token — never the secret)."""

from relasi.accounts.models import User, Workspace
from relasi.accounts.services import api_token_create, api_token_revoke
from relasi.core.models import AuditAction, AuditLog


def test_token_create_and_revoke_are_audited_without_the_secret(owner: User, workspace: Workspace) -> None:
    # when
    token, raw = api_token_create(user=owner, workspace=workspace, name="Sinkron akuntansi")
    api_token_revoke(token=token, actor=owner)
    # then
    entries = list(
        AuditLog.objects.filter(object_type="accounts.apitoken", object_id=str(token.pk)).order_by("id")
    )
    assert [e.action for e in entries] == [AuditAction.CREATE, AuditAction.DELETE]
    assert all(e.actor == owner and e.workspace == workspace for e in entries)
    assert entries[0].changes == {"name": "Sinkron akuntansi", "prefix": raw[:10]}
    assert all(raw not in str(e.changes) for e in entries)
