"""What incidents put on the compliance pages (mamori.compliance.panels): the incidents in
progress, and the 年度's incidents by kind for the policy review. Both count only the
incidents the user may open (administrators are not incident staff)."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from mamori.compliance.access import within_oversight
from mamori.compliance.panels import REVIEW, Panel, WorkInProgress
from mamori.incidents.models import Incident
from mamori.incidents.stats import statistics
from mamori.lib.charts import horizontal


def in_progress(access):
    rows = access.restrict(Incident.objects.open())
    return within_oversight(access, rows).select_related("unit").order_by("-reported_at", "-id")


def by_kind_panel(data, year):
    numbers = statistics(data.access.restrict(Incident.objects.all()), year)
    by_kind = numbers["by_type"]
    return {
        "rows": by_kind,
        "chart": horizontal(_("Incidents by kind"), by_kind),
        "total": sum(n for _label, n in by_kind),
    }


WORK = WorkInProgress(
    key="incidents",
    title=gettext_lazy("Incidents in progress"),
    caption=gettext_lazy("incidents in progress"),
    rows=in_progress,
    template="incidents/panels/in_progress.html",
    order=10,
)
BY_KIND = Panel(
    key="review_incidents",
    page=REVIEW,
    build=by_kind_panel,
    template="incidents/panels/by_kind.html",
    order=30,
)
