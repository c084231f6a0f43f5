from django.urls import path

from mamori.personnel import views

app_name = "personnel"
urlpatterns = [
    path("", views.import_list, name="imports"),
    path("<int:pk>/", views.import_detail, name="detail"),
    path("<int:pk>/apply/", views.import_apply, name="apply"),
    path("<int:pk>/cancel/", views.import_cancel, name="cancel"),
    path("layout.csv", views.layout_csv, name="layout"),
]
