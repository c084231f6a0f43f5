from django.urls import path

from mamori.compliance import views

app_name = "compliance"

urlpatterns = [
    path("", views.home, name="home"),
    path("findings/", views.findings, name="findings"),
    path("in-progress/<str:what>/", views.in_progress, name="in_progress"),
    path("review/", views.review, name="review"),
]
