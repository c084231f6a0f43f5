"""Signals other apps listen to, so that the policy app does not import them."""

from django.dispatch import Signal

# Sent inside the transaction that makes a version the policy in force; `version` is it.
policy_activated = Signal()
