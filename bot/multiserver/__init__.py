"""The pieces of a deployment on several servers, used in production: the atomic Redis lock
store the Rasa servers share (`lock_store`), the Redis client every process shares its
other state through (`shared_redis`), nginx's configuration (`nginx`), and where each
part listens (`topology`). On Rasa's own distributed setup (PostgreSQL tracker store, Redis
lock store, one shared knowledge base): docs/deploy.md. The one-machine demo of
`make run-multiserver` lives in bot/tools."""
