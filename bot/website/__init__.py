"""The website's process: the demo page and the widget (`app`, `static/`), the widget's API
in front of Rasa (`chat`, `sessions`, `transcript`, `feedback`), what every request goes
through (`middleware`, `security`, `ratelimit`, `errors`), and the advisers' review pages
(`admin`, `admin_auth`, `admin_pages`, with their data in `review`)."""
