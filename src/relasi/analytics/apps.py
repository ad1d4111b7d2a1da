from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AnalyticsConfig(AppConfig):
    name = "relasi.analytics"
    label = "analytics"
    verbose_name = _("Analytics")

    def ready(self) -> None:
        # The customer panel on the contact page (``contacts`` must not import analytics).
        from relasi.accounts.permissions import Perm
        from relasi.contacts.panels import register_contact_panel

        register_contact_panel("analytics:customer_panel", Perm.CONTACTS_VIEW)
