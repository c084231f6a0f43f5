from django.urls import path

from mamori.approvals import registers, views

app_name = "approvals"
urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("new/", views.new, name="new"),
    path("new/<slug:kind>/", views.create, name="create"),
    path("routes/", views.routes, name="routes"),
    path("registers/", registers.registers, name="registers"),
    path("registers/<slug:kind>/", registers.register, name="register"),
    path("registers/<slug:kind>/export.xlsx", registers.register_export, name="register_export"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/edit/", views.edit, name="edit"),
    path("<int:pk>/submit/", views.submit, name="submit"),
    path("<int:pk>/decide/", views.decide, name="decide"),
    path("<int:pk>/withdraw/", views.withdraw, name="withdraw"),
    path("<int:pk>/complete/", views.complete, name="complete"),
    path("<int:pk>/report/", views.report, name="report"),
    path("<int:pk>/acknowledge/", views.acknowledge, name="acknowledge"),
    path("<int:pk>/ledger/", views.update_ledger, name="update_ledger"),
    path("<int:pk>/steps/<int:step_pk>/reroute/", views.reroute, name="reroute"),
    path("<int:pk>/record.pdf", registers.pdf, name="pdf"),
]
