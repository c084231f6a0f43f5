"""SCIM 2.0 provisioning of people and their accounts (RFC 7643, RFC 7644), off by default.

With `MAMORI_SCIM_ENABLED=1`, an identity system (Entra ID, an IDaaS, the personnel system's
connector) creates, updates and deactivates members of staff and their sign-in accounts at
/scim/v2/Users, authenticating with an API token (`Authorization: Bearer …`) of a user who may
manage accounts (an administrator). Every change goes through the same actions as the
screens (org.actions, accounts.actions) and so is checked and written to the trail.

A User resource is a mamori account with its person:

    userName            the account's user name
    name.formatted      the person's name (氏名); name.familyName/givenName are joined if
                        formatted is absent
    emails[0].value     the e-mail address
    active              false disables the account (DELETE does the same: nothing is deleted)
    enterprise extension employeeNumber   the 職員番号 that links to the person
    mamori extension    unitCode (所属コード), position (役職名), nameKana (ふりがな)

A person who is not yet in mamori is hired from the request's date with the unit given;
a changed unitCode or position is a transfer from that date. Retirement (退職) is a
personnel matter and comes from the personnel import, not from SCIM.
"""

from __future__ import annotations

import json
from functools import wraps

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpResponse, JsonResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from mamori.access import Refused, authorize, record_refusal
from mamori.accounts import actions
from mamori.accounts.models import User
from mamori.lib import clock
from mamori.org import actions as org_actions
from mamori.org.models import EmploymentType, OrgUnit, Person, Position

USER = "urn:ietf:params:scim:schemas:core:2.0:User"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
MAMORI = "urn:mamori:params:scim:schemas:extension:2.0:Person"
LIST = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"
MAX_BODY = 64 * 1024
MAX_COUNT = 200
CONTENT_TYPE = "application/scim+json"


class ScimError(Exception):
    def __init__(self, status: int, detail: str, scim_type: str = ""):
        super().__init__(detail)
        self.status, self.detail, self.scim_type = status, detail, scim_type


def _error(status: int, detail: str, scim_type: str = "") -> JsonResponse:
    body = {"schemas": [ERROR], "status": str(status), "detail": detail}
    if scim_type:
        body["scimType"] = scim_type
    return JsonResponse(body, status=status, content_type=CONTENT_TYPE)


def _token_user(request) -> User | None:
    header = request.headers.get("Authorization", "")
    scheme, _sep, key = header.partition(" ")
    if scheme.lower() != "bearer" or not key.strip():
        return None
    return actions.user_for_api_key(key.strip())


def endpoint(view):
    """Enabled or 404; a bearer token or 401; a body of bounded size, parsed, or 400; a
    refusal 403 (and in the trail); ValidationError 400 with its messages."""

    @login_not_required
    @csrf_exempt
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not settings.MAMORI_SCIM_ENABLED:
            raise Http404
        user = _token_user(request)
        if user is None:
            response = _error(401, _("A valid bearer token is required."))
            response["WWW-Authenticate"] = 'Bearer realm="mamori SCIM"'
            return response
        request.user = user
        body = None
        if request.method in ("POST", "PUT", "PATCH"):
            if int(request.headers.get("Content-Length") or 0) > MAX_BODY:
                return _error(
                    413, _("The request body is limited to %(n)s bytes.") % {"n": MAX_BODY}
                )
            try:
                body = json.loads(request.body or b"{}")
            except (ValueError, UnicodeDecodeError):
                return _error(400, _("The body is not JSON."), "invalidSyntax")
            if not isinstance(body, dict):
                return _error(400, _("The body must be a JSON object."), "invalidSyntax")
        try:
            return view(request, body, *args, **kwargs)
        except ScimError as exc:
            return _error(exc.status, exc.detail, exc.scim_type)
        except Refused as exc:
            record_refusal(exc, actor=user, what=f"SCIM {request.method} {request.path}")
            return _error(403, str(exc.message))
        except ValidationError as exc:
            return _error(400, " ".join(exc.messages), "invalidValue")

    return wrapper


