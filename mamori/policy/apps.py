from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PolicyConfig(AppConfig):
    name = "mamori.policy"
    label = "policy"
    verbose_name = _("Security policy")

    def ready(self):
        from mamori.policy.events import PolicyEvent
        from mamori.trail.types import register

        register(PolicyEvent)
