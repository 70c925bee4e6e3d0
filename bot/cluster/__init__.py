"""Several Rasa servers and action servers behind nginx, on Rasa's own distributed setup
(PostgreSQL tracker store, Redis lock store, one shared knowledge base): docs/deploy.md."""
