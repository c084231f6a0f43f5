from django import forms
from django.utils.translation import gettext_lazy as _

from mamori.personnel.plan import too_large


class PersonnelFileForm(forms.Form):
    file = forms.FileField(label=_("Personnel file (.xlsx or .csv)"))
    effective_date = forms.DateField(
        label=_("Effective date (発令日) of rows without one"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        message = too_large(upload.size)
        if message:
            raise forms.ValidationError(message)
        return upload
