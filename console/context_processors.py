from typing import Any, Dict

from django.conf import settings
from django.http import HttpRequest


def lockout(request: HttpRequest) -> Dict[str, Any]:
    """How long a locked account stays locked, in minutes, for the pages that say it."""
    return {"lockout_minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)}
