from django.urls import path

from mamori.training import views

app_name = "training"

urlpatterns = [
    path("", views.home, name="home"),
    path("mine/", views.mine, name="mine"),
    path("courses/new/", views.course_create, name="course_create"),
    path("courses/<int:pk>/", views.course_detail, name="course_detail"),
    path("courses/<int:pk>/sessions/", views.session_add, name="session_add"),
    path("sessions/<int:pk>/", views.session_detail, name="session_detail"),
    path("sessions/<int:pk>/attendance/", views.attendance_record, name="attendance_record"),
    path("sessions/<int:pk>/import/", views.attendance_import, name="attendance_import"),
    path("completion/", views.completion, name="completion"),
    path("overdue/", views.overdue, name="overdue"),
    path("drills/", views.drill_list, name="drill_list"),
    path("drills/new/", views.drill_create, name="drill_create"),
    path("drills/<int:pk>/", views.drill_detail, name="drill_detail"),
]
