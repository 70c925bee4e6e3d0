"""Messaging channels: thin subclasses of Rasa's connectors, named in credentials.yml by
module path (`bot.rasa_server.channels.telegram.TelegramInput`).

Each one can be pointed at another API base URL (a self-hosted Telegram Bot API server, a
single-tenant Microsoft login, a test double), shapes the replies to its platform's limits
(`layout`), and numbers the choices where the platform has no buttons (`choices`). Those
whose Rasa connector calls its platform through a blocking client (Messenger, WhatsApp
through Twilio, Teams) call it through `platform_http` instead: asynchronously, within a
time limit, a failure logged rather than raised into the turn.
"""
