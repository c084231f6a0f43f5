from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.db.models import F
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from mamori.org.models import Person


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
    return render(request, "core/home.html", {"person": person, "colleagues": colleagues})


@login_not_required
@never_cache
def healthz(request):
    """For the load balancer: the application answers and the database is reachable."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
