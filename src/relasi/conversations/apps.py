from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConversationsConfig(AppConfig):
    name = "relasi.conversations"
    label = "conversations"
    verbose_name = _("Conversations")

    def ready(self) -> None:
        from relasi.accounts.permissions import Perm
        from relasi.accounts.views_settings import SettingsPage, register_settings_page

        pages = [
            (
                "conversations:inbox_list",
                _("Inboxes"),
                _("WhatsApp numbers, their agents and automatic assignment."),
            ),
            (
                "conversations:quick_reply_list",
                _("Quick replies"),
                _("Saved answers agents insert with /shortcut."),
            ),
            ("conversations:label_list", _("Conversation labels"), _("Labels to sort conversations.")),
            ("conversations:team_list", _("Teams"), _("Groups of agents conversations can be assigned to.")),
            (
                "conversations:hours",
                _("Office hours"),
                _("Opening hours, holidays, greeting and away messages."),
            ),
        ]
        for url_name, label, description in pages:
            register_settings_page(SettingsPage(url_name, label, description, Perm.INBOXES_MANAGE))
