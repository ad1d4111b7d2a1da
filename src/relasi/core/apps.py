from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "relasi.core"
    label = "core"
