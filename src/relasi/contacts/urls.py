from django.urls import path

from relasi.contacts import views

app_name = "contacts"

urlpatterns = [
    path("w/<slug:slug>/pelanggan/", views.contact_list_view, name="list"),
    path("w/<slug:slug>/pelanggan/baru/", views.contact_create_view, name="create"),
    path("w/<slug:slug>/pelanggan/<int:contact_id>/", views.contact_detail_view, name="detail"),
    path("w/<slug:slug>/pelanggan/<int:contact_id>/ubah/", views.contact_edit_view, name="edit"),
    path("w/<slug:slug>/pelanggan/<int:contact_id>/hapus/", views.contact_delete_view, name="delete"),
    path("w/<slug:slug>/pelanggan/<int:contact_id>/catatan/", views.contact_note_add_view, name="note_add"),
]
