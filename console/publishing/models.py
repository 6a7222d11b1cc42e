from __future__ import annotations

from typing import Any, Dict, List

from django.conf import settings
from django.db import models


class PublishRun(models.Model):
    """One publication (or restore) and its steps, as the status page shows them."""

    PUBLISH = "publish"
    RESTORE = "restore"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    username = models.CharField("julkaisija", max_length=150)
    message = models.TextField("viesti")
    kind = models.CharField(max_length=10, default=PUBLISH)
    restore_of = models.CharField(max_length=40, blank=True)
    state = models.CharField(max_length=10, default=RUNNING)
    steps = models.JSONField(default=list)
    started = models.DateTimeField(auto_now_add=True)
    finished = models.DateTimeField(null=True, blank=True)
    model_file = models.CharField(max_length=300, blank=True)
    commit = models.CharField(max_length=40, blank=True)
    accuracy = models.FloatField(null=True, blank=True)
    baseline_accuracy = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ["-started", "-id"]
        default_permissions = ()

    @property
    def running(self) -> bool:
        return self.state == self.RUNNING

    def step(self, key: str) -> Dict[str, Any]:
        return next(s for s in self.steps if s["key"] == key)

    @property
    def failure(self) -> List[str]:
        return [s["message"] for s in self.steps if s["state"] == "failed"]


class Baseline(models.Model):
    """The answer-level score of one published state (the content files' fingerprint and
    the model's hash), so that the live bot is evaluated once, not at every publication."""

    key = models.CharField(max_length=200, unique=True)
    passed = models.IntegerField()
    total = models.IntegerField()
    failing = models.JSONField(default=list)  # the ids of the cases that fail
    measured = models.DateTimeField(auto_now_add=True)

    class Meta:
        default_permissions = ()

    @property
    def accuracy(self) -> float:
        return self.passed / self.total if self.total else 0.0


class TopicSnapshot(models.Model):
    """A topic file's text as an editor opened it, by its version hash: when someone else
    saved meanwhile, the editor is shown what they changed."""

    version = models.CharField(max_length=64, unique=True)
    path = models.CharField(max_length=300)
    source = models.TextField()
    saved = models.DateTimeField(auto_now_add=True)

    class Meta:
        default_permissions = ()
