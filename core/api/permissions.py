from rest_framework.permissions import SAFE_METHODS, BasePermission


class ScopedAccess(BasePermission):
    """The default for every API view: signed in; reads go through `visible_to` in the view's queryset (so objects
    outside the scope are 404); writes are for the command office unless a view names other roles in
    `write_roles`."""

    def has_permission(self, request, view):
        user = request.user
        if not (user and user.is_authenticated and user.is_active):
            return False
        if request.method in SAFE_METHODS:
            return True
        write_roles = getattr(view, "write_roles", None)
        if write_roles is None:
            return user.is_office
        return user.is_superuser or user.role in write_roles
