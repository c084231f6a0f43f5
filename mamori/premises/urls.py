from django.urls import path

from mamori.premises import views

app_name = "premises"

urlpatterns = [
    path("", views.room_list, name="room_list"),
    path("new/", views.room_create, name="room_create"),
    path("<int:pk>/", views.room_detail, name="room_detail"),
    path("<int:pk>/authorize/", views.authorize, name="authorize"),
    path("<int:pk>/entries/", views.entry_add, name="entry_add"),
    path("<int:pk>/entries/import/", views.entry_import, name="entry_import"),
    path("<int:pk>/carries/", views.carry_add, name="carry_add"),
    path("<int:pk>/carries/<int:carry>/return/", views.carry_return, name="carry_return"),
    path("<int:pk>/inspections/", views.inspection_add, name="inspection_add"),
]
