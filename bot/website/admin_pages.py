"""The HTML of the review pages: French, server-rendered, every value escaped (through
bot.website.review.markup), styled by /static/admin.css only (the Content-Security-Policy allows
no inline style or script)."""

from __future__ import annotations

import urllib.parse

from bot.website.review import activity as review_activity
from bot.website.review import charts
from bot.website.review.french import integer, percent, short_date, short_datetime
from bot.website.review.markup import Markup, html, join
from bot.website.review.period import local
from bot.website.review.unanswered import reason_label

SITE = "Suivi Boussole Export"
NAV = (
    ("conversations", "/admin/conversations", "Conversations"),
    ("unanswered", "/admin/unanswered", "À revoir"),
    ("feedback", "/admin/feedback", "Avis"),
    ("handovers", "/admin/handovers", "Demandes de conseiller"),
    ("activity", "/admin/activity", "Statistiques"),
)
RATINGS = {"up": "👍 utile", "down": "👎 pas utile"}
MAX_INTENT_SERIES = 7
EXCERPT = 400


def url(path: str, **query) -> str:
    query = {k: v for k, v in query.items() if v not in (None, "", 0)}
    return path + ("?" + urllib.parse.urlencode(query) if query else "")


def conversation_url(sender_id: str, anchor: str | None = None) -> str:
    return f"/admin/conversations/{urllib.parse.quote(sender_id, safe='')}" + (f"#{anchor}" if anchor else "")


def _time(timestamp, tz) -> Markup:
    moment = local(timestamp, tz)
    if moment is None:
        return Markup("—")
    return html('<time datetime="{}">{}</time>', moment.isoformat(timespec="seconds"), short_datetime(moment))


def _excerpt(text: str, limit: int = EXCERPT) -> str:
    text = text or ""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def layout(title: str, body: Markup, current: str | None = None, logged_in: bool = True) -> Markup:
    nav = Markup("")
    if logged_in:
        links = [
            html(
                '<li><a href="{}"{}>{}</a></li>', href, Markup(' aria-current="page"') if key == current else "", label
            )
            for key, href, label in NAV
        ]
        nav = html(
            '<nav aria-label="Pages de suivi"><ul>{}</ul></nav>'
            '<form method="post" action="/admin/logout" class="logout">'
            '<button type="submit">Se déconnecter</button></form>',
            links,
        )
    return html(
        '<!doctype html>\n<html lang="fr"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta name="robots" content="noindex, nofollow">'
        '<title>{title} – {site}</title><link rel="stylesheet" href="/static/admin.css"></head>'
        '<body><a class="skip" href="#contenu">Aller au contenu</a>'
        '<header><p class="site">{site}</p>{nav}</header>'
        '<main id="contenu" tabindex="-1"><h1>{title}</h1>{body}</main></body></html>\n',
        title=title,
        site=SITE,
        nav=nav,
        body=body,
    )


def notice(message: str | None, kind: str = "error") -> Markup:
    if not message:
        return Markup("")
    role = "alert" if kind == "error" else "status"
    return html('<p class="notice {}" role="{}">{}</p>', kind, role, message)


def login(error: str | None = None, next_path: str = "", info: str | None = None) -> Markup:
    body = html(
        '{}{}<form method="post" action="/admin/login" class="login">'
        '<input type="hidden" name="next" value="{}">'
        '<label for="token">Jeton d\'accès</label>'
        '<input id="token" name="token" type="password" autocomplete="current-password" required '
        'aria-describedby="token-help">'
        '<p id="token-help" class="help">Le jeton est dans la variable BOUSSOLE_ADMIN_TOKEN, ou affiché par '
        "<code>python -m bot admin-token</code>.</p>"
        '<button type="submit">Se connecter</button></form>',
        notice(info, "info"),
        notice(error),
        next_path,
    )
    return layout("Connexion", body, logged_in=False)


def error(title: str, message: str, current: str | None = None) -> Markup:
    return layout(title, notice(message), current)


def _period_form(period, action: str, extra: Markup = Markup("")) -> Markup:  # noqa: B008 (Markup is immutable)
    first = period.first.isoformat() if period and period.first else ""
    last = period.last.isoformat() if period and period.last else ""
    return html(
        '<form method="get" action="{}" class="filters" aria-label="Filtrer">'
        '<label for="du">Du</label><input type="date" id="du" name="du" value="{}">'
        '<label for="au">au</label><input type="date" id="au" name="au" value="{}">{}'
        '<button type="submit">Afficher</button></form>',
        action,
        first,
        last,
        extra,
    )


