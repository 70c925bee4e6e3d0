# Boussole Export — every command a newcomer needs. `make run` and `make test` install
# whatever is missing first.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
PY := $(VENV)/bin/python
RASA := $(VENV)/bin/rasa
# One stamp per requirement set (requirements/<set>.txt and its lock): `make run` installs
# runtime only, `make test` adds dev (pytest, ruff, Playwright), `make bench` adds bench.
stamp = $(VENV)/.installed-$(1)-$(shell cat $(foreach f,$(2),requirements/$(f)) | sha256sum | cut -c1-16)
STAMP := $(call stamp,runtime,runtime.txt runtime.lock)
DEV_STAMP := $(call stamp,dev,runtime.txt dev.txt dev.lock)
BENCH_STAMP := $(call stamp,bench,runtime.txt bench.txt bench.lock)

export RASA_TELEMETRY_ENABLED := false
export TF_CPP_MIN_LOG_LEVEL := 2
export PYTHONDONTWRITEBYTECODE := 1
export SQLALCHEMY_SILENCE_UBER_WARNING := 1

.PHONY: help install install-dev install-bench run run-multiserver shell train test test-fast lint kb-load kb-check nlu-generate validate clean clean-data lock bench

help:
	@echo "Boussole Export — commandes :"
	@echo "  make run          installe, charge la base, entraîne si besoin, démarre l'assistant (http://localhost:8080)"
	@echo "  make run-multiserver  idem sur 2 serveurs Rasa et 2 serveurs d'actions derrière nginx (PostgreSQL, Redis)"
	@echo "  make test         installe ce qui manque et lance tous les tests (make lint d'abord)"
	@echo "  make test-fast    tests unitaires sur SQLite seul, sans serveur"
	@echo "  make lint         vérification statique du code (ruff : règles et mise en forme)"
	@echo "  make shell        discuter avec l'assistant dans le terminal (CONSEILLER=1 : mode conseiller)"
	@echo "  make train        entraîner le modèle (seulement si config, domaine ou données ont changé)"
	@echo "  make kb-check     valider knowledge/ sans rien écrire"
	@echo "  make kb-load      charger knowledge/ dans la base de données"
	@echo "  make nlu-generate régénérer les tables de recherche NLU depuis knowledge/"
	@echo "  make bench        mesures de performance face au floor (long ; ONLY=latency,memory,train,coldstart,nlu,ranker,failover)"
	@echo "  make clean        supprimer les modèles entraînés, les résultats de tests et les caches (garde var/)"
	@echo "  make clean-data   supprimer var/ : conversations, avis, dossiers, jetons (demande confirmation ; CONFIRM=1)"

install: $(STAMP)
install-dev: $(DEV_STAMP)
install-bench: $(BENCH_STAMP)

$(STAMP): requirements/runtime.txt requirements/runtime.lock
	@scripts/install.sh runtime $@

$(DEV_STAMP): requirements/runtime.txt requirements/dev.txt requirements/dev.lock
	@scripts/install.sh dev $@

$(BENCH_STAMP): requirements/runtime.txt requirements/bench.txt requirements/bench.lock
	@scripts/install.sh bench $@

kb-check: $(STAMP)
	@$(PY) -m bot kb check

kb-load: $(STAMP)
	@mkdir -p var
	@$(PY) -m bot kb load

nlu-generate: $(STAMP)
	@$(PY) -m bot nlu generate

train: $(STAMP)
	@scripts/train.sh

validate: $(STAMP)
	@$(RASA) data validate --fail-on-warnings

# Names or aliases edited in knowledge/ reach the NLU before training.
run: $(STAMP) kb-load nlu-generate train
	@scripts/run.sh

# Several servers behind nginx, sharing PostgreSQL and Redis (docs/deploy.md).
run-multiserver: $(STAMP) nlu-generate train
	@scripts/run_multiserver.sh

shell: $(STAMP) kb-load nlu-generate train
	@scripts/shell.sh $(if $(CONSEILLER),--conseiller)

# The static gate first: a lint error fails in seconds, before servers and training.
test: $(DEV_STAMP) lint
	@scripts/ensure_postgres.sh
	@scripts/ensure_redis.sh
	@scripts/ensure_nginx.sh
	@scripts/ensure_browser.sh
	@scripts/train.sh
	@BOUSSOLE_TEST_MODEL=$$(scripts/model_path.sh) scripts/run_tests.sh

# Unit tests on SQLite alone, while editing bot/: no model, no PostgreSQL, no Redis, no
# apt-get, no subprocess-heavy test (markers in pytest.ini).
test-fast: $(DEV_STAMP)
	@scripts/run_tests.sh -q -m "not integration and not postgres and not redis and not slow"

lint: $(DEV_STAMP)
	@$(VENV)/bin/ruff check .
	@$(VENV)/bin/ruff format --check .

# Performance against the framework floor (`rasa init`'s bot, trained by the bench): long
# (trainings), hence not part of `make test`. ONLY=latency,memory,train,coldstart,nlu,ranker,failover picks
# sections; VARIANTS=as_shipped,default,tuned picks Boussole's deployments.
bench: $(BENCH_STAMP) train
	@PYTHONPATH=$(CURDIR) $(PY) -m bench.run $(if $(ONLY),--only $(ONLY)) $(if $(VARIANTS),--variants $(VARIANTS))

# After a change in requirements/*.txt: installs every set into .venv without the old locks
# (pip keeps the installed versions that still fit), checks it, and writes the three locks
# from that one environment, so that dev and bench pin runtime's packages alike.
lock:
	@test -x $(PY) || scripts/install.sh runtime $(STAMP)
	@echo "==> Résolution des trois ensembles dans .venv, puis écriture de requirements/*.lock."
	@$(PY) -m pip install --quiet -r requirements/dev.txt -r requirements/bench.txt
	@$(PY) -m pip check
	@$(PY) scripts/lock_requirements.py

# Models, results and caches only: var/ holds conversations, feedback, dossiers and tokens.
clean:
	rm -rf models results tests/artifacts .pytest_cache .rasa graph.html story_graph.dot
	find . -name __pycache__ -type d -not -path "./.venv/*" -prune -exec rm -rf {} +

# Says what var/ holds and asks before deleting it (CONFIRM=1: no question, for scripts).
clean-data:
	@CONFIRM=$(CONFIRM) scripts/clean_data.sh
