from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WhatsAppConfig(AppConfig):
    name = "relasi.channels.whatsapp"
    label = "whatsapp"
    verbose_name = _("WhatsApp")

    def ready(self) -> None:
        from relasi.channels.base import adapter_register
        from relasi.channels.whatsapp.adapter import WhatsAppAdapter

        adapter_register(WhatsAppAdapter())
