"""The audit trail: an append-only, hash-chained record of every change and sign-in."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

GENESIS_HASH = "0" * 64


class EventQuerySet(models.QuerySet):
    def about(self, obj: models.Model) -> "EventQuerySet":
        """The events whose object is `obj` (its history), newest first."""
        return self.filter(target_type=obj._meta.label_lower, target_id=str(obj.pk)).order_by(
            "-seq"
        )


class Event(models.Model):
    """One thing that happened: who did what to which object, when, from where.

    `seq` is the event's position in the chain and its primary key. `hash` is
    HMAC-SHA-256, keyed with the trail key kept outside the database, over the
    previous event's hash and this event's canonical form (see mamori.trail.chain),
    so editing, deleting or reordering any stored event breaks the chain from that
    event on, and nobody without the key can compute a hash that verifies.
    `key_id` names the key; it is empty for events written before the chain was
    keyed, whose hash is plain SHA-256 (they stay verifiable, and the first keyed
    event links to the last of them). On PostgreSQL a trigger refuses UPDATE and
    DELETE on this table outright.
    """

    seq = models.BigIntegerField(_("position"), primary_key=True)
    occurred_at = models.DateTimeField(_("time"), db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # Frozen at the time of the event: a later rename must not rewrite history.
    actor_name = models.CharField(_("actor name"), max_length=200)
    action = models.CharField(_("action"), max_length=64, db_index=True)
    target_type = models.CharField(_("object type"), max_length=64, blank=True)
    target_id = models.CharField(_("object id"), max_length=64, blank=True)
    target_repr = models.CharField(_("object"), max_length=255, blank=True)
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)
    request_id = models.CharField(_("request id"), max_length=64, blank=True)
    client_addr = models.CharField(_("client address"), max_length=128, blank=True)
    prev_hash = models.CharField(_("previous hash"), max_length=64, unique=True)
    hash = models.CharField(_("hash"), max_length=64, unique=True)
    # Empty: plain SHA-256, from before the chain was keyed. Otherwise HMAC-SHA-256
    # with the trail key of this id (mamori.trail.keys).
    key_id = models.CharField(_("key id"), max_length=16, blank=True, default="")

    objects = EventQuerySet.as_manager()

    class Meta:
        verbose_name = _("trail event")
        verbose_name_plural = _("trail events")
        ordering = ["-seq"]
        indexes = [
            models.Index(fields=["target_type", "target_id"], name="trail_target_idx"),
            models.Index(fields=["actor", "seq"], name="trail_actor_idx"),
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.target_repr}"

    @property
    def action_label(self) -> str:
        from mamori.trail.types import label

        return label(self.action)


class ChainHead(models.Model):
    """The newest event's position and hash, in a single row.

    Appending locks this row, so concurrent writers queue behind each other
    and can never both extend the chain from the same event. It also lets
    `trail verify` notice events cut off the end of the chain.
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    seq = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=64, default=GENESIS_HASH)
    key_id = models.CharField(max_length=16, blank=True, default="")

    class Meta:
        verbose_name = _("trail chain head")

    def __str__(self) -> str:
        return f"head #{self.seq}"