def _resource(request, user: User) -> dict:
    person = user.person
    out = {
        "schemas": [USER, ENTERPRISE, MAMORI],
        "id": str(user.pk),
        "userName": user.username,
        "active": user.is_active,
        "name": {"formatted": user.display_name},
        "emails": [{"value": user.email, "primary": True}] if user.email else [],
        "meta": {
            "resourceType": "User",
            "created": user.date_joined.isoformat(),
            "location": request.build_absolute_uri(reverse("scim:user", args=[user.pk])),
        },
    }
    if person is not None:
        out[ENTERPRISE] = {"employeeNumber": person.employee_no}
        out[MAMORI] = {
            "unitCode": person.unit.code,
            "position": person.position.name if person.position else "",
            "nameKana": person.name_kana,
        }
    return out


def _text(value, field: str, limit: int = 150) -> str:
    if value is None:
        return ""
    if not isinstance(value, str) or len(value) > limit:
        raise ScimError(
            400,
            _("%(field)s must be a string of at most %(n)s characters.")
            % {"field": field, "n": limit},
            "invalidValue",
        )
    return value.strip()


def _parse(body: dict) -> dict:
    """The attributes mamori keeps, from a User resource; each checked."""
    name = body.get("name") or {}
    if not isinstance(name, dict):
        raise ScimError(400, _("name must be an object."), "invalidValue")
    formatted = _text(name.get("formatted"), "name.formatted", 100) or " ".join(
        filter(None, (_text(name.get("familyName"), "name.familyName", 50),
                      _text(name.get("givenName"), "name.givenName", 50)))
    )  # fmt: skip
    emails = body.get("emails") or []
    if not isinstance(emails, list) or not all(isinstance(e, dict) for e in emails):
        raise ScimError(400, _("emails must be a list of objects."), "invalidValue")
    primary = next((e for e in emails if e.get("primary")), emails[0] if emails else {})
    enterprise = body.get(ENTERPRISE) or {}
    extension = body.get(MAMORI) or {}
    if not isinstance(enterprise, dict) or not isinstance(extension, dict):
        raise ScimError(400, _("Extensions must be objects."), "invalidValue")
    active = body.get("active", True)
    if not isinstance(active, bool):
        raise ScimError(400, _("active must be true or false."), "invalidValue")
    return {
        "userName": _text(body.get("userName"), "userName"),
        "name": formatted,
        "email": _text(primary.get("value"), "emails.value", 254),
        "active": active,
        "employeeNumber": _text(enterprise.get("employeeNumber"), "employeeNumber", 20),
        "unitCode": _text(extension.get("unitCode"), "unitCode", 20),
        "position": _text(extension.get("position"), "position", 100),
        "nameKana": _text(extension.get("nameKana"), "nameKana", 100),
    }


def _unit_and_position(data: dict) -> tuple[OrgUnit | None, Position | None]:
    unit = position = None
    if data["unitCode"]:
        unit = OrgUnit.objects.filter(code=data["unitCode"]).first()
        if unit is None:
            raise ScimError(
                400,
                _("No unit has the code %(code)s.") % {"code": data["unitCode"]},
                "invalidValue",
            )
    if data["position"]:
        position = Position.objects.filter(name=data["position"]).first()
        if position is None:
            raise ScimError(
                400,
                _("No position is called %(name)s.") % {"name": data["position"]},
                "invalidValue",
            )
    return unit, position


def _apply_person(person: Person, data: dict, actor) -> None:
    unit, position = _unit_and_position(data)
    org_actions.change_person(
        person,
        actor=actor,
        name=data["name"] or None,
        name_kana=data["nameKana"] or None,
        email=data["email"],
    )
    person.refresh_from_db()
    moved = unit is not None and unit != person.unit
    promoted = data["position"] and position != person.position
    if moved or promoted:
        org_actions.transfer_person(
            person,
            unit=unit or person.unit,
            position=position if data["position"] else person.position,
            effective_date=clock.today(),
            actor=actor,
            note="SCIM",
        )


