"""Delivery channels, one module each, sharing one error type."""


class ChannelError(Exception):
    """A failed delivery: nothing went out.

    `permanent` failures are not retried. Most are the channel's (bad webhook, rejected address)
    and disable it; `disables_channel=False` marks one that belongs to this message alone (the mail
    framework refused to build it), so the channel keeps working for the others.
    """

    def __init__(self, message: str, *, permanent: bool, status_code: int | None = None,
                 disables_channel: bool | None = None):
        super().__init__(message)
        self.permanent = permanent
        self.status_code = status_code
        self.disables_channel = permanent if disables_channel is None else disables_channel
