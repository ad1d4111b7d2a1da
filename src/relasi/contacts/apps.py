from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ContactsConfig(AppConfig):
    name = "relasi.contacts"
    label = "contacts"

    def ready(self) -> None:
        from relasi.accounts.permissions import Perm
        from relasi.accounts.views_settings import SettingsPage, register_settings_page

        register_settings_page(
            SettingsPage(
                "contacts:custom_field_list",
                _("Custom fields"),
                _("Extra fields on every customer: text, number, date or choice."),
                Perm.SETTINGS_MANAGE,
            )
        )
