from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SurveysConfig(AppConfig):
    name = "relasi.surveys"
    label = "surveys"
    verbose_name = _("Surveys")

    def ready(self) -> None:
        from relasi.accounts.permissions import Perm
        from relasi.accounts.views_settings import SettingsPage, register_settings_page

        register_settings_page(
            SettingsPage(
                "surveys:topics",
                _("Feedback topics"),
                _("The words that sort survey comments under price, delivery, quality and other topics."),
                Perm.SURVEYS_MANAGE,
            )
        )
