from django.urls import path

from mamori.sysaccounts import views

app_name = "sysaccounts"
urlpatterns = [
    path("", views.account_list, name="account_list"),
    path("new/", views.account_create, name="account_create"),
    path("<int:pk>/", views.account_detail, name="account_detail"),
    path("<int:pk>/edit/", views.account_edit, name="account_edit"),
    path("<int:pk>/disable/", views.account_disable, name="account_disable"),
    path("<int:pk>/resume/", views.account_resume, name="account_resume"),
    path("import/<int:system>/", views.import_start, name="import_start"),
    path("imports/<int:pk>/", views.import_detail, name="import_detail"),
    path("imports/<int:pk>/store/", views.import_commit, name="import_commit"),
    path("reviews/", views.review_list, name="review_list"),
    path("reviews/new/", views.review_create, name="review_create"),
    path("reviews/<int:pk>/", views.review_detail, name="review_detail"),
    path(
        "reviews/<int:pk>/report.<str:fmt>",
        views.review_report,
        name="review_report",
    ),
    path("reviews/<int:pk>/close/", views.review_close, name="review_close"),
    path("reviews/items/<int:pk>/decide/", views.review_decide, name="review_decide"),
    path("reviews/items/<int:pk>/confirm/", views.review_confirm, name="review_confirm"),
    path("offboarding/", views.offboarding_list, name="offboarding_list"),
    path("offboarding/<int:pk>/done/", views.offboarding_done, name="offboarding_done"),
    path("cards/", views.card_list, name="card_list"),
    path("cards/new/", views.card_issue, name="card_issue"),
    path("cards/<int:pk>/lost/", views.card_lost, name="card_lost"),
    path("cards/<int:pk>/mark/", views.card_mark, name="card_mark"),
]
