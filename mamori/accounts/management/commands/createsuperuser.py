"""Django's createsuperuser, with the new account written to the trail."""

from django.contrib.auth.management.commands import createsuperuser
from django.db import transaction

from mamori.accounts.events import AuthEvent
from mamori.accounts.models import AppRole, User
from mamori.trail.chain import record, snapshot


class Command(createsuperuser.Command):
    def handle(self, *args, **options):
        before = set(User.objects.filter(is_superuser=True).values_list("pk", flat=True))
        super().handle(*args, **options)
        with transaction.atomic():
            for user in User.objects.filter(is_superuser=True).exclude(pk__in=before):
                User.objects.filter(pk=user.pk).update(role=AppRole.ADMIN)
                user.role = AppRole.ADMIN
                record(
                    AuthEvent.USER_CREATED,
                    actor=None,
                    actor_name="createsuperuser",
                    target=user,
                    after=snapshot(user, ["username", "role", "is_superuser"]),
                )
