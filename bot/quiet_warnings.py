"""Hides the deprecation warnings of third-party libraries that fill the screen when the bot
starts: nobody starting the bot can act on them, and they bury the lines that matter.

Only the named libraries' deprecation warnings are hidden; warnings from the project's own
code (bot, actions, components, deploy, staff) and every other kind of warning stay visible.
Each process entry point calls `install()` before it imports Rasa.
"""

from __future__ import annotations

import warnings
from typing import List, Tuple

# (module pattern, reason): matched against the module a warning is reported from; for a
# warning raised while compiling a file, against its path.
THIRD_PARTY_DEPRECATIONS: List[Tuple[str, str]] = [
    # Rasa 3.6 uses SQLAlchemy 1.4 APIs and pkg_resources; fixed only in Rasa releases after 3.6.
    (r"rasa(\.|$)", "Rasa 3.6's own use of SQLAlchemy 1.x APIs and pkg_resources"),
    # declare_namespace calls from matplotlib's and ruamel's namespace packages (.pth files).
    (r"pkg_resources(\.|$)", "namespace packages of matplotlib and ruamel.yaml"),
    # APScheduler 3 (Rasa's scheduler) imports pkg_resources for its version.
    (r"apscheduler(\.|$)", "APScheduler's import of pkg_resources"),
    # sanic_cors compares versions with distutils' LooseVersion.
    (r"sanic_cors(\.|$)", "sanic-cors' distutils version check"),
    # TensorFlow 2.12 imports a JAX API that JAX deprecated.
    (r"tensorflow(\.|$)", "TensorFlow's import of jax.xla_computation"),
    # Keras 2.12's docstrings hold invalid escape sequences (reported at compile time by path).
    (r".*/site-packages/keras/", "escape sequences in Keras' docstrings"),
    (r"keras(\.|$)", "Keras' own deprecated calls"),
    # matplotlib 3.5 calls pyparsing's camelCase names, deprecated in pyparsing 3.1.
    (r"matplotlib(\.|$)", "matplotlib's use of pyparsing's old names"),
    # A package imported through a legacy import hook uses load_module() (Python 3.10 notice).
    (r"importlib\._bootstrap", "a third-party import hook's load_module()"),
]


def install(for_rasa: bool = True) -> None:
    """Adds the filters to this process (idempotent). `for_rasa`: the process will import
    Rasa, and with it Sanic, which puts a catch-all "once" filter for DeprecationWarning at
    the front of the filters when it is imported; imported here first, Sanic's filter ends up
    behind these."""
    if for_rasa:
        import sanic  # noqa: F401

    for module, _reason in THIRD_PARTY_DEPRECATIONS:
        for category in (DeprecationWarning, PendingDeprecationWarning):
            warnings.filterwarnings("ignore", category=category, module=module)
