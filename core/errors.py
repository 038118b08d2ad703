class DomainError(Exception):
    """A business rule refused an action. Views show `message` to the user; the API answers 400 with `code`."""

    code = "domain_error"

    def __init__(self, message, *, code: str | None = None):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
