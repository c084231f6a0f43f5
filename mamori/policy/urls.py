from django.urls import path

from mamori.policy import onboarding_views, views

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

urlpatterns += [
    path("drafts/", onboarding_views.drafts, name="drafts"),
    path("drafts/new/", onboarding_views.draft_create, name="draft_create"),
    path("drafts/<int:pk>/", onboarding_views.draft_detail, name="draft_detail"),
    path(
        "drafts/<int:pk>/proposals/<slug:proposal>/",
        onboarding_views.draft_decide,
        name="draft_decide",
    ),
    path(
        "drafts/<int:pk>/accept-settled/",
        onboarding_views.draft_accept_settled,
        name="draft_accept_settled",
    ),
    path("drafts/<int:pk>/save/", onboarding_views.draft_save, name="draft_save"),
    path("drafts/<int:pk>/activate/", onboarding_views.draft_activate, name="draft_activate"),
]
