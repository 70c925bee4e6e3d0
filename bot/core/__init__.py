"""The dialogue core: which action and which reply each intent gets (`intent_table`),
what to answer (`answer_router`), the French replies (`replies`,
`citations`), the advice engine (`advice`), and the text and number tools (`text`,
`quantities`, `choices`, `intent_labels`). Pure Python on the knowledge-base snapshot, no
Rasa import: used by the action server through `actions/`, and by the tests without Rasa."""
