"""The Qt widgets GUI: a thin client of the domain layer (``desktop_app.domain``) and of sync."""
