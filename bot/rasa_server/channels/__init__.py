"""Messaging channels: thin subclasses of Rasa's connectors, named in credentials.yml by
module path (`bot.rasa_server.channels.telegram.TelegramInput`).

Each one can be pointed at another API base URL (a self-hosted Telegram Bot API server, a
single-tenant Microsoft login, a test double), shapes the replies to its platform's limits
(`layout`), and numbers the choices where the platform has no buttons (`choices`).
"""
