"""`python -m bot …`: the command line of the knowledge base and its derived files."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import time
from pathlib import Path

from bot.config import settings


def _read(args):
    from bot.knowledge.validation import read_knowledge

    return read_knowledge(args.knowledge)


def _kb_check(args) -> int:
    dataset = _read(args)
    counts = ", ".join(f"{dataset.count(kind)} {kind}" for kind in dataset.records)
    refused = dataset.refused_sources()
    if refused:
        # A page the source policy refuses may not back a fact: the check fails, but `kb
        # load` still loads (with a warning) so that the assistant keeps answering while the
        # sources are replaced.
        count = len(refused)
        print(
            f"{count} source{'s' if count > 1 else ''} refusée{'s' if count > 1 else ''} par "
            "knowledge/source_policy.yml : remplacez-les par la page de l'opérateur ou de l'administration.",
            file=sys.stderr,
        )
        for problem in refused:
            print(f"- {problem}", file=sys.stderr)
        return 1
    print(f"knowledge/ est valide : {counts}.")
    return 0


def _kb_load(args) -> int:
    from bot.knowledge import store

    start = time.monotonic()
    print(f"Validation de {args.knowledge}…", flush=True)
    dataset = _read(args)
    refused = dataset.refused_sources()
    if refused:
        print(
            f"Attention : {len(refused)} source(s) refusée(s) par knowledge/source_policy.yml "
            "(détail : « python -m bot kb check ») ; chargement quand même.",
            file=sys.stderr,
        )
    url = settings.current().db_url
    print(f"Chargement dans {store.safe_url(url)}…", flush=True)
    counts = store.load(dataset, store.make_engine(url), store.content_hash(args.knowledge))
    summary = ", ".join(f"{n} {kind}" for kind, n in counts.items())
    print(f"Base de connaissances chargée en {time.monotonic() - start:.1f} s : {summary}.")
    return 0


def _snapshot(args):
    from bot.knowledge import store
    from bot.knowledge.snapshot import KnowledgeBase

    engine = store.existing_engine(settings.current().db_url)
    return KnowledgeBase(store.read_records(engine), editorial=store.read_editorial(engine))


def _kb_search(args) -> int:
    kb = _snapshot(args)
    hits = kb.search(" ".join(args.text), limit=args.limit)
    if not hits:
        print("Aucun résultat.")
        return 0
    for hit in hits:
        print(f"{hit.score:6.2f}  {hit.kind:<12} {hit.id:<40} {hit.name}")
    return 0


def _loaded_at():
    """When the database was last loaded, or why that cannot be said (stats need no
    database: they are computed from knowledge/)."""
    from bot.knowledge import store

    try:
        engine = store.existing_engine(settings.current().db_url)
        try:
            return store.read_meta(engine).get("content", {}).get("updated_at"), None
        finally:
            engine.dispose()
    except store.DatabaseUnavailable as exc:
        return None, str(exc)


def _percent(share: float) -> str:
    return f"{share * 100:.1f} %".replace(".", ",")


def _print_stats(stats: dict) -> None:
    print("Fiches par type :")
    for kind, n in stats["counts"].items():
        print(f"  {kind:<14}{n:>6}")
    print(f"  {'départements':<14}{stats['departements']:>6}")
    print(
        "Statuts aujourd'hui (« expired » : date de validité dépassée) : "
        + ", ".join(f"{status} {n}" for status, n in sorted(stats["by_effective_status"].items()))
    )
    faq = stats["faq"]
    print(
        f"FAQ : {faq['count']} entrées, {faq['without_topic']} sans thème, "
        f"{faq['fewer_than_5_variants']} avec moins de 5 variantes"
    )
    print("  par thème : " + ", ".join(f"{topic} {n}" for topic, n in faq["per_topic"].items()))
    primary = stats["primary_sources"]
    print(
        f"Fiches avec au moins une source officielle : {primary['with_primary']}/{primary['records']} "
        f"({_percent(primary['share'])})"
    )
    print("  par type : " + ", ".join(f"{kind} {_percent(p['share'])}" for kind, p in primary["per_kind"].items()))
    print(f"Sources refusées (source_policy.yml) : {stats['refused_urls']}")
    bare = stats["bare_contacts"]
    print(
        f"Contacts réduits à une page d'accueil ou une liste générale : {bare['count']}/{bare['contacts']} "
        f"({_percent(bare['share'])})"
    )
    print(
        f"Fiches sans source ou sans date : {stats['unsourced_or_undated']} ; "
        f"fiches dont aucune source ne donne la date de la page : {stats['records_without_page_date']}"
    )
    print("Domaines les plus cités : " + ", ".join(f"{d} {n}" for d, n in list(stats["domains"].items())[:15]))
    if stats["loaded"]:
        print(f"Base chargée le : {stats['loaded']}")
    else:
        print(f"Base : {stats['database']}")


def _kb_stats(args) -> int:
    from bot.knowledge.quality import measure

    stats = measure(_read(args), dt.date.today())
    stats["loaded"], problem = _loaded_at()
    if problem:
        stats["database"] = problem
    if args.json:
        print(json.dumps(stats, ensure_ascii=False, indent=2))
        return 0
    _print_stats(stats)
    return 0


def _kb_stale(args) -> int:
    from bot.knowledge.quality import stale_records

    dataset = _read(args)
    found = stale_records(dataset, dt.date.today(), args.days, args.months)
    for verified_on, kind, rid, where in found["verified"]:
        print(f"{verified_on}  {kind:<12} {rid}  ({where})")
    print(f"{len(found['verified'])} fiche(s) vérifiée(s) il y a plus de {args.days} jours.")
    if found["pages"]:
        print()
    for page_date, kind, rid, where in found["pages"]:
        print(f"{page_date}  {kind:<12} {rid}  ({where})")
    print(
        f"{len(found['pages'])} fiche(s) dont la page la plus récente date d'avant le "
        f"{found['page_limit']} (plus de {args.months} mois) ; {found['without_page_date']} fiche(s) "
        "sans date de page (page_date)."
    )
    return 0


def _nlu_generate(args) -> int:
    from bot.tools import nlu_generation

    written = nlu_generation.write(_read(args), settings.PROJECT_ROOT)
    for path in written:
        print(f"écrit : {path}")
    return 0


def _nlu_lint(args) -> int:
    from bot.knowledge import store
    from bot.tools.nlu_lint import lint_files

    kb = store.in_memory(_read(args))
    paths = args.files or sorted(str(p) for p in (settings.PROJECT_ROOT / "data" / "nlu").glob("*.yml"))
    findings = lint_files(kb, paths)
    for finding in findings:
        print(finding)
    print(f"{len(findings)} problème(s) d'annotation dans {len(paths)} fichier(s).")
    return 1 if findings else 0


def _nlu_check(args) -> int:
    from bot.tools import nlu_generation

    stale = nlu_generation.stale_files(_read(args), settings.PROJECT_ROOT)
    if stale:
        print(
            "Fichiers NLU périmés par rapport à knowledge/ : " + ", ".join(stale) + ". Lancez « make nlu-generate ».",
            file=sys.stderr,
        )
        return 1
    print("Les fichiers NLU générés sont à jour.")
    return 0


def _web(args) -> int:
    from bot.website.app import serve

    serve(port=args.port, host=settings.current().bind_host)
    return 0


def _run(args) -> int:
    from bot.tools import run_local

    return run_local.run(say=lambda line: print(line, flush=True))


def _multiserver_run(args) -> int:
    from bot.multiserver import topology
    from bot.rasa_server.runtime_files import ConfigurationError
    from bot.tools import multiserver_demo

    try:
        layout = topology.local()
    except ConfigurationError as exc:
        print(f"Erreur : {exc}", file=sys.stderr)
        return 2
    return multiserver_demo.run(layout, say=lambda line: print(line, flush=True))


def _multiserver_nginx_config(args) -> int:
    from bot.multiserver import nginx, topology
    from bot.rasa_server.runtime_files import ConfigurationError

    def addresses(value):
        return tuple(a.strip() for a in value.split(",") if a.strip())

    try:
        local = topology.local()
        layout = topology.Topology(
            rasa=addresses(args.rasa) if args.rasa else local.rasa,
            actions=addresses(args.actions) if args.actions else local.actions,
            web=addresses(args.web) if args.web else local.web,
            public=args.public or local.public,
            rasa_entry=args.rasa_entry or local.rasa_entry,
            actions_entry=args.actions_entry or local.actions_entry,
        )
        path = nginx.write(layout, Path(args.out), workers=args.workers)
        nginx.check(Path(args.out))
    except (ConfigurationError, nginx.NginxError) as exc:
        print(f"Erreur : {exc}", file=sys.stderr)
        return 2
    print(f"Configuration de nginx écrite et vérifiée : {path}")
    print("Démarrage : " + " ".join(nginx.command(Path(args.out))[:-1]) + " 'daemon off;'")
    return 0


def _wait_ready(args) -> int:
    from bot.tools.readiness import wait_until_ready

    return 0 if wait_until_ready(timeout_s=args.timeout) else 1


def _handover_export(args) -> int:
    from bot.core.advice import handover
    from bot.knowledge import store

    dossiers = handover.read_all(store.existing_engine(settings.current().db_url))
    content = handover.export(dossiers, args.format)
    if args.output:
        with open(args.output, "w", encoding="utf-8", newline="") as out:
            out.write(content)
        print(f"{len(dossiers)} dossier(s) exporté(s) dans {args.output}.", file=sys.stderr)
    else:
        sys.stdout.write(content)
    return 0


def _handover_delete(args) -> int:
    from bot.core.advice import handover
    from bot.knowledge import store

    if handover.delete(store.existing_engine(settings.current().db_url), args.reference):
        print(f"Dossier {args.reference} supprimé.")
        return 0
    print(f"Dossier {args.reference} introuvable.", file=sys.stderr)
    return 1


def _privacy(args) -> int:
    from bot.tools import privacy

    try:
        if args.command == "erase":
            return privacy.run_erase(args.number)
        days = privacy.parse_age(args.older_than) if args.older_than else None
        return privacy.run_purge(days, args.dry_run)
    except privacy.PrivacyError as exc:
        print(f"Erreur : {exc}", file=sys.stderr)
        return 2


def _config_report(out_dir, config=None) -> int:
    """Writes var/endpoints.yml and var/credentials.yml, says what they hold, and checks
    the tracker store's database (Rasa would retry it forever)."""
    from bot.knowledge import store
    from bot.rasa_server import runtime_files

    config = config or settings.current()
    (endpoints_path, _), creds = runtime_files.write(Path(out_dir), config)
    tracker, lock, broker = config.tracker_url, config.lock_store, config.event_broker
    print(f"Configuration de Rasa écrite dans {endpoints_path.parent}/ :")
    print(f"  historique des conversations : {store.safe_url(tracker)}")
    print(
        "  verrous : "
        + (
            "en mémoire (un seul processus Rasa)"
            if lock["type"] == "in_memory"
            else f"Redis {lock['url']}:{lock['port']}, base {lock.get('db', 1)}, préfixe « {lock['key_prefix']} »"
        )
    )
    if broker:
        print(f"  événements publiés dans Kafka : {broker['url']}, sujet « {broker['topic']} »")
    print("  canaux actifs : " + ", ".join(runtime_files.channel_label(name) for name in creds.channels))
    for name, missing in creds.skipped.items():
        print(f"  canal {runtime_files.channel_label(name)} inactif : définissez {', '.join(missing)}")
    runtime_files.check_tracker_store(tracker)
    return 0


