# Perheneuvo: `make run` starts the bot, `make test` runs every test. `make help` lists all targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV    := .venv
PY      := $(VENV)/bin/python
RASA    := $(VENV)/bin/rasa
MODEL   := models/perheneuvo.tar.gz
APT_PACKAGES := libvoikko1 voikko-fi chromium chromium-driver postgresql redis-server nginx
# What the model is trained from. knowledge/ is not: the servers read it live (knowledge_base).
TRAINING_INPUTS := config.yml domain.yml $(shell find data components knowledge_base -type f \( -name '*.yml' -o -name '*.py' \) 2>/dev/null)
-include .env
export
export PYTHONDONTWRITEBYTECODE := 1
export TF_CPP_MIN_LOG_LEVEL := 2

.PHONY: help setup run train test test-unit lint format validate test-stories eval eval-answers floor bench \
        compare-pipelines lock clean \
        run-production test-production \
        check reload inbox inbox-add staff-user
.PHONY: browser-deps screenshots

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-16s %s\n", $$1, $$2}'

setup: .stamps/apt .stamps/venv ## Install system packages and the locked Python environment

.stamps/apt: Makefile
	@mkdir -p .stamps
	@if ! dpkg -s $(APT_PACKAGES) >/dev/null 2>&1; then \
	  echo "Installing $(APT_PACKAGES)"; \
	  $$( [ "$$(id -u)" = 0 ] || echo sudo ) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$( [ "$$(id -u)" = 0 ] || echo sudo ) apt-get install -y -qq $(APT_PACKAGES) >/dev/null; \
	fi
	@touch $@

# Node.js and npm for the browser tests' JavaScript (axe-core). Installed only when npm is
# missing: NodeSource's nodejs package brings its own npm and conflicts with Debian's.
NODE_APT_PACKAGES := nodejs npm
.stamps/node: Makefile
	@mkdir -p .stamps
	@if ! command -v npm >/dev/null 2>&1; then \
	  echo "Installing $(NODE_APT_PACKAGES)"; \
	  $$( [ "$$(id -u)" = 0 ] || echo sudo ) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$( [ "$$(id -u)" = 0 ] || echo sudo ) apt-get install -y -qq $(NODE_APT_PACKAGES) >/dev/null; \
	fi
	@touch $@

# axe-core, pinned by tests/browser/package-lock.json, for the console's accessibility test.
tests/browser/node_modules/.stamp: tests/browser/package-lock.json tests/browser/package.json | .stamps/node
	npm ci --prefix tests/browser --no-audit --no-fund --loglevel=error
	@touch $@

browser-deps: tests/browser/node_modules/.stamp ## Install the browser tests' pinned JavaScript (axe-core) with npm ci

