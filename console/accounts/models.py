from __future__ import annotations

from typing import List, Optional

from django.conf import settings
from django.db import models


class Profile(models.Model):
    """What Django's user lacks: the regions (ids in knowledge/municipalities.yml) whose
    contacts and places the account may edit; an empty list means every region."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile"
    )
    regions = models.JSONField("alueet", default=list, blank=True)

    class Meta:
        verbose_name = "profiili"
        verbose_name_plural = "profiilit"
        default_permissions = ()
        permissions = [("manage_accounts", "Voi hallita tunnuksia")]

    def __str__(self) -> str:
        return f"{self.user.get_username()}: {', '.join(self.regions) or 'kaikki alueet'}"

    def may_edit_region(self, region: str) -> bool:
        return not self.regions or region in self.regions


def regions_of(user: object) -> List[str]:
    """The regions an account is limited to ([] = all)."""
    profile = getattr(user, "profile", None)
    return list(profile.regions) if profile else []


def may_edit_region(user: object, region: Optional[str]) -> bool:
    """Whether the account may see and edit `region`'s entries and requests (an account not
    limited to regions may; None, no region, only then)."""
    limited = regions_of(user)
    return not limited or region in limited
