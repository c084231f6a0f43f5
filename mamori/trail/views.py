"""The trail screens, for those the access model lets read the trail (administrators and
auditors). The trail sits below the access model, so it asks through `request.access`."""

from django.conf import settings
from django.shortcuts import render

from mamori.trail.forms import EventFilterForm
from mamori.trail.models import Event


def _require_trail_reader(request) -> None:
    request.access.require("view", Event, what=f"{request.method} {request.path}")


def event_list(request):
    """Trail events, newest first, with filters; paged by position, not by count."""
    _require_trail_reader(request)
    form = EventFilterForm(request.GET or None)
    events = request.access.restrict(Event.objects.select_related("actor"))
    if form.is_bound and form.is_valid():
        events = form.filter(events)
    before = request.GET.get("before", "")
    if before.isdigit():
        events = events.filter(seq__lt=int(before))
    page = list(events.order_by("-seq")[: settings.MAMORI_PAGE_SIZE + 1])
    has_more = len(page) > settings.MAMORI_PAGE_SIZE
    page = page[: settings.MAMORI_PAGE_SIZE]
    query = request.GET.copy()
    query.pop("before", None)
    return render(
        request,
        "trail/event_list.html",
        {
            "form": form,
            "events": page,
            "next_before": page[-1].seq if has_more else None,
            "query": query.urlencode(),
        },
    )


def event_detail(request, seq: int):
    _require_trail_reader(request)
    event = request.access.get_or_404(Event.objects.select_related("actor"), seq=seq)
    keys = sorted(set((event.before or {}).keys()) | set((event.after or {}).keys()))
    changes = [
        {
            "field": key,
            "before": (event.before or {}).get(key),
            "after": (event.after or {}).get(key),
            "changed": (event.before or {}).get(key) != (event.after or {}).get(key),
        }
        for key in keys
    ]
    return render(request, "trail/event_detail.html", {"event": event, "changes": changes})
