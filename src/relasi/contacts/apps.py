from django.apps import AppConfig


class ContactsConfig(AppConfig):
    name = "relasi.contacts"
    label = "contacts"
