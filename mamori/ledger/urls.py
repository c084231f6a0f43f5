from django.urls import path

from mamori.ledger import views, views_import

app_name = "ledger"
urlpatterns = [
    path("", views.ledger_home, name="home"),
    path("assets/", views.asset_list, name="asset_list"),
    path("assets/new/", views.asset_create, name="asset_create"),
    path("assets/export/", views.export, name="asset_export"),
    path("assets/template/", views.template_download, name="asset_template"),
    path("assets/import/", views_import.import_start, name="import_start"),
    path("assets/import/<int:pk>/", views_import.import_job, name="import_job"),
    path("assets/import/<int:pk>/store/", views_import.import_commit, name="import_commit"),
    path("assets/import/<int:pk>/retry/", views_import.import_retry, name="import_retry"),
    path("assets/<int:pk>/", views.asset_detail, name="asset_detail"),
    path("assets/<int:pk>/edit/", views.asset_edit, name="asset_edit"),
    path("systems/", views.system_list, name="system_list"),
    path("systems/new/", views.system_create, name="system_create"),
    path("systems/<int:pk>/", views.system_detail, name="system_detail"),
    path("systems/<int:pk>/edit/", views.system_edit, name="system_edit"),
    path("systems/<int:pk>/software/", views.system_software, name="system_software"),
    path("systems/<int:pk>/connections/", views.system_connection, name="system_connection"),
    path("systems/<int:pk>/records/", views.system_record, name="system_record"),
    path("reviews/", views.reviews, name="reviews"),
]
