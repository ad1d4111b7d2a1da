from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebChatConfig(AppConfig):
    name = "relasi.channels.webchat"
    label = "webchat"
    verbose_name = _("Web chat")

    def ready(self) -> None:
        from relasi.channels.base import adapter_register
        from relasi.channels.webchat.adapter import WebChatAdapter

        adapter_register(WebChatAdapter())
