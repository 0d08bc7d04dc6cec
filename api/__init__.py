"""The thin web layer: HTTP in, one service call, HTTP out. No business logic lives here."""
