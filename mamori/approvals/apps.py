from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApprovalsConfig(AppConfig):
    name = "mamori.approvals"
    label = "approvals"
    verbose_name = _("Requests and approvals")

    def ready(self):
        from mamori.approvals import checks, reminders  # noqa: F401  (registers checks, the remind task)
        from mamori.approvals.events import ApprovalEvent
        from mamori.trail.types import register

        register(ApprovalEvent)
