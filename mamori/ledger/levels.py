"""The stored level rank of each asset (InformationAsset.level_rank).

The classification itself is the JSON {axis: label}; the rank of its label on the
primary axis of the policy in force (UNRANKED, after every level, when it has none)
is stored beside it, set by every action that
writes a classification and recomputed for all assets, in one statement, when
another policy version comes into force.
"""

from django.db.models import Case, IntegerField, Value, When

from mamori.ledger.models import UNRANKED, InformationAsset
from mamori.policy.rules import context_for_version


def rank_of(context, classification: dict | None) -> int:
    if context is None:
        return UNRANKED
    axis = context.primary_axis()
    label = (classification or {}).get(axis.key)
    return axis.labels.index(label) if label in axis.labels else UNRANKED


def recompute(context) -> int:
    """Set every asset's rank under `context`; returns the number of assets."""
    if context is None:
        return InformationAsset.objects.update(level_rank=UNRANKED)
    axis = context.primary_axis()
    return InformationAsset.objects.update(
        level_rank=Case(
            *[
                When(**{f"classification__{axis.key}": label}, then=Value(rank))
                for rank, label in enumerate(axis.labels)
            ],
            default=Value(UNRANKED),
            output_field=IntegerField(),
        )
    )


def on_policy_activated(version) -> None:
    """Registered with mamori.policy.actions.on_activation: runs in the activation's transaction."""
    recompute(context_for_version(version))
