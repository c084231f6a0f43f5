from django.urls import path

from mamori.outsourcing import views

app_name = "outsourcing"
urlpatterns = [
    path("", views.contract_list, name="contract_list"),
    path("contracts/new/", views.contract_create, name="contract_create"),
    path("contracts/<int:pk>/", views.contract_detail, name="contract_detail"),
    path("contracts/<int:pk>/edit/", views.contract_edit, name="contract_edit"),
    path("contracts/<int:pk>/clauses/", views.contract_clauses, name="contract_clauses"),
    path("contracts/<int:pk>/confirmations/", views.contract_confirm, name="contract_confirm"),
    path("services/", views.service_list, name="service_list"),
    path("services/new/", views.service_create, name="service_create"),
    path("services/<int:pk>/", views.service_detail, name="service_detail"),
    path("services/<int:pk>/edit/", views.service_edit, name="service_edit"),
    path("social/", views.account_list, name="account_list"),
    path("social/new/", views.account_create, name="account_create"),
    path("social/<int:pk>/", views.account_detail, name="account_detail"),
    path("social/<int:pk>/edit/", views.account_edit, name="account_edit"),
]
