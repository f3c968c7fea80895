"""Delivery channels, one module each, sharing one error type."""


class ChannelError(Exception):
    """A failed delivery. `permanent` failures (bad webhook, rejected address) disable the channel."""

    def __init__(self, message: str, *, permanent: bool, status_code: int | None = None):
        super().__init__(message)
        self.permanent = permanent
        self.status_code = status_code
