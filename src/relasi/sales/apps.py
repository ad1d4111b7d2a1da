from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SalesConfig(AppConfig):
    name = "relasi.sales"
    label = "sales"
    verbose_name = _("Sales")

    def ready(self) -> None:
        from relasi.accounts.permissions import Perm
        from relasi.accounts.views_settings import SettingsPage, register_settings_page
        from relasi.contacts.enums import TimelineKind
        from relasi.contacts.timeline import register_timeline_describer
        from relasi.sales.timeline import document_timeline_detail

        register_timeline_describer(TimelineKind.DOCUMENT, document_timeline_detail)

        for url_name, label, description in (
            (
                "sales:settings_tax",
                _("Tax and letterhead"),
                _("PKP status, NPWP and NITKU, the letterhead, payment terms, meterai and QRIS."),
            ),
            (
                "sales:settings_bank_list",
                _("Bank accounts"),
                _("The accounts printed on invoices for buyers to pay into."),
            ),
            (
                "sales:settings_numbering",
                _("Document numbering"),
                _("Number templates of quotations, orders, invoices, receipts and credit notes."),
            ),
        ):
            register_settings_page(SettingsPage(url_name, label, description, Perm.SETTINGS_MANAGE))
