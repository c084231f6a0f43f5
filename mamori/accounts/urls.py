from django.urls import path

from mamori.accounts import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("login/otp/", views.login_otp_view, name="login_otp"),
    path("logout/", views.logout_view, name="logout"),
    path("password/", views.password_change_view, name="password_change"),
    path("two-factor/", views.two_factor_view, name="two_factor"),
    path("two-factor/recovery-codes/", views.recovery_codes_view, name="recovery_codes"),
    path("lockouts/", views.lockout_list, name="lockout_list"),
    path("users/", views.user_list, name="user_list"),
    path("users/new/", views.user_create, name="user_create"),
    path("users/<int:pk>/", views.user_detail, name="user_detail"),
    path("users/<int:pk>/password/", views.user_set_password, name="user_set_password"),
    path("users/<int:pk>/unlock/", views.user_unlock, name="user_unlock"),
    path("users/<int:pk>/reset-otp/", views.user_reset_otp, name="user_reset_otp"),
    path("users/<int:pk>/enrolment-code/", views.user_enrolment_code, name="user_enrolment_code"),
]