def _user_or_404(pk: str) -> User:
    if not pk.isdigit() or len(pk) > 18:
        raise ScimError(404, _("No such user."))
    user = User.objects.filter(pk=int(pk)).first()
    if user is None:
        raise ScimError(404, _("No such user."))
    return user


@endpoint
def service_provider_config(request, body):
    return JsonResponse(
        {
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"],
            "patch": {"supported": True},
            "bulk": {"supported": False, "maxOperations": 0, "maxPayloadSize": 0},
            "filter": {"supported": True, "maxResults": MAX_COUNT},
            "changePassword": {"supported": False},
            "sort": {"supported": False},
            "etag": {"supported": False},
            "authenticationSchemes": [
                {"type": "oauthbearertoken", "name": "API token", "description": "mamori API token"}
            ],
        },
        content_type=CONTENT_TYPE,
    )


@endpoint
def users(request, body):
    authorize(request.user, "change", User, what=f"SCIM {request.method} {request.path}")
    if request.method == "POST":
        return _create(request, body)
    if request.method != "GET":
        raise ScimError(405, _("Use GET or POST."))
    queryset = User.objects.order_by("pk")
    query = request.GET.get("filter", "").strip()
    if query:
        attribute, _sep, rest = query.partition(" ")
        operator, _sep, value = rest.strip().partition(" ")
        value = value.strip()
        if operator.lower() != "eq" or not (value.startswith('"') and value.endswith('"')):
            raise ScimError(400, _('Only filters of the form attribute eq "value" are supported.'),
                            "invalidFilter")  # fmt: skip
        value = value[1:-1]
        fields = {
            "username": "username",
            f"{ENTERPRISE.lower()}:employeenumber": "person__employee_no",
            "employeenumber": "person__employee_no",
        }
        field = fields.get(attribute.lower())
        if field is None:
            raise ScimError(
                400,
                _("Filtering by %(name)s is not supported.") % {"name": attribute},
                "invalidFilter",
            )
        queryset = queryset.filter(**{field: value})
    try:
        start = max(1, int(request.GET.get("startIndex", "1")))
        count = min(MAX_COUNT, max(0, int(request.GET.get("count", str(MAX_COUNT)))))
    except ValueError:
        raise ScimError(400, _("startIndex and count must be integers."), "invalidValue") from None
    if start > 10**9:
        raise ScimError(400, _("startIndex is too large."), "invalidValue")
    total = queryset.count()
    page = list(queryset[start - 1 : start - 1 + count])
    return JsonResponse(
        {
            "schemas": [LIST],
            "totalResults": total,
            "startIndex": start,
            "itemsPerPage": len(page),
            "Resources": [_resource(request, u) for u in page],
        },
        content_type=CONTENT_TYPE,
    )


def _create(request, body):
    data = _parse(body)
    if not data["userName"]:
        raise ScimError(400, _("userName is required."), "invalidValue")
    if User.objects.filter(username=data["userName"]).exists():
        raise ScimError(
            409, _("User name %(name)s is taken.") % {"name": data["userName"]}, "uniqueness"
        )
    with transaction.atomic():
        person = None
        if data["employeeNumber"]:
            person = Person.objects.filter(employee_no=data["employeeNumber"]).first()
            if person is None:
                unit, position = _unit_and_position(data)
                if unit is None or not data["name"] or not data["nameKana"]:
                    raise ScimError(
                        400,
                        _("A new member of staff needs name.formatted, nameKana and unitCode."),
                        "invalidValue",
                    )
                person = org_actions.hire_person(
                    employee_no=data["employeeNumber"],
                    name=data["name"],
                    name_kana=data["nameKana"],
                    employment_type=EmploymentType.REGULAR,
                    unit=unit,
                    position=position,
                    start_date=clock.today(),
                    actor=request.user,
                    email=data["email"],
                )
            else:
                _apply_person(person, data, request.user)
        user = actions.create_user(
            username=data["userName"],
            password=None,
            actor=request.user,
            person=person,
            email=data["email"],
        )
        if not data["active"]:
            user = actions.change_user(user, actor=request.user, is_active=False)
    response = JsonResponse(_resource(request, user), status=201, content_type=CONTENT_TYPE)
    response["Location"] = _resource(request, user)["meta"]["location"]
    return response


