"""Command-line and development tools, used by no serving process: NLU generation and lint
(`nlu_generation`, `nlu_lint`, `form_rules`), the adviser's terminal (`shell`), the wait
for readiness (`readiness`), erasure and retention (`privacy`), and the one-machine
multi-server demo with its supervisor (`multiserver_demo`, `supervisor`)."""
