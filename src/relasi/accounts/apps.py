from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "relasi.accounts"
    label = "accounts"
