import logging

from django.contrib.auth.decorators import login_not_required
from django.db import DatabaseError, connection
from django.db.models import F
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from mamori.incidents import privacy
from mamori.org.models import Person
from mamori.outsourcing import todo as outsourcing_todo
from mamori.training import duties as training


def home(request):
    user = request.user
    person = user.person
    colleagues = []
    if person is not None:
        colleagues = list(
            request.access.restrict(Person.objects.current())
            .filter(unit_id=person.unit_id)
            .select_related("position")
            .order_by(F("position__rank").asc(nulls_last=True), "employee_no")[:20]
        )
    return render(
        request,
        "core/home.html",
        {
            "person": person,
            "colleagues": colleagues,
            "legal": privacy.to_do(request.access),
            "training": training.to_do(request.access),
            "outsourcing": outsourcing_todo.to_do(request.access),
        },
    )


@login_not_required
@never_cache
def healthz(request):
    """For the load balancer and monitoring: the application answers, and `database` says
    whether the database does. 503 when it does not, so that a load balancer stops sending
    people to this server."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError as error:
        logging.getLogger("mamori.database").error("healthz: database unreachable: %s", error)
        return JsonResponse({"status": "unavailable", "database": "unreachable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})
