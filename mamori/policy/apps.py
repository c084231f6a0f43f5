from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PolicyConfig(AppConfig):
    name = "mamori.policy"
    label = "policy"
    verbose_name = _("Security policy")

    def ready(self):
        from mamori.access import provide_policy
        from mamori.policy import access  # noqa: F401  (registers who reads and changes policy)
        from mamori.policy.events import PolicyEvent
        from mamori.policy.rules import active_context
        from mamori.trail.types import register

        register(PolicyEvent)
        provide_policy(active_context)