def _config(args) -> int:
    return _config_report(args.out)


def _serve(args) -> int:
    """Starts Rasa or the action server on localhost (unless told otherwise), after writing
    and checking Rasa's configuration; replaces this process, so signals reach the server."""
    import os

    from bot.config.tokens import rasa_token

    config = settings.current()
    host = config.bind_host
    workers = (
        args.workers
        if args.workers is not None
        else (config.rasa_workers if args.part == "rasa" else config.action_workers)
    )
    if workers < 1:
        print("Erreur : le nombre de workers doit être au moins 1.", file=sys.stderr)
        return 2
    if args.part == "actions":
        os.environ.setdefault("SANIC_HOST", host)
        os.environ["ACTION_SERVER_SANIC_WORKERS"] = str(workers)
        # rasa_sdk's own command line, with the knowledge base read before the port opens.
        argv = [sys.executable, "-m", "actions.launch", "--actions", "actions", "--port", str(args.port)]
    else:
        if not args.model:
            print("Erreur : indiquez le modèle entraîné avec --model.", file=sys.stderr)
            return 2
        # Rasa would silently fall back to one worker with the in-memory lock store.
        if workers > 1 and config.lock_store["type"] == "in_memory":
            print(
                f"Erreur : {workers} workers Rasa demandent un verrou partagé : définissez "
                "BOUSSOLE_LOCK_STORE=redis://hôte:6379/numéro (voir le README).",
                file=sys.stderr,
            )
            return 2
        _config_report(args.out, config)
        os.environ["SANIC_WORKERS"] = str(workers)
        out = Path(args.out)
        # Rasa's own command line, with the per-turn fixes of bot/rasa_server/launch.py.
        argv = [
            sys.executable,
            "-m",
            "bot.rasa_server.launch",
            "run",
            "--model",
            args.model,
            "--endpoints",
            str(out / "endpoints.yml"),
            "--credentials",
            str(out / "credentials.yml"),
            "--interface",
            host,
            "--port",
            str(args.port),
            "--enable-api",
        ]
        # Handed over in the environment: on the command line, `ps` would show it to anyone.
        os.environ["BOUSSOLE_RASA_TOKEN"] = rasa_token()
    # credentials.yml names the channels by module path (bot.rasa_server.channels…): Rasa must import
    # them whatever directory it is started from.
    root = str(settings.PROJECT_ROOT)
    paths = [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    if root not in paths:
        os.environ["PYTHONPATH"] = os.pathsep.join([root] + paths)
    sys.stdout.flush()
    os.execv(argv[0], argv)


def _rasa_token(args) -> int:
    from bot.config.tokens import rasa_token

    print(rasa_token())
    return 0


def _admin_token(args) -> int:
    from bot.config.tokens import admin_token

    print(admin_token())
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot", description="Boussole Export : outils en ligne de commande.")
    config = settings.current()
    parser.add_argument("--knowledge", default=config.knowledge_dir, help="dossier des fiches YAML")
    groups = parser.add_subparsers(dest="group", required=True)

    kb = groups.add_parser("kb", help="base de connaissances").add_subparsers(dest="command", required=True)
    kb.add_parser("check", help="valider knowledge/ sans rien écrire").set_defaults(func=_kb_check)
    kb.add_parser("load", help="valider puis charger knowledge/ dans la base (tout ou rien)").set_defaults(
        func=_kb_load
    )
    search = kb.add_parser("search", help="chercher dans la base chargée")
    search.add_argument("text", nargs="+")
    search.add_argument("--limit", type=int, default=8)
    search.set_defaults(func=_kb_search)
    stats = kb.add_parser("stats", help="compter les fiches de knowledge/ et mesurer leur qualité")
    stats.add_argument("--json", action="store_true")
    stats.set_defaults(func=_kb_stats)
    stale = kb.add_parser("stale", help="fiches vérifiées il y a plus de N jours, ou dont les pages sont anciennes")
    stale.add_argument("--days", type=int, default=180, help="vérification plus ancienne que N jours (180)")
    stale.add_argument(
        "--months", type=int, default=24, help="page la plus récente (page_date) plus ancienne que N mois (24)"
    )
    stale.set_defaults(func=_kb_stale)

    nlu = groups.add_parser("nlu", help="fichiers NLU dérivés de knowledge/").add_subparsers(
        dest="command", required=True
    )
    nlu.add_parser("generate", help="régénérer data/nlu/lookups/").set_defaults(func=_nlu_generate)
    nlu.add_parser("check", help="échouer si data/nlu/lookups/ est périmé").set_defaults(func=_nlu_check)
    lint = nlu.add_parser("lint", help="vérifier les annotations d'entités des exemples")
    lint.add_argument("files", nargs="*", help="fichiers NLU (par défaut : data/nlu/*.yml)")
    lint.set_defaults(func=_nlu_lint)

    dossiers = groups.add_parser("handover", help="dossiers transmis aux conseillers (avec consentement)")
    dossiers = dossiers.add_subparsers(dest="command", required=True)
    export = dossiers.add_parser("export", help="exporter tous les dossiers")
    export.add_argument("--format", choices=("csv", "json"), default="csv")
    export.add_argument("--output", help="fichier de sortie (par défaut : la sortie standard)")
    export.set_defaults(func=_handover_export)
    delete = dossiers.add_parser("delete", help="supprimer un dossier (droit à l'effacement)")
    delete.add_argument("reference", help="référence du dossier, par exemple BX-20261128-A1B2C3")
    delete.set_defaults(func=_handover_delete)

    private = groups.add_parser(
        "privacy", help="effacer une conversation, supprimer les anciennes (données personnelles)"
    )
    private = private.add_subparsers(dest="command", required=True)
    erase = private.add_parser("erase", help="effacer une conversation partout (historique, avis, dossiers)")
    erase.add_argument(
        "number", help="numéro de conversation affiché par le widget (ou son identifiant web-… dans Rasa)"
    )
    erase.set_defaults(func=_privacy)
    purge = private.add_parser("purge", help="supprimer les conversations inactives depuis plus de N jours")
    purge.add_argument("--older-than", help="par exemple 180d (par défaut : BOUSSOLE_RETENTION_DAYS, sinon 180 jours)")
    purge.add_argument("--dry-run", action="store_true", help="dire ce qui serait supprimé, sans rien supprimer")
    purge.set_defaults(func=_privacy)

    groups.add_parser("rasa-token", help="afficher le jeton de l'API de Rasa (créé au premier appel)").set_defaults(
        func=_rasa_token
    )
    groups.add_parser(
        "admin-token", help="afficher le jeton de la page de suivi des conseillers (créé au premier appel)"
    ).set_defaults(func=_admin_token)

    config_files = groups.add_parser("config", help="écrire la configuration de Rasa depuis l'environnement")
    config_files.add_argument("--out", default=config.var_dir, help="dossier des fichiers écrits (var/ par défaut)")
    config_files.set_defaults(func=_config)

    serve = groups.add_parser("serve", help="démarrer Rasa ou le serveur d'actions (sur localhost par défaut)")
    serve.add_argument("part", choices=("rasa", "actions"))
    serve.add_argument("--port", type=int, required=True)
    serve.add_argument("--model", help="modèle entraîné (pour rasa)")
    serve.add_argument("--out", default=config.var_dir, help="dossier de la configuration écrite pour Rasa")
    serve.add_argument(
        "--workers",
        type=int,
        help="processus serveurs (par défaut : BOUSSOLE_RASA_WORKERS ou "
        "BOUSSOLE_ACTION_WORKERS, sinon 1) ; plus d'un worker Rasa demande BOUSSOLE_LOCK_STORE=redis://…",
    )
    serve.set_defaults(func=_serve)

    web = groups.add_parser("web", help="démarrer le site web")
    web.add_argument("--port", type=int, default=config.web_port)
    web.set_defaults(func=_web)

    groups.add_parser(
        "run", help="démarrer le serveur d'actions, Rasa et le site web ensemble (make run)"
    ).set_defaults(func=_run)
    multiserver = groups.add_parser(
        "multiserver", help="plusieurs serveurs Rasa et d'actions derrière nginx (docs/deploy.md)"
    )
    multiserver = multiserver.add_subparsers(dest="command", required=True)
    multiserver.add_parser("run", help="tout démarrer sur cette machine (make run-multiserver)").set_defaults(
        func=_multiserver_run
    )
    config_nginx = multiserver.add_parser("nginx-config", help="écrire et vérifier la configuration de nginx")
    config_nginx.add_argument("--out", required=True, help="dossier de nginx (configuration, journaux, pid)")
    config_nginx.add_argument("--rasa", help="serveurs Rasa : hôte:port,hôte:port…")
    config_nginx.add_argument("--actions", help="serveurs d'actions : hôte:port,…")
    config_nginx.add_argument("--web", help="sites web : hôte:port,…")
    config_nginx.add_argument("--public", help="entrée publique (site web, canaux) : hôte:port")
    config_nginx.add_argument("--rasa-entry", help="entrée interne vers Rasa : hôte:port")
    config_nginx.add_argument("--actions-entry", help="entrée interne vers les serveurs d'actions : hôte:port")
    config_nginx.add_argument("--workers", default="auto", help="processus nginx (auto : un par cœur)")
    config_nginx.set_defaults(func=_multiserver_nginx_config)

    ready = groups.add_parser("wait-ready", help="attendre que tout réponde (utilisé par make run)")
    ready.add_argument("--timeout", type=float, default=600)
    ready.set_defaults(func=_wait_ready)
    return parser


def main(argv=None) -> int:
    from bot.knowledge.validation import KnowledgeError

    try:
        settings.at_start()
    except SystemExit as stop:  # returned, for `python -m bot` and the tests alike
        return stop.code
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except KnowledgeError as exc:
        print(exc, file=sys.stderr)
        return 1
    except settings.InvalidSetting as exc:  # a value checked later, e.g. ports that collide
        print(f"Erreur de configuration : {exc}", file=sys.stderr)
        return 2
    except Exception as exc:  # one readable line instead of a traceback
        from bot.knowledge.store import DatabaseUnavailable

        if isinstance(exc, DatabaseUnavailable):
            print(f"Erreur : {exc}", file=sys.stderr)
            return 2
        raise
