"""The read-only dashboard and its JSON API (design §7): ``create_app(db_path)``."""

from dyadwatch.web.app import create_app

__all__ = ["create_app"]
