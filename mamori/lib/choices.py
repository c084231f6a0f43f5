"""Labels of choice fields, cached per language.

Django's get_FOO_display rebuilds the {value: label} mapping of the field on every
call; on a list of 50 rows, or a trail of 60,000 snapshots, that is most of the time.
"""

from django.utils.translation import get_language

_LABELS: dict[tuple, dict] = {}


def choice_labels(field) -> dict:
    """{value: label} of a model field with choices, in the active language."""
    key = (field.model._meta.label_lower, field.name, get_language())
    labels = _LABELS.get(key)
    if labels is None:
        labels = {value: str(label) for value, label in field.flatchoices}
        _LABELS[key] = labels
    return labels


def display(obj, name: str) -> str:
    """What obj.get_<name>_display() returns, from the cached labels."""
    value = getattr(obj, name)
    return choice_labels(obj._meta.get_field(name)).get(value, value)
