"""Boussole Export: a French-language export assistant for SMEs.

Each sub-package has one role; its docstring says which process uses it:

- `core`: the dialogue core, pure Python without Rasa (deciding what to answer, the French
  replies, the advice engine, text and number tools): the action server, through `actions/`;
- `knowledge`: reading, validating and storing knowledge/, and the in-memory snapshot:
  every process;
- `rasa_server`: what runs inside the Rasa server's process (its launcher with fixes, the
  files it reads, the message checks, the channels);
- `website`: the website, the widget's API and the advisers' review pages;
- `multiserver`: the pieces of a deployment on several servers (Redis lock store, nginx
  configuration, where each part listens);
- `config`: the settings read from the environment, and the generated secrets;
- `rasa_client`: the one client of Rasa's HTTP API (send a message, read a tracker, health):
  the website, the adviser's shell and the readiness wait;
- `tools`: the command line's tools, used by no serving process (NLU generation and lint,
  the adviser's shell, readiness wait, privacy commands, the launcher of `make run` and of
  the one-machine multi-server demo).
"""
