# Boussole Export — every command a newcomer needs. `make run` and `make test` install
# whatever is missing first.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
PY := $(VENV)/bin/python
RASA := $(VENV)/bin/rasa
LOCK_HASH := $(shell cat requirements.txt constraints.txt | sha256sum | cut -c1-16)
STAMP := $(VENV)/.installed-$(LOCK_HASH)

export RASA_TELEMETRY_ENABLED := false
export TF_CPP_MIN_LOG_LEVEL := 2
export PYTHONDONTWRITEBYTECODE := 1
export SQLALCHEMY_SILENCE_UBER_WARNING := 1

.PHONY: help install run run-multiserver shell train test test-fast kb-load kb-check nlu-generate validate clean clean-data lock bench

help:
	@echo "Boussole Export — commandes :"
	@echo "  make run          installe, charge la base, entraîne si besoin, démarre l'assistant (http://localhost:8080)"
	@echo "  make run-multiserver  idem sur 2 serveurs Rasa et 2 serveurs d'actions derrière nginx (PostgreSQL, Redis)"
	@echo "  make test         installe ce qui manque et lance tous les tests"
	@echo "  make shell        discuter avec l'assistant dans le terminal (CONSEILLER=1 : mode conseiller)"
	@echo "  make train        entraîner le modèle (seulement si config, domaine ou données ont changé)"
	@echo "  make kb-check     valider knowledge/ sans rien écrire"
	@echo "  make kb-load      charger knowledge/ dans la base de données"
	@echo "  make nlu-generate régénérer les tables de recherche NLU depuis knowledge/"
	@echo "  make bench        mesures de performance face au floor (long ; ONLY=latency,memory,train,coldstart,nlu,ranker)"
	@echo "  make clean        supprimer les modèles entraînés, les résultats de tests et les caches (garde var/)"
	@echo "  make clean-data   supprimer var/ : conversations, avis, dossiers, jetons (demande confirmation ; CONFIRM=1)"

install: $(STAMP)

$(STAMP): requirements.txt constraints.txt
	@scripts/install.sh $(STAMP)

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

test: $(STAMP)
	@scripts/ensure_postgres.sh
	@scripts/ensure_redis.sh
	@scripts/ensure_nginx.sh
	@scripts/ensure_browser.sh
	@scripts/train.sh
	@BOUSSOLE_TEST_MODEL=$$(scripts/model_path.sh) scripts/run_tests.sh

# Unit tests only (no model, no servers): seconds instead of minutes while editing bot/.
test-fast: $(STAMP)
	@scripts/ensure_postgres.sh
	@scripts/ensure_redis.sh
	@$(PY) -m pytest -m "not integration" -q

# Performance against the framework floor (`rasa init`'s bot, trained by the bench): long
# (trainings), hence not part of `make test`. ONLY=latency,memory,train,coldstart,nlu,ranker picks
# sections; VARIANTS=as_shipped,default,tuned picks Boussole's deployments.
bench: $(STAMP) train
	@PYTHONPATH=$(CURDIR) $(PY) -m bench.run $(if $(ONLY),--only $(ONLY)) $(if $(VARIANTS),--variants $(VARIANTS))

lock:
	@echo "Regénère constraints.txt depuis .venv (après un changement de requirements.txt)."
	@(head -2 constraints.txt; $(PY) -m pip freeze --exclude-editable; echo "setuptools==70.3.0") > constraints.new && mv constraints.new constraints.txt

# Models, results and caches only: var/ holds conversations, feedback, dossiers and tokens.
clean:
	rm -rf models results tests/artifacts .pytest_cache .rasa graph.html story_graph.dot
	find . -name __pycache__ -type d -not -path "./.venv/*" -prune -exec rm -rf {} +

# Says what var/ holds and asks before deleting it (CONFIRM=1: no question, for scripts).
clean-data:
	@CONFIRM=$(CONFIRM) scripts/clean_data.sh
