from django import forms
from django.utils.translation import gettext_lazy as _

from mamori.trail import types


class EventFilterForm(forms.Form):
    actor = forms.CharField(label=_("Actor"), required=False)
    action = forms.ChoiceField(label=_("Action"), required=False)
    target_type = forms.CharField(label=_("Object type"), required=False)
    target_id = forms.CharField(label=_("Object id"), required=False)
    date_from = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["action"].choices = [("", _("All"))] + types.choices()

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            raise forms.ValidationError(_("The period ends before it starts."))
        return data

    def filter(self, queryset):
        import datetime as dt

        from django.db.models import Q
        from django.utils import timezone

        data = self.cleaned_data
        if data.get("actor"):
            queryset = queryset.filter(
                Q(actor_name__icontains=data["actor"]) | Q(actor__username=data["actor"])
            )
        if data.get("action"):
            queryset = queryset.filter(action=data["action"])
        if data.get("target_type"):
            queryset = queryset.filter(target_type=data["target_type"])
        if data.get("target_id"):
            queryset = queryset.filter(target_id=data["target_id"])
        tz = timezone.get_current_timezone()
        if data.get("date_from"):
            start = dt.datetime.combine(data["date_from"], dt.time.min, tzinfo=tz)
            queryset = queryset.filter(occurred_at__gte=start)
        if data.get("date_to"):
            end = dt.datetime.combine(
                data["date_to"] + dt.timedelta(days=1), dt.time.min, tzinfo=tz
            )
            queryset = queryset.filter(occurred_at__lt=end)
        return queryset
