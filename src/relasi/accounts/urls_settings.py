"""Settings pages of a workspace: ``/w/<slug>/pengaturan/…``. Included at the site root
(``path("", include("relasi.accounts.urls_settings"))``); the index itself is
``web:settings``."""

from django.urls import path

from relasi.accounts import views_settings as views

app_name = "settings"

PREFIX = "w/<slug:slug>/pengaturan/"

urlpatterns = [
    path(PREFIX + "anggota/", views.members_view, name="members"),
    path(PREFIX + "anggota/<int:membership_id>/peran/", views.member_role_view, name="member_role"),
    path(PREFIX + "anggota/<int:membership_id>/hapus/", views.member_remove_view, name="member_remove"),
    path(
        PREFIX + "undangan/<int:invitation_id>/batalkan/",
        views.invitation_revoke_view,
        name="invitation_revoke",
    ),
    path(PREFIX + "token/", views.tokens_view, name="tokens"),
    path(PREFIX + "token/<int:token_id>/cabut/", views.token_revoke_view, name="token_revoke"),
    path(PREFIX + "log-audit/", views.audit_view, name="audit"),
    path(PREFIX + "kotak-keluar/", views.outbox_view, name="outbox"),
    path(PREFIX + "kotak-keluar/<int:mail_id>/", views.outbox_detail_view, name="outbox_detail"),
    path(PREFIX + "workspace/", views.workspace_settings_view, name="workspace"),
    path(PREFIX + "profil/", views.profile_view, name="profile"),
    path(PREFIX + "profil/kata-sandi/", views.password_change_view, name="password"),
]