# The staff guide's screenshots (docs/henkilokunnalle.md): the console's browser tests save
# every page at 1280 px (tests/support/screenshots.py); the images the guide does not use go.
GUIDE        := docs/henkilokunnalle.md
GUIDE_IMAGES := docs/kuvat
screenshots: setup browser-deps ## Retake the staff guide's console screenshots into docs/kuvat with the browser tests
	@mkdir -p $(GUIDE_IMAGES)
	PERHENEUVO_SCREENSHOT_DIR=$(GUIDE_IMAGES) $(PY) -m pytest -q tests/e2e/test_console_accessibility.py tests/e2e/test_console_browser.py
	@for image in $(GUIDE_IMAGES)/*.png; do \
	  grep -q "kuvat/$$(basename $$image)" $(GUIDE) || rm -f "$$image"; \
	done
	@missing=$$(grep -o 'kuvat/[a-z0-9-]*\.png' $(GUIDE) | sort -u | while read -r image; do \
	  test -f docs/$$image || echo $$image; done); \
	  if [ -n "$$missing" ]; then echo "$(GUIDE) uses images no test took: $$missing" >&2; exit 1; fi
	@ls -s1 --block-size=K $(GUIDE_IMAGES)

.stamps/venv: requirements.lock .python-version
	@mkdir -p .stamps
	@test -x $(PY) || "$$(scripts/python310.sh)" -m venv $(VENV)
	@$(PY) -c 'import sys; sys.exit(sys.version_info[:2] != (3, 10))' || { echo "error: $(VENV) is not Python 3.10; remove it and run make again" >&2; exit 1; }
	@test -x $(VENV)/bin/uv || $(VENV)/bin/pip install -q --disable-pip-version-check uv==0.13.8
	$(VENV)/bin/uv pip sync -q --python $(PY) --index-url https://pypi.org/simple requirements.lock
	@touch $@

lock: ## Re-resolve requirements.in into requirements.lock (Python 3.10)
	$(VENV)/bin/uv pip compile requirements.in -o requirements.lock --python-version 3.10 \
	  --python-platform x86_64-unknown-linux-gnu --generate-hashes --index-url https://pypi.org/simple

train: setup check $(MODEL).sha256 ## Check the data, then train when data, knowledge or config changed

$(MODEL): $(TRAINING_INPUTS) | .stamps/venv
	$(RASA) train --fixed-model-name perheneuvo --out models
	@touch $@

# The hash the server checks before loading the model (bot/model_files.py).
$(MODEL).sha256: $(MODEL)
	@$(PY) -m bot.model_files record $< >/dev/null

run: setup train ## Start the bot: demo page 8080, Rasa 5005 (REST), actions 5055, staff console 8090, Telegram if set; Ctrl-C stops all
	$(PY) -m bot.launcher

run-production: setup train ## PostgreSQL, Redis, 2 Rasa servers, actions behind nginx on 8081 (docs/production.md)
	$(PY) -m deploy

validate: setup ## Check the training data with rasa data validate
	$(RASA) data validate --quiet

test-unit: setup ## Unit tests in tests/unit: no trained model, no servers, fixture data
	$(PY) -m pytest -q tests/unit

test-production: setup train ## Production profile: 100 conversations through nginx while servers fail
	$(PY) -m pytest -q tests/production -m production

test-stories: setup train ## Conversation tests in tests/test_stories.yml
	$(RASA) test core --model $(MODEL) --stories tests/test_stories.yml --fail-on-prediction-errors --out results/stories

# The project's own packages; ruff and mypy check these (make lint).
LINT_PATHS := actions bot components console deploy knowledge_base scripts staff tests

lint: setup ## ruff (lint and format check) and mypy on the project's own code
	$(VENV)/bin/ruff check $(LINT_PATHS)
	$(VENV)/bin/ruff format --check $(LINT_PATHS)
	$(VENV)/bin/mypy

format: setup ## Format the project's code with ruff (what make lint checks)
	$(VENV)/bin/ruff check --fix $(LINT_PATHS)
	$(VENV)/bin/ruff format $(LINT_PATHS)

test: setup browser-deps lint check train validate ## Every test: lint, data check, unit, model, end-to-end, production, stories, held-out and answer-level evaluation
	$(PY) -m pytest -q tests/unit tests/model tests/e2e -m "not production"
	$(MAKE) --no-print-directory test-production
	$(MAKE) --no-print-directory test-stories
	$(MAKE) --no-print-directory eval

eval: setup train ## Held-out topic accuracy (fails below 90 %), then answer-level conversations over REST (fails below 95 %)
	$(PY) -m staff eval
	$(PY) -m staff.answer_eval

eval-answers: setup train ## Answer-level evaluation: whole conversations over REST, facts in the replies (tests/data/answers); fails below 95 %
	$(PY) -m staff.answer_eval

floor: setup ## TF-IDF floor for eval-answers: nearest training example's answer, same cases and checker
	$(PY) scripts/tfidf_floor.py

# Staff tools on the command line (docs/komentorivi.md). Settings come as make variables, e.g.
# make inbox-add VIESTI="onko erokahvilassa lastenhoitoa" AIHE=erokahvila
check: setup ## Check all data in seconds, without training (KAIKKI=1: also developer warnings)
	@$(PY) -m staff check $(if $(KAIKKI),--kaikki) $(if $(PROJEKTI),--projekti "$$PROJEKTI")

reload: setup ## Load a trained model into the running bot without a restart (MALLI=models/...)
	@$(PY) -m staff reload $(if $(MALLI),--malli "$$MALLI")

inbox: setup ## Messages the bot could not answer, last PAIVAT days (14), personal data masked
	@$(PY) -m staff inbox $(if $(PAIVAT),--paivat "$$PAIVAT") $(if $(PROJEKTI),--projekti "$$PROJEKTI")

inbox-add: setup ## Add VIESTI="..." or group RYHMA=n of make inbox as an example of topic AIHE=...
	@$(PY) -m staff inbox-add $(if $(VIESTI),--viesti "$$VIESTI") $(if $(RYHMA),--ryhma "$$RYHMA") $(if $(AIHE),--aihe "$$AIHE") $(if $(PROJEKTI),--projekti "$$PROJEKTI")

# The staff console's accounts (docs/komentorivi.md), e.g.
# make staff-user TUNNUS=maija ROOLI=muokkaaja ALUEET="etela-savo pohjois-savo"
staff-user: setup ## Add a staff console account: asks (in Finnish) for TUNNUS, ROOLI, ALUEET and a password
	@$(PY) -m console staff_user $(if $(TUNNUS),--tunnus "$$TUNNUS") $(if $(ROOLI),--rooli "$$ROOLI") $(if $(ALUEET),--alueet "$$ALUEET")

bench: setup train ## Latency, throughput, memory, start-up and training time vs a `rasa init` bot; console publish → answer time
	$(PY) -m scripts.bench

compare-pipelines: setup train ## Rasa's default pipeline vs ours on the held-out set; the TF-IDF floor on the answer-level cases
	$(PY) scripts/compare_pipelines.py
	$(PY) scripts/tfidf_floor.py

clean: ## Remove the trained models, results and stamps (keeps .venv)
	rm -rf models/*.tar.gz models/*.sha256 results .stamps/apt
