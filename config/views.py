from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.templatetags.static import static

from core.choices import Role

# Each role lands on its own home page; later pages (dashboards, the ledger) take over these targets.
HOME_BY_ROLE = {
    Role.ADMIN: "home_office",
    Role.STAFF: "home_office",
    Role.INSPECTOR: "home_inspector",
    Role.LEADER: "dashboard",
    Role.UNIT_HEAD: "home_units",
    Role.LIAISON: "home_units",
}


@login_required
def home(request):
    user = request.user
    target = "home_office" if user.is_superuser else HOME_BY_ROLE.get(user.role, "home_units")
    return redirect(target)


def favicon(request):
    """Browsers ask for /favicon.ico whatever the page says."""
    return redirect(static("favicon.svg"), permanent=True)