def _pagination(page, path: str, query: dict) -> Markup:
    if page.count <= 1:
        return Markup("")
    previous = (
        html('<a href="{}" rel="prev">Page précédente</a>', url(path, page=page.number, **query))
        if page.has_previous
        else Markup("")
    )
    following = (
        html('<a href="{}" rel="next">Page suivante</a>', url(path, page=page.number + 2, **query))
        if page.has_next
        else Markup("")
    )
    return html(
        '<nav class="pages" aria-label="Pagination">{}<span>Page {} sur {}</span>{}</nav>',
        previous,
        page.number + 1,
        page.count,
        following,
    )


def _export(path: str, query: dict, label: str) -> Markup:
    return html('<p class="export"><a href="{}" download>{}</a></p>', url(path, **query), label)


def _scroll(label: str, table: Markup) -> Markup:
    """A wide table scrolls inside its own region (reachable by keyboard) instead of
    widening the page on a small screen."""
    return html('<div class="scroll" tabindex="0" role="region" aria-label="{}">{}</div>', label, table)


def _count_line(total: int, singular: str, plural: str) -> Markup:
    return html('<p class="count">{} {}</p>', integer(total), singular if total == 1 else plural)


def conversations(page, period, tz, message: str | None = None) -> Markup:
    query = period.query() if period else {}
    rows = [
        html(
            '<tr><th scope="row"><a href="{}"><code>{}</code></a></th><td>{}</td><td>{}</td><td>{}</td>'
            '<td class="number">{}</td><td class="number">{}</td></tr>',
            conversation_url(c.sender_id),
            c.sender_id,
            ", ".join(c.channels) or "—",
            _time(c.started, tz),
            _time(c.last_activity, tz),
            integer(c.turns),
            integer(c.unanswered),
        )
        for c in page.items
    ]
    table = (
        _scroll(
            "Conversations",
            html(
                "<table><caption>Conversations, la plus récemment active en premier</caption><thead><tr>"
                '<th scope="col">Conversation</th><th scope="col">Canal</th><th scope="col">Début</th>'
                '<th scope="col">Dernière activité</th><th scope="col">Tours</th>'
                '<th scope="col">Sans réponse</th></tr></thead><tbody>{}</tbody></table>',
                rows,
            ),
        )
        if rows
        else html('<p class="empty">Aucune conversation pour cette période.</p>')
    )
    body = html(
        "{}{}{}{}{}{}",
        notice(message),
        _period_form(period, "/admin/conversations"),
        _count_line(page.total, "conversation", "conversations"),
        table,
        _pagination(page, "/admin/conversations", query),
        join(
            [
                _export("/admin/export/conversations.csv", query, "Exporter les conversations (CSV)"),
                _export("/admin/export/turns.csv", query, "Exporter tous les tours (CSV)"),
            ]
        ),
    )
    return layout("Conversations", body, "conversations")


def _user_cell(turn) -> Markup:
    if turn.text is None:
        return html('<td class="muted">(le bot parle en premier)</td>')
    if turn.button:
        return html('<td><span class="said">{}</span> <span class="muted">(bouton)</span></td>', turn.button)
    return html('<td><span class="said">{}</span></td>', turn.text)


def _intent_cell(turn) -> Markup:
    if not turn.intent:
        return html("<td>—</td>")
    confidence = percent(turn.confidence) if turn.confidence is not None else "—"
    return html('<td><code>{}</code> <span class="muted">({})</span></td>', turn.intent, confidence)


def _replies(turn) -> Markup:
    items = []
    for reply in turn.replies:
        buttons = (
            html(
                '<ul class="buttons" aria-label="Boutons proposés">{}</ul>',
                [html("<li>{}</li>", title) for title in reply.buttons],
            )
            if reply.buttons
            else Markup("")
        )
        items.append(html('<li><span class="said">{}</span>{}</li>', reply.text, buttons))
    return html('<ul class="replies">{}</ul>', items) if items else Markup("—")


