from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebChatConfig(AppConfig):
    name = "relasi.channels.webchat"
    label = "webchat"
    verbose_name = _("Web chat")
