from rest_framework import status
from rest_framework.response import Response


class ServiceWriteMixin:
    """Create and change objects through the domain services: the write serializer checks the input's shape, the
    service checks the rules, writes and audits in one transaction, and the answer is the object as the read
    serializer shows it (read back through the view's scoped queryset).

    A view sets `write_serializer_class` and implements `perform_service_create(data)` and/or
    `perform_service_update(obj, data)`; which of the two exist decides which methods the view accepts.
    """

    write_serializer_class = None

    def get_serializer_class(self):
        if self.action in ("create", "partial_update", "update"):
            return self.write_serializer_class
        return super().get_serializer_class()

    def _read(self, obj):
        obj = self.get_queryset().get(pk=obj.pk)
        return self.serializer_class(obj, context=self.get_serializer_context()).data

    def create(self, request, *args, **kwargs):
        serializer = self.write_serializer_class(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        obj = self.perform_service_create(dict(serializer.validated_data))
        return Response(self._read(obj), status=status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        obj = self.get_object()
        serializer = self.write_serializer_class(
            obj, data=request.data, partial=True, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        obj = self.perform_service_update(obj, dict(serializer.validated_data))
        return Response(self._read(obj))