def conversation(detail, tz, page_query: dict) -> Markup:
    s = detail.summary
    summary = html(
        '<dl class="summary"><dt>Identifiant</dt><dd><code>{}</code></dd><dt>Canal</dt><dd>{}</dd>'
        "<dt>Début</dt><dd>{}</dd><dt>Dernière activité</dt><dd>{}</dd>"
        "<dt>Tours</dt><dd>{}</dd><dt>Sans réponse</dt><dd>{}</dd></dl>",
        s.sender_id,
        ", ".join(s.channels) or "—",
        _time(s.started, tz),
        _time(s.last_activity, tz),
        integer(s.turns),
        integer(s.unanswered),
    )
    rows = []
    for turn in detail.turns:
        marks = []
        if turn.new_session:
            marks.append(html('<span class="session">nouvelle session</span>'))
        if turn.reason:
            marks.append(html('<span class="badge">sans réponse : {}</span>', reason_label(turn.reason)))
        if turn.failed:
            marks.append(
                html(
                    '<span class="badge failed">échec : aucune réponse enregistrée '
                    "(voir le journal de Rasa et du serveur d'actions)</span>"
                )
            )
        entities = ", ".join(f"{name} = {value}" for name, value in turn.entities) or "—"
        rows.append(
            html(
                '<tr id="{}"{}><td>{}{}</td>{}{}<td>{}</td><td>{}</td><td>{}</td></tr>',
                turn.anchor,
                Markup(' class="unanswered"') if (turn.reason or turn.failed) else "",
                _time(turn.at, tz),
                join(marks),
                _user_cell(turn),
                _intent_cell(turn),
                entities,
                _replies(turn),
                ", ".join(turn.actions) or "—",
            )
        )
    table = (
        _scroll(
            "Tours de la conversation",
            html(
                '<table class="turns"><caption>Tours de la conversation, dans l\'ordre</caption><thead><tr>'
                '<th scope="col">Heure</th><th scope="col">Message de l\'utilisateur</th>'
                '<th scope="col">Intention (confiance)</th><th scope="col">Entités</th>'
                '<th scope="col">Réponses du bot</th><th scope="col">Actions</th></tr></thead>'
                "<tbody>{}</tbody></table>",
                rows,
            ),
        )
        if rows
        else html('<p class="empty">Aucun tour sur cette page.</p>')
    )
    path = conversation_url(s.sender_id)
    body = html(
        '<p><a href="/admin/conversations">← Toutes les conversations</a></p>{}{}{}',
        summary,
        table,
        _pagination(detail.page, path, page_query),
    )
    return layout("Conversation", body, "conversations")


def unanswered(page, period, tz, message: str | None = None) -> Markup:
    query = period.query() if period else {}
    rows = [
        html(
            '<tr><td>{}</td><td><span class="said">{}</span></td><td>{}</td><td>{}</td>'
            '<td><span class="said">{}</span></td><td><a href="{}">Voir le tour</a></td></tr>',
            _time(m.at, tz),
            m.text,
            reason_label(m.reason),
            html("<code>{}</code> ({})", m.intent, percent(m.confidence)) if m.intent else "—",
            _excerpt(m.reply) or "—",
            conversation_url(m.sender_id, m.anchor),
        )
        for m in page.items
    ]
    table = (
        _scroll(
            "Messages restés sans réponse",
            html(
                "<table><caption>Messages restés sans réponse, le plus récent en premier</caption><thead><tr>"
                '<th scope="col">Date</th><th scope="col">Message</th><th scope="col">Raison</th>'
                '<th scope="col">Intention (confiance)</th><th scope="col">Réponse du bot</th>'
                '<th scope="col">Conversation</th></tr></thead><tbody>{}</tbody></table>',
                rows,
            ),
        )
        if rows
        else html('<p class="empty">Aucun message sans réponse pour cette période.</p>')
    )
    explain = html(
        '<p class="help">Messages écrits par l\'utilisateur (les clics sur un bouton ne comptent pas) '
        "que l'assistant n'a pas compris (« incompris » : repli, demande de reformulation), "
        "qu'il a jugés hors de son domaine (« hors sujet ») ou pour lesquels sa base n'avait pas "
        "d'information fiable (« pas dans la base »).</p>"
    )
    body = html(
        "{}{}{}{}{}{}{}",
        notice(message),
        explain,
        _period_form(period, "/admin/unanswered"),
        _count_line(page.total, "message", "messages"),
        table,
        _pagination(page, "/admin/unanswered", query),
        _export("/admin/export/unanswered.csv", query, "Exporter la liste (CSV)"),
    )
    return layout("Messages à revoir", body, "unanswered")


