from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EmailConfig(AppConfig):
    name = "relasi.channels.email"
    label = "email"
    verbose_name = _("E-mail")

    def ready(self) -> None:
        from relasi.channels.base import adapter_register
        from relasi.channels.email.adapter import EmailAdapter

        adapter_register(EmailAdapter())
