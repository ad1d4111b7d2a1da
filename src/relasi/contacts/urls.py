from django.urls import path

from relasi.contacts import views, views_import, views_merge, views_org

app_name = "contacts"

urlpatterns = [
    path("w/<slug:slug>/pelanggan/", views.contact_list_view, name="list"),
    path("w/<slug:slug>/pelanggan/baru/", views.contact_create_view, name="create"),
    path("w/<slug:slug>/pelanggan/<int:contact_id>/", views.contact_detail_view, name="detail"),
    path("w/<slug:slug>/pelanggan/<int:contact_id>/ubah/", views.contact_edit_view, name="edit"),
    path("w/<slug:slug>/pelanggan/<int:contact_id>/hapus/", views.contact_delete_view, name="delete"),
    path("w/<slug:slug>/pelanggan/<int:contact_id>/catatan/", views.contact_note_add_view, name="note_add"),
]


urlpatterns += [
    path("w/<slug:slug>/perusahaan/", views_org.company_list_view, name="company_list"),
    path("w/<slug:slug>/perusahaan/baru/", views_org.company_create_view, name="company_create"),
    path("w/<slug:slug>/perusahaan/<int:company_id>/", views_org.company_detail_view, name="company_detail"),
    path("w/<slug:slug>/perusahaan/<int:company_id>/ubah/", views_org.company_edit_view, name="company_edit"),
    path(
        "w/<slug:slug>/perusahaan/<int:company_id>/hapus/",
        views_org.company_delete_view,
        name="company_delete",
    ),
    path("w/<slug:slug>/departemen/", views_org.department_list_view, name="department_list"),
    path("w/<slug:slug>/departemen/baru/", views_org.department_create_view, name="department_create"),
    path(
        "w/<slug:slug>/departemen/<int:department_id>/",
        views_org.department_detail_view,
        name="department_detail",
    ),
    path(
        "w/<slug:slug>/departemen/<int:department_id>/ubah/",
        views_org.department_edit_view,
        name="department_edit",
    ),
    path(
        "w/<slug:slug>/departemen/<int:department_id>/hapus/",
        views_org.department_delete_view,
        name="department_delete",
    ),
    path("w/<slug:slug>/pengaturan/kolom/", views_org.custom_field_list_view, name="custom_field_list"),
    path(
        "w/<slug:slug>/pengaturan/kolom/baru/", views_org.custom_field_create_view, name="custom_field_create"
    ),
    path(
        "w/<slug:slug>/pengaturan/kolom/<int:field_id>/ubah/",
        views_org.custom_field_edit_view,
        name="custom_field_edit",
    ),
    path(
        "w/<slug:slug>/pengaturan/kolom/<int:field_id>/hapus/",
        views_org.custom_field_delete_view,
        name="custom_field_delete",
    ),
]


urlpatterns += [
    path("w/<slug:slug>/pelanggan/duplikat/", views_merge.contact_duplicate_list_view, name="duplicates"),
    path(
        "w/<slug:slug>/pelanggan/<int:contact_id>/gabung/",
        views_merge.contact_merge_choose_view,
        name="merge_choose",
    ),
    path(
        "w/<slug:slug>/pelanggan/<int:contact_id>/gabung/<int:other_id>/",
        views_merge.contact_merge_preview_view,
        name="merge_preview",
    ),
    path(
        "w/<slug:slug>/pelanggan/gabung/<int:merge_id>/batal/",
        views_merge.contact_merge_undo_view,
        name="merge_undo",
    ),
]


urlpatterns += [
    path("w/<slug:slug>/pelanggan/impor/", views_import.contact_import_start_view, name="import_start"),
    path(
        "w/<slug:slug>/pelanggan/impor/<int:job_id>/",
        views_import.contact_import_detail_view,
        name="import_detail",
    ),
    path(
        "w/<slug:slug>/pelanggan/impor/<int:job_id>/konfirmasi/",
        views_import.contact_import_confirm_view,
        name="import_confirm",
    ),
    path(
        "w/<slug:slug>/pelanggan/impor/<int:job_id>/progres/",
        views_import.contact_import_progress_view,
        name="import_progress",
    ),
    path("w/<slug:slug>/pelanggan/ekspor/", views_import.contact_export_view, name="export"),
]