def feedback(page, period, filters: dict, message: str | None = None) -> Markup:
    query = {**(period.query() if period else {}), **filters}
    rating_options = join(
        html(
            '<option value="{}"{}>{}</option>',
            value,
            Markup(" selected") if filters.get("note", "") == value else "",
            label,
        )
        for value, label in (("", "toutes"), ("up", "👍 utile"), ("down", "👎 pas utile"))
    )
    extra = html(
        '<label for="note">Note</label><select id="note" name="note">{}</select>'
        '<input type="checkbox" id="commentaire" name="commentaire" value="1"{}>'
        '<label for="commentaire">Avec un commentaire</label>',
        rating_options,
        Markup(" checked") if filters.get("commentaire") else "",
    )
    rows = [
        html(
            '<tr><td>{}</td><td>{}</td><td><span class="said">{}</span></td><td><span class="said">{}</span></td>'
            '<td><span class="said">{}</span></td><td><a href="{}">Voir</a></td></tr>',
            html('<time datetime="{}">{}</time>', f["created_at"], f["created_label"]),
            RATINGS.get(f["rating"], f["rating"]),
            f["comment"] or "—",
            _excerpt(f["question_text"]) or "—",
            _excerpt(f["answer_text"]) or "—",
            conversation_url(f["conversation_id"]),
        )
        for f in page.items
    ]
    table = (
        _scroll(
            "Avis sur les réponses",
            html(
                "<table><caption>Avis sur les réponses, le plus récent en premier</caption><thead><tr>"
                '<th scope="col">Date</th><th scope="col">Note</th><th scope="col">Commentaire</th>'
                '<th scope="col">Question</th><th scope="col">Réponse jugée</th><th scope="col">Conversation</th>'
                "</tr></thead><tbody>{}</tbody></table>",
                rows,
            ),
        )
        if rows
        else html('<p class="empty">Aucun avis pour ces critères.</p>')
    )
    body = html(
        "{}{}{}{}{}{}",
        notice(message),
        _period_form(period, "/admin/feedback", extra),
        _count_line(page.total, "avis", "avis"),
        table,
        _pagination(page, "/admin/feedback", query),
        _export("/admin/export/feedback.csv", query, "Exporter les avis (CSV)"),
    )
    return layout("Avis des utilisateurs", body, "feedback")


def handovers(page, message: str | None = None) -> Markup:
    rows = []
    for d in page.items:
        contact = d.get("contact") or {}
        reach = join([html("<li>{}</li>", contact[key]) for key in ("name", "email", "phone") if contact.get(key)])
        programmes = join(
            [html("<li>{} ({})</li>", p.get("name", ""), p.get("verdict", "")) for p in d.get("programmes") or []]
        )
        questions = join([html("<li>« {} »</li>", q) for q in d.get("open_questions") or []])
        facts = join([html("<li>{}</li>", fact) for fact in (d.get("profile") or {}).get("facts") or []])
        rows.append(
            html(
                '<tr><th scope="row"><code>{}</code></th><td>{}</td><td>{}</td><td>{}</td><td>{}</td>'
                '<td>{}</td><td>{}</td><td><a href="{}">Voir</a></td></tr>',
                d["reference"],
                html('<time datetime="{}">{}</time>', d["created_at"], d["created_label"]),
                d.get("region") or "—",
                html("<ul>{}</ul>", reach) if reach else "—",
                html("<ul>{}</ul>", facts) if facts else "—",
                html("<ul>{}</ul>", programmes) if programmes else "—",
                html("<ul>{}</ul>", questions) if questions else "—",
                conversation_url(d["conversation_id"]),
            )
        )
    table = (
        _scroll(
            "Dossiers transmis",
            html(
                "<table><caption>Dossiers transmis avec l'accord de l'utilisateur, le plus récent en premier"
                '</caption><thead><tr><th scope="col">Référence</th><th scope="col">Date</th>'
                '<th scope="col">Région</th><th scope="col">Contact</th><th scope="col">Entreprise</th>'
                '<th scope="col">Dispositifs évoqués</th><th scope="col">Questions restées ouvertes</th>'
                '<th scope="col">Conversation</th></tr></thead><tbody>{}</tbody></table>',
                rows,
            ),
        )
        if rows
        else html('<p class="empty">Aucune demande de conseiller pour l\'instant.</p>')
    )
    body = html(
        "{}{}{}{}{}",
        notice(message),
        _count_line(page.total, "demande", "demandes"),
        table,
        _pagination(page, "/admin/handovers", {}),
        _export("/admin/export/handovers.csv", {}, "Exporter les dossiers (CSV)"),
    )
    return layout("Demandes de conseiller", body, "handovers")