@endpoint
def user(request, body, pk: str):
    authorize(request.user, "change", User, what=f"SCIM {request.method} {request.path}")
    account = _user_or_404(pk)
    if request.method == "GET":
        return JsonResponse(_resource(request, account), content_type=CONTENT_TYPE)
    if request.method == "DELETE":
        if account.is_active:
            actions.change_user(account, actor=request.user, is_active=False)
        return HttpResponse(status=204)
    with transaction.atomic():
        if request.method == "PUT":
            data = _parse(body)
            if data["userName"] and data["userName"] != account.username:
                raise ScimError(400, _("userName cannot be changed."), "mutability")
            if account.person is not None:
                _apply_person(account.person, data, request.user)
            actions.change_user(
                account, actor=request.user, email=data["email"], is_active=data["active"]
            )
        elif request.method == "PATCH":
            _patch(account, body, request.user)
        else:
            raise ScimError(405, _("Use GET, PUT, PATCH or DELETE."))
    account.refresh_from_db()
    return JsonResponse(_resource(request, account), content_type=CONTENT_TYPE)


def _patch(account: User, body: dict, actor) -> None:
    """PatchOp: replace of active, emails, name and the extensions' attributes."""
    if PATCH not in (body.get("schemas") or []):
        raise ScimError(
            400, _("A PATCH body has the schema %(schema)s.") % {"schema": PATCH}, "invalidSyntax"
        )
    operations = body.get("Operations")
    if not isinstance(operations, list) or not operations or len(operations) > 50:
        raise ScimError(400, _("Operations must be a list of 1 to 50 operations."), "invalidSyntax")
    current = _resource_for_patch(account)
    for operation in operations:
        if not isinstance(operation, dict):
            raise ScimError(400, _("Each operation must be an object."), "invalidSyntax")
        op = str(operation.get("op", "")).lower()
        if op not in ("replace", "add"):
            raise ScimError(
                400, _("The operation %(op)s is not supported.") % {"op": op or "-"}, "invalidValue"
            )
        path, value = operation.get("path"), operation.get("value")
        if path is None:
            if not isinstance(value, dict):
                raise ScimError(
                    400, _("An operation without path needs an object value."), "invalidValue"
                )
            current.update(value)
        elif path == "active":
            current["active"] = value
        elif path == "emails":
            current["emails"] = value
        elif path in ("name.formatted", "displayName"):
            current["name"] = {"formatted": value}
        elif path.startswith(MAMORI + ":"):
            current.setdefault(MAMORI, {})[path.split(":")[-1]] = value
        else:
            raise ScimError(
                400, _("The path %(path)s cannot be changed here.") % {"path": path}, "invalidPath"
            )
    data = _parse(current)
    if account.person is not None:
        _apply_person(account.person, data, actor)
    actions.change_user(account, actor=actor, email=data["email"], is_active=data["active"])


def _resource_for_patch(account: User) -> dict:
    person = account.person
    out = {
        "userName": account.username,
        "active": account.is_active,
        "emails": [{"value": account.email, "primary": True}] if account.email else [],
        "name": {"formatted": person.name if person else ""},
    }
    if person is not None:
        out[MAMORI] = {"nameKana": person.name_kana}
    return out
