"""What the advisers' review pages show, read without Rasa running: conversations and their
turns from Rasa's tracker store (`tracker`), the messages left unanswered (`unanswered`),
per-day figures (`activity`), their SVG charts (`charts`) and CSV exports (`exports`)."""