def _intent_series(days: list) -> list:
    """The most frequent intents, the others added up into « autres »."""
    totals = review_activity.intent_totals(days)
    shown = [name for name, _ in totals[:MAX_INTENT_SERIES]]
    others = [name for name, _ in totals[MAX_INTENT_SERIES:]]
    series = [
        charts.Series(name, [day.intents.get(name, 0) for day in days], charts.PALETTE[n])
        for n, name in enumerate(shown)
    ]
    if others:
        series.append(
            charts.Series(
                "autres", [sum(day.intents.get(name, 0) for name in others) for day in days], charts.PALETTE[-1]
            )
        )
    return series


def activity(days: list, period, message: str | None = None) -> Markup:
    dates = [day.day for day in days]
    span = f"du {short_date(period.first)} au {short_date(period.last)}" if period and period.first else ""
    series = _intent_series(days)
    total = sum(day.messages for day in days)
    typed = sum(day.typed for day in days)
    missed = sum(day.unanswered for day in days)
    top = ", ".join(f"{s.name} ({integer(sum(s.values))})" for s in series[:3]) or "aucune"
    intents_chart = charts.bar_chart(
        "intentions",
        f"Messages par jour et par intention, {span}",
        f"{integer(total)} messages sur la période ; intentions les plus fréquentes : {top}. "
        "Les chiffres sont dans le tableau qui suit.",
        dates,
        series,
        "messages",
    )
    shares = [day.unanswered_share for day in days]
    share_chart = charts.bar_chart(
        "sans-reponse",
        f"Part des messages écrits restés sans réponse, par jour, {span}",
        f"{integer(missed)} messages sans réponse sur {integer(typed)} messages écrits "
        f"({percent(missed / typed if typed else None, 1)}). Les chiffres sont dans le tableau qui suit.",
        dates,
        [charts.Series("sans réponse", shares, charts.PALETTE[4])],
        "",
        as_percent=True,
    )
    head = join(html('<th scope="col"><code>{}</code></th>', s.name) for s in series)
    intent_rows = join(
        html(
            '<tr><th scope="row">{}</th>{}<td class="number">{}</td></tr>',
            short_date(day.day),
            join(html('<td class="number">{}</td>', integer(s.values[i])) for s in series),
            integer(day.messages),
        )
        for i, day in enumerate(days)
    )
    intents_table = _scroll(
        "Messages par jour et par intention",
        html(
            "<table><caption>Messages par jour et par intention</caption><thead><tr>"
            '<th scope="col">Jour</th>{}<th scope="col">Total</th></tr></thead><tbody>{}</tbody></table>',
            head,
            intent_rows,
        ),
    )
    share_rows = join(
        html(
            '<tr><th scope="row">{}</th><td class="number">{}</td><td class="number">{}</td>'
            '<td class="number">{}</td></tr>',
            short_date(day.day),
            integer(day.typed),
            integer(day.unanswered),
            percent(day.unanswered_share, 1),
        )
        for day in days
    )
    share_table = _scroll(
        "Messages écrits et messages sans réponse",
        html(
            "<table><caption>Messages écrits et messages sans réponse, par jour</caption><thead><tr>"
            '<th scope="col">Jour</th><th scope="col">Messages écrits</th>'
            '<th scope="col">Sans réponse</th><th scope="col">Part</th></tr></thead>'
            "<tbody>{}</tbody></table>",
            share_rows,
        ),
    )
    body = html(
        '{}{}<section aria-labelledby="titre-intentions"><h2 id="titre-intentions">Intentions</h2>'
        "<figure>{}</figure>{}</section>"
        '<section aria-labelledby="titre-sans-reponse"><h2 id="titre-sans-reponse">Messages sans réponse</h2>'
        "<figure>{}</figure>{}</section>",
        notice(message),
        _period_form(period, "/admin/activity"),
        intents_chart,
        intents_table,
        share_chart,
        share_table,
    )
    return layout("Statistiques", body, "activity")
