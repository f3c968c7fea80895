"""Stand-ins for the edges we cannot reach from the demo and the tests: the X data API
(`python -m fakes.x_api`) and Slack webhooks + SMTP (`python -m fakes.alert_sinks`).

Each runs as its own process and is reached over HTTP/SMTP like the real service; no production
module imports this package (tests/test_architecture.py, .importlinter).
"""
