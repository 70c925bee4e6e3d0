"""Command-line and development tools, used by no serving process: NLU generation and lint
(`nlu_generation`, `nlu_lint`, `form_rules`), the adviser's terminal (`shell`), the wait
for readiness (`readiness`), erasure and retention (`privacy`), the process launcher
shared by `make run`, the tests and the bench (`processes`, `supervisor`), `make run`
itself (`run_local`) and the one-machine multi-server demo (`multiserver_demo`)."""
