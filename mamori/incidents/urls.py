from django.urls import path

from mamori.incidents import views, views_csirt, views_privacy

app_name = "incidents"
urlpatterns = [
    path("", views.incident_list, name="list"),
    path("report/", views.report, name="report"),
    path("dashboard/", views_csirt.dashboard, name="dashboard"),
    path("contacts/", views_csirt.contact_tree, name="contact_tree"),
    path("plan/", views_csirt.plan, name="plan"),
    path("plan/edit/", views_csirt.plan_edit, name="plan_edit"),
    path("legal-reports/", views_privacy.register, name="legal_register"),
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
    # A leak of personal information: the legal reports (views_privacy.py).
    path("<int:pk>/privacy/", views_privacy.page, name="privacy"),
    path("<int:pk>/privacy/decide/", views_privacy.decide, name="privacy_decide"),
    path(
        "<int:pk>/privacy/reports/<slug:stage>/",
        views_privacy.report_edit,
        name="legal_report_edit",
    ),
    path(
        "<int:pk>/privacy/reports/<int:report_pk>/send/",
        views_privacy.report_send,
        name="legal_report_send",
    ),
    path(
        "<int:pk>/privacy/reports/<int:report_pk>.pdf",
        views_privacy.report_pdf,
        name="legal_report_pdf",
    ),
    path(
        "<int:pk>/privacy/reports/<int:report_pk>.xlsx",
        views_privacy.report_excel,
        name="legal_report_xlsx",
    ),
    path("<int:pk>/privacy/notices/", views_privacy.notice_add, name="person_notice_add"),
    path("<int:pk>/privacy/notice-letter/", views_privacy.notice_letter, name="notice_letter"),
]
