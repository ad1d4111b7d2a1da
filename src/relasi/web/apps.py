from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "relasi.web"
    label = "web"
