import re

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mamori.lib.forms import WarekiDateField
from mamori.org.forms import PersonByNumberField, UnitChoiceField
from mamori.policy.models import DocumentKind, Modality
from mamori.policy.reading import MAX_BYTES, DocumentError, read_document


class ObligationFilterForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), required=False)
    modality = forms.ChoiceField(label=_("Modality"), required=False)
    q = forms.CharField(label=_("Text or clause"), required=False)
    unmapped = forms.BooleanField(label=_("Binding no role"), required=False)

    def __init__(self, *args, version, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = [("", _("All roles"))] + [
            (r.key, r.name) for r in version.roles.all()
        ]
        self.fields["modality"].choices = [("", _("All"))] + list(Modality.choices)


class DesignationForm(forms.Form):
    role_key = forms.ChoiceField(label=_("Role"))
    person = PersonByNumberField(label=_("Person (employee number)"))
    unit = UnitChoiceField(label=_("For unit"), required=False)
    start_date = WarekiDateField(label=_("From"), initial=timezone.localdate)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def __init__(self, *args, context, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role_key"].choices = [
            (role.key, role.name)
            for role in context.roles.values()
            if role.holder.get("designated") is True
        ]

    def clean_person(self):
        person = self.cleaned_data.get("person")
        if person is None:
            raise forms.ValidationError(_("Enter the employee number of the person to designate."))
        return person


# Onboarding: drafting a pack from the organization's documents -------------------------

_READING_ERRORS = {
    "too_large": _("The file is larger than %(mb)d MB."),
    "scanned": _(
        "The PDF has no text layer (it is a scan). Upload the document as text, Word (.docx) "
        "or a PDF saved from the word processor."
    ),
    "encrypted": _("The PDF is protected by a password; upload it without the protection."),
    "not_pdf": _("This is not a readable PDF document."),
    "file_type": _("Upload a text file (.txt), a Word document (.docx) or a PDF."),
    "empty": _("The file has no text."),
    "not_text": _("This is not a text file."),
    "encoding": _("The text encoding is not known; save the file as UTF-8 or Shift_JIS."),
    "not_docx": _("This is not a readable Word (.docx) document."),
    "tracked_changes": _(
        "The Word document has tracked changes. Accept or reject them in Word first, so "
        "that the text is the policy as decided."
    ),
    "unreadable": _("The file cannot be read as a policy text."),
}


class DraftUploadForm(forms.Form):
    """Two documents at most: the basic policy and the standards, or one that holds both."""

    code = forms.SlugField(
        label=_("Organization code"),
        max_length=50,
        help_text=_(
            "Lower-case letters and digits, e.g. asagiri. The code of the policy in force revises it."
        ),
    )
    organization = forms.CharField(label=_("Organization"), max_length=200)
    label = forms.CharField(label=_("Revision"), max_length=100)
    file_1 = forms.FileField(label=_("Policy document"))
    title_1 = forms.CharField(label=_("Title"), max_length=200)
    kind_1 = forms.ChoiceField(label=_("Kind"), choices=DocumentKind.choices)
    file_2 = forms.FileField(label=_("Second document (optional)"), required=False)
    title_2 = forms.CharField(label=_("Title"), max_length=200, required=False)
    kind_2 = forms.ChoiceField(label=_("Kind"), choices=DocumentKind.choices, required=False)

    def clean_code(self):
        code = self.cleaned_data["code"].lower()
        if not re.fullmatch(r"[a-z0-9][a-z0-9_-]{0,49}", code):
            raise forms.ValidationError(_("Use lower-case letters, digits, - and _."))
        return code

    def _read(self, field: str) -> str | None:
        upload = self.cleaned_data.get(field)
        if not upload:
            return None
        if upload.size > MAX_BYTES:  # before reading it
            raise forms.ValidationError(
                _READING_ERRORS["too_large"] % {"mb": MAX_BYTES // (1024 * 1024)}
            )
        try:
            return read_document(upload.name, upload.read())
        except DocumentError as exc:
            message = _READING_ERRORS.get(exc.code, _READING_ERRORS["unreadable"])
            if exc.code == "too_large":
                message = message % {"mb": MAX_BYTES // (1024 * 1024)}
            raise forms.ValidationError(message) from None

    def clean_file_1(self):
        self.text_1 = self._read("file_1")
        return self.cleaned_data.get("file_1")

    def clean_file_2(self):
        self.text_2 = self._read("file_2")
        return self.cleaned_data.get("file_2")

    def clean(self):
        data = super().clean()
        if data.get("file_2") and not (data.get("title_2") and data.get("kind_2")):
            self.add_error("title_2", _("Give the second document's title and kind."))
        return data

    def documents(self) -> list[dict]:
        data = self.cleaned_data
        out = [
            {
                "title": data["title_1"],
                "kind": data["kind_1"],
                "file_name": data["file_1"].name,
                "text": self.text_1,
            }
        ]
        if data.get("file_2"):
            out.append(
                {
                    "title": data["title_2"],
                    "kind": data["kind_2"],
                    "file_name": data["file_2"].name,
                    "text": self.text_2,
                }
            )
        return out


HOLDER_FORMS = [
    ("position", _("A post (e.g. 副町長)")),
    ("positions", _("Several posts, separated by 、")),
    ("unit_head", _("The head of a named unit (e.g. 総務課)")),
    ("head_of", _("The heads of every unit of a kind")),
    ("system_owner", _("The head of the unit that owns each information system")),
    ("designated", _("People designated by name (指名)")),
    ("everyone", _("Every member of staff")),
]
UNIT_KIND_CHOICES = [
    ("division", _("division (課)")),
    ("office", _("office (室)")),
    ("department", _("department (部)")),
    ("bureau", _("bureau (局)")),
    ("branch", _("branch (出先機関)")),
    ("commission", _("commission office (事務局)")),
]


class ProposalForm(forms.Form):
    """Accept (possibly edited) or reject one proposal. The fields depend on its type; the
    ones a reviewer does not touch keep the proposal's values."""

    decision = forms.ChoiceField(choices=[("accept", _("Accept")), ("reject", _("Reject"))])

    def __init__(
        self, *args, proposal: dict, roles: list[tuple[str, str]], axes: list[dict], **kwargs
    ):
        super().__init__(*args, **kwargs)
        self.proposal = proposal
        kind = proposal["type"]
        data = proposal["data"]
        role_choices = [("", "—")] + roles
        if kind == "axis":
            self.fields["name"] = forms.CharField(
                label=_("Axis name"), max_length=50, initial=data["name"]
            )
            self.fields["levels"] = forms.CharField(
                label=_("Levels, most important first, separated by 、"),
                max_length=200,
                initial="、".join(data["levels"]),
            )
        elif kind == "role":
            self.fields["name"] = forms.CharField(
                label=_("Role name"), max_length=100, initial=data["name"]
            )
            form = next(iter(data["holder"]), "designated")
            value = data["holder"].get(form)
            self.fields["holder_form"] = forms.ChoiceField(
                label=_("Who holds it"), choices=HOLDER_FORMS, initial=form
            )
            self.fields["holder_value"] = forms.CharField(
                label=_("Post or unit"),
                max_length=200,
                required=False,
                initial="、".join(value)
                if isinstance(value, list) and form == "positions"
                else (value if isinstance(value, str) else ""),
            )
            self.fields["unit_kinds"] = forms.MultipleChoiceField(
                label=_("Kinds of unit"),
                choices=UNIT_KIND_CHOICES,
                required=False,
                initial=value if form == "head_of" else [],
                widget=forms.CheckboxSelectMultiple,
            )
        elif kind == "actor":
            self.fields["role"] = forms.ChoiceField(
                label=_("Role"), choices=role_choices, required=False, initial=data.get("role", "")
            )
        elif kind == "rule":
            slot = rule_role_slot(data)
            if slot == "steps":
                initial = [k for step in data.get("steps") or [] for k in step.get("roles", [])]
                self.fields["roles"] = forms.MultipleChoiceField(
                    label=_("Reported to, in order"),
                    choices=roles,
                    required=False,
                    initial=initial,
                    widget=forms.CheckboxSelectMultiple,
                )
            elif slot:
                current = data.get(slot)
                if isinstance(current, list):
                    current = current[0] if current else ""
                self.fields["role"] = forms.ChoiceField(
                    label=_("Role"), choices=role_choices, required=False, initial=current or ""
                )
            if data.get("kind") == "permission" and axes:
                levels = [("", _("Every level"))] + [
                    (f"{a['key']}:{level}", f"{a['name']} {level}" + _(" or above"))
                    for a in axes
                    for level in a["levels"]
                ]
                when = data.get("when") or {}
                self.fields["at_least"] = forms.ChoiceField(
                    label=_("Applies to"),
                    choices=levels,
                    required=False,
                    initial=f"{when.get('axis')}:{when.get('at_least')}" if when else "",
                )
        # A rejection needs nothing else; what an acceptance needs is checked in clean().
        for name, field in self.fields.items():
            if name != "decision":
                field.required = False

    def clean(self):
        data = super().clean()
        if data.get("decision") != "accept":
            return data
        kind = self.proposal["type"]
        for name in ("name", "holder_form"):
            if name in self.fields and not data.get(name):
                self.add_error(name, _("This field is required."))
        if kind == "axis":
            levels = [v for v in re.split(r"[、,，\s]+", data.get("levels") or "") if v]
            if len(levels) < 2:
                self.add_error("levels", _("An axis needs at least two levels."))
            elif len(set(levels)) != len(levels):
                self.add_error("levels", _("A level is listed twice."))
            data["levels_list"] = levels
        elif kind == "role":
            form = data.get("holder_form")
            value = (data.get("holder_value") or "").strip()
            if form in ("position", "positions", "unit_head") and not value:
                self.add_error("holder_value", _("Enter the post or the unit."))
            if form == "head_of" and not data.get("unit_kinds"):
                self.add_error("unit_kinds", _("Choose at least one kind of unit."))
        elif kind == "actor" and not data.get("role"):
            self.add_error("role", _("Choose the role this phrase means, or reject the mapping."))
        elif kind == "rule":
            slot = rule_role_slot(self.proposal["data"])
            if slot == "steps" and not data.get("roles"):
                self.add_error("roles", _("Choose whom a report goes to."))
            elif slot and slot != "steps" and not data.get("role"):
                self.add_error("role", _("Choose the role."))
        return data

    def changes(self) -> dict | None:
        """What the reviewer changed, as proposal data; None when nothing did."""
        data = self.cleaned_data
        kind = self.proposal["type"]
        current = self.proposal["data"]
        out: dict = {}
        if kind == "axis":
            out = {"name": data["name"].strip(), "levels": data["levels_list"]}
        elif kind == "role":
            form, value = data["holder_form"], (data.get("holder_value") or "").strip()
            holder: dict = {
                "position": {"position": value},
                "positions": {"positions": [v for v in re.split(r"[、,，]+", value) if v]},
                "unit_head": {"unit_head": value},
                "head_of": {"head_of": list(data.get("unit_kinds") or [])},
                "system_owner": {"system_owner": True},
                "designated": {"designated": True},
                "everyone": {"everyone": True},
            }[form]
            scope = {
                "system_owner": "system",
                "everyone": "everyone",
                "head_of": "division"
                if set(holder.get("head_of", [])) & {"division", "office", "branch"}
                else "department",
            }.get(form, "organization")
            out = {"name": data["name"].strip(), "holder": holder, "scope": scope}
        elif kind == "actor":
            out = {"role": data["role"]}
        elif kind == "rule":
            slot = rule_role_slot(current)
            if slot == "steps":
                out["steps"] = [{"roles": [k], "within_minutes": 60} for k in data["roles"]]
            elif slot == "roles":
                out["roles"] = [data["role"]]
            elif slot:
                out[slot] = data["role"]
            if "at_least" in self.fields:
                choice = data.get("at_least")
                if choice:
                    axis, level = choice.split(":", 1)
                    out["when"] = {"axis": axis, "at_least": level}
                elif current.get("when"):
                    out["when"] = None
        changed = {k: v for k, v in out.items() if current.get(k) != v}
        if changed.get("when", "") is None:
            changed["when"] = None
        return changed or None


def rule_role_slot(rule: dict) -> str:
    """The field of a rule that names its main role: who approves, keeps, does or is told."""
    return {
        "permission": "approver",
        "ledger": "keeper",
        "audit": "by",
        "training": "by",
        "self_inspection": "roles",
        "incident_chain": "steps",
    }.get(rule.get("kind", ""), "")


class DraftSaveForm(forms.Form):
    effective = WarekiDateField(label=_("Effective from"), required=False)
