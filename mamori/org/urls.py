from django.urls import path

from mamori.org import views

app_name = "org"
urlpatterns = [
    path("", views.unit_tree, name="unit_tree"),
    path("units/new/", views.unit_create, name="unit_create"),
    path("units/<str:code>/", views.unit_detail, name="unit_detail"),
    path("units/<str:code>/edit/", views.unit_edit, name="unit_edit"),
    path("units/<str:code>/close/", views.unit_close, name="unit_close"),
    path("people/", views.person_search, name="person_search"),
    path("people/new/", views.person_create, name="person_create"),
    path("people/<int:pk>/", views.person_detail, name="person_detail"),
    path("people/<int:pk>/edit/", views.person_edit, name="person_edit"),
    path("people/<int:pk>/transfer/", views.person_transfer, name="person_transfer"),
    path("people/<int:pk>/retire/", views.person_retire, name="person_retire"),
    path("people/<int:pk>/absences/", views.absence_create, name="absence_create"),
    path(
        "people/<int:pk>/absences/<int:absence_pk>/cancel/",
        views.absence_cancel,
        name="absence_cancel",
    ),
]
