from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApprovalsConfig(AppConfig):
    name = "mamori.approvals"
    label = "approvals"
    verbose_name = _("Requests and approvals")

    def ready(self):
        # Registers who sees and acts on requests, the checks and the remind task.
        from mamori.approvals import access, checks, reminders  # noqa: F401
        from mamori.approvals.events import ApprovalEvent
        from mamori.approvals.panels import EXCEPTIONS, WORK
        from mamori.compliance.panels import add_panel, add_work_in_progress
        from mamori.trail.types import register

        register(ApprovalEvent)
        add_work_in_progress(WORK)
        add_panel(EXCEPTIONS)
