"""SCIM 2.0 (/scim/v2/), off unless MAMORI_SCIM_ENABLED (mamori/accounts/scim.py)."""

from django.urls import path

from mamori.accounts import scim

app_name = "scim"
urlpatterns = [
    path("ServiceProviderConfig", scim.service_provider_config, name="config"),
    path("Users", scim.users, name="users"),
    path("Users/<str:pk>", scim.user, name="user"),
]
