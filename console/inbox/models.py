from __future__ import annotations

from django.conf import settings
from django.db import models


class HandledMessage(models.Model):
    """A message of the inbox that staff have dealt with (dismissed, or added as an example),
    so that it is not shown again. `key` is console.inbox.reading.handled_key of the masked
    text: the same message whatever its case, punctuation or spacing. Only masked text is
    kept."""

    DISMISSED = "dismissed"
    ADDED = "added"
    ACTIONS = [(DISMISSED, "ohitettu"), (ADDED, "lisätty esimerkiksi")]

    key = models.CharField("tunniste", max_length=1000, unique=True)
    text = models.TextField("viesti (henkilötiedot peitetty)")
    action = models.CharField("käsittely", max_length=20, choices=ACTIONS)
    topic = models.CharField("aihe", max_length=100, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    at = models.DateTimeField("aika", auto_now_add=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = "käsitelty viesti"
        verbose_name_plural = "käsitellyt viestit"

    def __str__(self) -> str:
        return f"{self.action}: {self.text}"
