from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EmailConfig(AppConfig):
    name = "relasi.channels.email"
    label = "email"
    verbose_name = _("E-mail")
