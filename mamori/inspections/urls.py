from django.urls import path

from mamori.inspections import views

app_name = "inspections"
urlpatterns = [
    path("", views.home, name="home"),
    path("new/", views.campaign_create, name="campaign_create"),
    path("<int:pk>/", views.campaign_detail, name="campaign"),
    path("<int:pk>/change/", views.campaign_change, name="campaign_change"),
    path("<int:pk>/launch/", views.campaign_launch, name="campaign_launch"),
    path("<int:pk>/close/", views.campaign_close, name="campaign_close"),
    path("<int:pk>/report/", views.campaign_report, name="campaign_report"),
    path("<int:pk>/report.pdf", views.campaign_pdf, name="campaign_pdf"),
    path("<int:pk>/answers.xlsx", views.campaign_export, name="campaign_export"),
    path("mine/", views.my_checklists, name="mine"),
    path("checklists/<int:pk>/", views.checklist_detail, name="checklist"),
    path("checklists/<int:pk>/answer/", views.checklist_answer, name="checklist_answer"),
    path("checklists/<int:pk>/questions/", views.question_add, name="question_add"),
    path("questions/<int:pk>/", views.question_edit, name="question_edit"),
    path("answers/<int:pk>/evidence/", views.answer_evidence, name="answer_evidence"),
    path("evidence/<int:pk>/", views.evidence_download, name="evidence"),
    path("actions/", views.action_list, name="actions"),
    path("actions/<int:pk>/", views.action_detail, name="action"),
    path("audits/", views.audit_list, name="audits"),
    path("audits/new/", views.audit_create, name="audit_create"),
    path("audits/<int:pk>/", views.audit_detail, name="audit"),
    path("audits/<int:pk>/report/", views.audit_report, name="audit_report"),
    path("findings/<int:pk>/", views.finding_detail, name="finding"),
    path("follow-ups/", views.follow_up_list, name="follow_ups"),
    path("follow-ups/<int:pk>/", views.follow_up_detail, name="follow_up"),
]
