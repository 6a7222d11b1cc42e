"""`make reload`: puts a trained model into the running bot without a restart.

Rasa's HTTP API loads the model (PUT /model, protected by the API token); conversations are
kept in the tracker store, so a conversation started before the reload simply goes on.
Only models in the project's models/ folder whose hash `make train` recorded are accepted
(the server refuses others too: bot/model_files.py); the tool says so in Finnish first.

The knowledge base (knowledge/) needs no reload: every server takes a changed, valid file
into use at its next message. The tool then asks the Rasa server and the action server which
version they use and compares it with the files: a change with errors is not in use, and the
tool lists the errors.
"""

from __future__ import annotations

import json
import tarfile
from pathlib import Path
from typing import Any, Dict

import requests

import knowledge_base
from bot.model_files import ModelFileError, verify
from staff.messages import say
from staff.project import Project

LOAD_TIMEOUT = 600  # seconds: loading a model on the 2-core server takes 10-60 s
STATUS_TIMEOUT = 30


class ReloadError(Exception):
    """The reload did not happen; the message says why, in Finnish."""


def model_inside_models(project: Project, model: Path) -> Path:
    """The model's real path, refused unless it is a .tar.gz file inside models/ that matches
    the hash recorded when it was trained."""
    path = (model if model.is_absolute() else project.root / model).resolve()
    models = project.models_dir.resolve()
    if models not in path.parents:
        raise ReloadError(
            say("reload.outside_models", model=model, models=project.relative(models))
        )
    if not path.name.endswith(".tar.gz") or not path.is_file():
        raise ReloadError(say("reload.no_model", model=project.relative(path)))
    try:
        verify(path, project.models_dir)
    except ModelFileError as error:
        raise ReloadError(
            say("reload.not_verified", model=project.relative(path), detail=error)
        ) from None
    return path


def model_id(model: Path) -> str:
    """The id Rasa gives a trained model (metadata.json in the archive)."""
    try:
        with tarfile.open(model, "r:gz") as archive:
            for member in archive:
                if member.name.lstrip("./") == "metadata.json":
                    handle = archive.extractfile(member)
                    if handle:
                        return json.load(handle)["model_id"]
    except (tarfile.TarError, OSError, KeyError, ValueError):
        pass
    raise ReloadError(say("reload.not_a_model", model=model.name))


def reload(project: Project, model: Path, url: str, token: str) -> Dict[str, Any]:
    """Loads `model` into the server at `url`; returns the server's status afterwards."""
    path = model_inside_models(project, model)
    expected = model_id(path)
    try:
        reply = requests.put(
            f"{url}/model",
            params={"token": token},
            json={"model_file": str(path)},
            timeout=LOAD_TIMEOUT,
        )
    except requests.ConnectionError:
        raise ReloadError(say("reload.no_server", url=url)) from None
    except requests.Timeout:
        raise ReloadError(say("reload.timeout", url=url, seconds=LOAD_TIMEOUT)) from None
    if reply.status_code in (401, 403):
        raise ReloadError(say("reload.bad_token"))
    if reply.status_code != 204:
        raise ReloadError(say("reload.refused", status=reply.status_code, detail=_reason(reply)))
    status = server_status(url, token)
    if status.get("model_id") != expected:
        raise ReloadError(
            say("reload.not_in_use", model=path.name, serving=status.get("model_file"))
        )
    return status


def server_status(url: str, token: str) -> Dict[str, Any]:
    try:
        reply = requests.get(f"{url}/status", params={"token": token}, timeout=STATUS_TIMEOUT)
    except requests.RequestException:
        raise ReloadError(say("reload.no_server", url=url)) from None
    if reply.status_code != 200:
        raise ReloadError(say("reload.refused", status=reply.status_code, detail=_reason(reply)))
    return reply.json()


def _reason(reply: requests.Response) -> str:
    try:
        return str(reply.json().get("message") or reply.text)[:300]
    except ValueError:
        return reply.text[:300]


def served_knowledge(url: str) -> str:
    """The knowledge base version a server (Rasa's REST channel or the action server) uses."""
    try:
        reply = requests.get(url, timeout=STATUS_TIMEOUT)
        reply.raise_for_status()
        return str(reply.json()["knowledge_version"])
    except (requests.RequestException, ValueError, KeyError):
        raise ReloadError(say("reload.no_knowledge", url=url)) from None


def check_knowledge(project: Project, rasa_url: str, actions_url: str) -> str:
    """The version every server uses, which must be the version of the files; else
    ReloadError says why (the files' errors, or a server that reads other files)."""
    files = knowledge_base.validate(project.knowledge_dir)
    served = {
        "rasa": served_knowledge(f"{rasa_url}/webhooks/rest/knowledge"),
        "actions": served_knowledge(f"{actions_url}/knowledge"),
    }
    if not files.usable:
        problems = "\n".join(f"  knowledge/{p}" for p in knowledge_base.errors(files.problems))
        raise ReloadError(
            say("reload.knowledge_rejected", version=served["rasa"], problems=problems)
        )
    for name, version in served.items():
        if version != files.version:
            raise ReloadError(
                say(
                    "reload.knowledge_other",
                    server=say(f"reload.server_{name}"),
                    version=version,
                    files=files.version,
                    directory=project.knowledge_dir,
                )
            )
    return files.version


def run(project: Project, model: Path, url: str, token: str, actions_url: str) -> int:
    print(say("reload.start", model=model, url=url), flush=True)
    try:
        status = reload(project, model, url, token)
    except ReloadError as error:
        print(say("reload.failed", reason=error), flush=True)
        return 1
    print(say("reload.done", model=status.get("model_file"), model_id=status.get("model_id")))
    try:
        version = check_knowledge(project, url, actions_url)
    except ReloadError as error:
        print(error, flush=True)
        return 1
    print(say("reload.knowledge", version=version))
    return 0
