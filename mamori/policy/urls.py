from django.urls import path

from mamori.policy import views

app_name = "policy"
urlpatterns = [
    path("", views.home, name="home"),
    path("versions/<int:pk>/activate/", views.activate, name="activate"),
    path("versions/<int:pk>/documents/<slug:key>/", views.document, name="document"),
    path("versions/<int:pk>/obligations/", views.obligations, name="obligations"),
    path("mine/", views.mine, name="mine"),
    path("roles/", views.roles, name="roles"),
    path("roles/designations/new/", views.designation_create, name="designation_create"),
    path("roles/designations/<int:pk>/end/", views.designation_end, name="designation_end"),
    path("classification/", views.classification, name="classification"),
    path("diff/", views.diff, name="diff"),
]

public_urlpatterns = [
    path("<slug:code>/", views.public, name="public"),
]
