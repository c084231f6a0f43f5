from django.urls import path

from mamori.incidents import views, views_csirt

app_name = "incidents"
urlpatterns = [
    path("", views.incident_list, name="list"),
    path("report/", views.report, name="report"),
    path("dashboard/", views_csirt.dashboard, name="dashboard"),
    path("contacts/", views_csirt.contact_tree, name="contact_tree"),
    path("plan/", views_csirt.plan, name="plan"),
    path("plan/edit/", views_csirt.plan_edit, name="plan_edit"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/acknowledge/", views.acknowledge, name="acknowledge"),
    path("<int:pk>/escalate/", views.escalate, name="escalate"),
    path("<int:pk>/assess/", views.assess, name="assess"),
    path("<int:pk>/affected/", views.affected_add, name="affected_add"),
    path("<int:pk>/notes/", views.note, name="note"),
    path("<int:pk>/records/", views.record_add, name="record_add"),
    path("<int:pk>/tasks/", views.task_add, name="task_add"),
    path("<int:pk>/tasks/<int:task_pk>/done/", views.task_done, name="task_done"),
    path("<int:pk>/status/", views.status, name="status"),
    path("<int:pk>/notice/", views.public_notice, name="public_notice"),
    path("<int:pk>/close/", views.close, name="close"),
    path("<int:pk>/reopen/", views.reopen, name="reopen"),
    path("<int:pk>/report/", views.report_edit, name="report_edit"),
    path("<int:pk>/print/", views.print_view, name="print"),
    path("<int:pk>/report.pdf", views.pdf, name="pdf"),
]
