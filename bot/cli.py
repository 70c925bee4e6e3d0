"""`python -m bot …`: the command line of the knowledge base and its derived files."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import time
from pathlib import Path

from bot import settings


def _read(args):
    from bot.knowledge.validation import read_knowledge

    return read_knowledge(args.knowledge)


def _kb_check(args) -> int:
    dataset = _read(args)
    counts = ", ".join(f"{dataset.count(kind)} {kind}" for kind in dataset.records)
    print(f"knowledge/ est valide : {counts}.")
    return 0


def _kb_load(args) -> int:
    from bot.knowledge import store

    start = time.monotonic()
    print(f"Validation de {args.knowledge}…", flush=True)
    dataset = _read(args)
    url = settings.db_url()
    print(f"Chargement dans {store.safe_url(url)}…", flush=True)
    counts = store.load(dataset, store.make_engine(url), store.content_hash(args.knowledge))
    summary = ", ".join(f"{n} {kind}" for kind, n in counts.items())
    print(f"Base de connaissances chargée en {time.monotonic() - start:.1f} s : {summary}.")
    return 0


def _snapshot(args):
    from bot.knowledge import store
    from bot.knowledge.snapshot import KnowledgeBase

    return KnowledgeBase(store.read_records(store.make_engine(settings.db_url())))


def _kb_search(args) -> int:
    kb = _snapshot(args)
    hits = kb.search(" ".join(args.text), limit=args.limit)
    if not hits:
        print("Aucun résultat.")
        return 0
    for hit in hits:
        print(f"{hit.score:6.2f}  {hit.kind:<12} {hit.id:<40} {hit.name}")
    return 0


def _stats(records: dict) -> dict:
    unsourced = 0
    for kind_records in records.values():
        for record in kind_records.values():
            if not record.get("sources") or not record.get("verified_on") or any(
                not s.get("url") or not s.get("seen_on") for s in record.get("sources", [])
            ):
                unsourced += 1
    counts = {kind: len(kind_records) for kind, kind_records in records.items()}
    by_status = {}
    for kind_records in records.values():
        for record in kind_records.values():
            by_status[record["status"]] = by_status.get(record["status"], 0) + 1
    departements = sum(len(r.get("departements", [])) for r in records.get("region", {}).values())
    return {"counts": counts, "departements": departements, "by_status": by_status,
            "unsourced_or_undated": unsourced}


def _kb_stats(args) -> int:
    from bot.knowledge import store

    engine = store.make_engine(settings.db_url())
    stats = _stats(store.read_records(engine))
    stats["loaded"] = store.read_meta(engine).get("content", {}).get("updated_at")
    if args.json:
        print(json.dumps(stats, ensure_ascii=False, indent=2))
        return 0
    for kind, n in stats["counts"].items():
        print(f"{kind:<14}{n:>6}")
    print(f"{'départements':<14}{stats['departements']:>6}")
    print(f"fiches sans source ni date : {stats['unsourced_or_undated']}")
    print(f"chargée le : {stats['loaded']}")
    return 0


def _kb_stale(args) -> int:
    dataset = _read(args)
    limit = dt.date.today() - dt.timedelta(days=args.days)
    stale = [(record["verified_on"], kind, rid) for kind, records in dataset.records.items()
             for rid, record in records.items() if record["verified_on"] < limit]
    for verified_on, kind, rid in sorted(stale):
        print(f"{verified_on}  {kind:<12} {rid}  ({dataset.origins[(kind, rid)]})")
    print(f"{len(stale)} fiche(s) vérifiée(s) il y a plus de {args.days} jours.")
    return 0


def _nlu_generate(args) -> int:
    from bot import nlu_generation

    written = nlu_generation.write(_read(args), settings.PROJECT_ROOT)
    for path in written:
        print(f"écrit : {path}")
    return 0


def _nlu_lint(args) -> int:
    from bot.knowledge import store
    from bot.knowledge.snapshot import KnowledgeBase
    from bot.nlu_lint import lint_files

    engine = store.make_engine("sqlite://")
    store.load(_read(args), engine)
    paths = args.files or sorted(str(p) for p in (settings.PROJECT_ROOT / "data" / "nlu").glob("*.yml"))
    findings = lint_files(KnowledgeBase(store.read_records(engine)), paths)
    for finding in findings:
        print(finding)
    print(f"{len(findings)} problème(s) d'annotation dans {len(paths)} fichier(s).")
    return 1 if findings else 0


def _nlu_check(args) -> int:
    from bot import nlu_generation

    stale = nlu_generation.stale_files(_read(args), settings.PROJECT_ROOT)
    if stale:
        print("Fichiers NLU périmés par rapport à knowledge/ : " + ", ".join(stale)
              + ". Lancez « make nlu-generate ».", file=sys.stderr)
        return 1
    print("Les fichiers NLU générés sont à jour.")
    return 0


def _web(args) -> int:
    import os

    from bot.web.app import serve

    serve(port=args.port, host=os.environ.get("BOUSSOLE_BIND_HOST", "127.0.0.1"))
    return 0


def _cluster_run(args) -> int:
    from bot.cluster import run, topology
    from bot.runtime_config import ConfigurationError

    try:
        layout = topology.local()
    except ConfigurationError as exc:
        print(f"Erreur : {exc}", file=sys.stderr)
        return 2
    return run.run(layout, say=lambda line: print(line, flush=True))


def _cluster_nginx_config(args) -> int:
    from bot.cluster import nginx, topology
    from bot.runtime_config import ConfigurationError

    def addresses(value):
        return tuple(a.strip() for a in value.split(",") if a.strip())

    try:
        local = topology.local()
        layout = topology.Topology(
            rasa=addresses(args.rasa) if args.rasa else local.rasa,
            actions=addresses(args.actions) if args.actions else local.actions,
            web=addresses(args.web) if args.web else local.web,
            public=args.public or local.public, rasa_entry=args.rasa_entry or local.rasa_entry,
            actions_entry=args.actions_entry or local.actions_entry)
        path = nginx.write(layout, Path(args.out), workers=args.workers)
        nginx.check(Path(args.out))
    except (ConfigurationError, nginx.NginxError) as exc:
        print(f"Erreur : {exc}", file=sys.stderr)
        return 2
    print(f"Configuration de nginx écrite et vérifiée : {path}")
    print("Démarrage : " + " ".join(nginx.command(Path(args.out))[:-1]) + " 'daemon off;'")
    return 0


def _wait_ready(args) -> int:
    from bot.readiness import wait_until_ready

    return 0 if wait_until_ready(timeout_s=args.timeout) else 1


def _handover_export(args) -> int:
    from bot.advice import handover
    from bot.knowledge import store

    dossiers = handover.read_all(store.make_engine(settings.db_url()))
    content = handover.export(dossiers, args.format)
    if args.output:
        with open(args.output, "w", encoding="utf-8", newline="") as out:
            out.write(content)
        print(f"{len(dossiers)} dossier(s) exporté(s) dans {args.output}.", file=sys.stderr)
    else:
        sys.stdout.write(content)
    return 0


def _handover_delete(args) -> int:
    from bot.advice import handover
    from bot.knowledge import store

    if handover.delete(store.make_engine(settings.db_url()), args.reference):
        print(f"Dossier {args.reference} supprimé.")
        return 0
    print(f"Dossier {args.reference} introuvable.", file=sys.stderr)
    return 1


def _privacy(args) -> int:
    from bot import privacy

    try:
        if args.command == "erase":
            return privacy.run_erase(args.number)
        days = privacy.parse_age(args.older_than) if args.older_than else None
        return privacy.run_purge(days, args.dry_run)
    except (privacy.PrivacyError, settings.InvalidSetting) as exc:
        print(f"Erreur : {exc}", file=sys.stderr)
        return 2


def _config_report(out_dir, env=None) -> int:
    """Writes var/endpoints.yml and var/credentials.yml, says what they hold, and checks
    the tracker store's database (Rasa would retry it forever)."""
    import os

    from bot import runtime_config
    from bot.knowledge import store

    env = os.environ if env is None else env
    (endpoints_path, _), creds = runtime_config.write(Path(out_dir), env)
    tracker = runtime_config.tracker_url(env)
    lock = runtime_config.lock_store(env.get("BOUSSOLE_LOCK_STORE"), env.get("BOUSSOLE_LOCK_PREFIX"))
    broker = runtime_config.event_broker(env)
    print(f"Configuration de Rasa écrite dans {endpoints_path.parent}/ :")
    print(f"  historique des conversations : {store.safe_url(tracker)}")
    print("  verrous : " + ("en mémoire (un seul processus Rasa)" if lock["type"] == "in_memory"
                            else f"Redis {lock['url']}:{lock['port']}, base {lock.get('db', 1)}, "
                                 f"préfixe « {lock['key_prefix']} »"))
    if broker:
        print(f"  événements publiés dans Kafka : {broker['url']}, sujet « {broker['topic']} »")
    print("  canaux actifs : " + ", ".join(runtime_config.channel_label(name) for name in creds.channels))
    for name, missing in creds.skipped.items():
        print(f"  canal {runtime_config.channel_label(name)} inactif : définissez {', '.join(missing)}")
    runtime_config.check_tracker_store(tracker)
    return 0


def _config(args) -> int:
    from bot import runtime_config

    try:
        return _config_report(args.out)
    except runtime_config.ConfigurationError as exc:
        print(f"Erreur : {exc}", file=sys.stderr)
        return 2


def _serve(args) -> int:
    """Starts Rasa or the action server on localhost (unless told otherwise), after writing
    and checking Rasa's configuration; replaces this process, so signals reach the server."""
    import os
    import shutil

    from bot import runtime_config

    rasa = shutil.which("rasa", path=str(Path(sys.executable).parent)) or "rasa"
    host = os.environ.get("BOUSSOLE_BIND_HOST", "127.0.0.1")
    workers = args.workers if args.workers is not None else settings.workers(args.part)
    if workers < 1:
        print("Erreur : le nombre de workers doit être au moins 1.", file=sys.stderr)
        return 2
    if args.part == "actions":
        os.environ.setdefault("SANIC_HOST", host)
        os.environ["ACTION_SERVER_SANIC_WORKERS"] = str(workers)
        argv = [rasa, "run", "actions", "--actions", "actions", "--port", str(args.port)]
    else:
        if not args.model:
            print("Erreur : indiquez le modèle entraîné avec --model.", file=sys.stderr)
            return 2
        # Rasa would silently fall back to one worker with the in-memory lock store.
        if workers > 1 and runtime_config.lock_store(os.environ.get("BOUSSOLE_LOCK_STORE"))["type"] == "in_memory":
            print(f"Erreur : {workers} workers Rasa demandent un verrou partagé : définissez "
                  "BOUSSOLE_LOCK_STORE=redis://hôte:6379/numéro (voir le README).", file=sys.stderr)
            return 2
        try:
            _config_report(args.out)
        except runtime_config.ConfigurationError as exc:
            print(f"Erreur : {exc}", file=sys.stderr)
            return 2
        os.environ["SANIC_WORKERS"] = str(workers)
        out = Path(args.out)
        # Rasa's own command line, with the per-turn fixes of bot/rasa_process.py.
        argv = [sys.executable, "-m", "bot.rasa_process", "run", "--model", args.model,
                "--endpoints", str(out / "endpoints.yml"), "--credentials", str(out / "credentials.yml"),
                "--interface", host, "--port", str(args.port), "--enable-api", "--auth-token", settings.rasa_token()]
    # credentials.yml names the channels by module path (bot.channels…): Rasa must import
    # them whatever directory it is started from.
    root = str(settings.PROJECT_ROOT)
    paths = [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    if root not in paths:
        os.environ["PYTHONPATH"] = os.pathsep.join([root] + paths)
    sys.stdout.flush()
    os.execv(argv[0], argv)


def _rasa_token(args) -> int:
    print(settings.rasa_token())
    return 0


def _admin_token(args) -> int:
    from bot.tokens import admin_token

    print(admin_token())
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot", description="Boussole Export : outils en ligne de commande.")
    parser.add_argument("--knowledge", default=settings.KNOWLEDGE_DIR, help="dossier des fiches YAML")
    groups = parser.add_subparsers(dest="group", required=True)

    kb = groups.add_parser("kb", help="base de connaissances").add_subparsers(dest="command", required=True)
    kb.add_parser("check", help="valider knowledge/ sans rien écrire").set_defaults(func=_kb_check)
    kb.add_parser("load", help="valider puis charger knowledge/ dans la base (tout ou rien)").set_defaults(func=_kb_load)
    search = kb.add_parser("search", help="chercher dans la base chargée")
    search.add_argument("text", nargs="+")
    search.add_argument("--limit", type=int, default=8)
    search.set_defaults(func=_kb_search)
    stats = kb.add_parser("stats", help="compter les fiches de la base chargée")
    stats.add_argument("--json", action="store_true")
    stats.set_defaults(func=_kb_stats)
    stale = kb.add_parser("stale", help="fiches dont la vérification date de plus de N jours")
    stale.add_argument("--days", type=int, default=180)
    stale.set_defaults(func=_kb_stale)

    nlu = groups.add_parser("nlu", help="fichiers NLU dérivés de knowledge/").add_subparsers(dest="command", required=True)
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

    private = groups.add_parser("privacy", help="effacer une conversation, supprimer les anciennes (données personnelles)")
    private = private.add_subparsers(dest="command", required=True)
    erase = private.add_parser("erase", help="effacer une conversation partout (historique, avis, dossiers)")
    erase.add_argument("number", help="numéro de conversation affiché par le widget (ou son identifiant web-… dans Rasa)")
    erase.set_defaults(func=_privacy)
    purge = private.add_parser("purge", help="supprimer les conversations inactives depuis plus de N jours")
    purge.add_argument("--older-than", help="par exemple 180d (par défaut : BOUSSOLE_RETENTION_DAYS, sinon 180 jours)")
    purge.add_argument("--dry-run", action="store_true", help="dire ce qui serait supprimé, sans rien supprimer")
    purge.set_defaults(func=_privacy)

    groups.add_parser("rasa-token", help="afficher le jeton de l'API de Rasa (créé au premier appel)") \
        .set_defaults(func=_rasa_token)
    groups.add_parser("admin-token", help="afficher le jeton de la page de suivi des conseillers (créé au premier appel)") \
        .set_defaults(func=_admin_token)

    config = groups.add_parser("config", help="écrire la configuration de Rasa depuis l'environnement")
    config.add_argument("--out", default=settings.VAR_DIR, help="dossier des fichiers écrits (var/ par défaut)")
    config.set_defaults(func=_config)

    serve = groups.add_parser("serve", help="démarrer Rasa ou le serveur d'actions (sur localhost par défaut)")
    serve.add_argument("part", choices=("rasa", "actions"))
    serve.add_argument("--port", type=int, required=True)
    serve.add_argument("--model", help="modèle entraîné (pour rasa)")
    serve.add_argument("--out", default=settings.VAR_DIR, help="dossier de la configuration écrite pour Rasa")
    serve.add_argument("--workers", type=int, help="processus serveurs (par défaut : BOUSSOLE_RASA_WORKERS ou "
                       "BOUSSOLE_ACTION_WORKERS, sinon 1) ; plus d'un worker Rasa demande BOUSSOLE_LOCK_STORE=redis://…")
    serve.set_defaults(func=_serve)

    web = groups.add_parser("web", help="démarrer le site web")
    web.add_argument("--port", type=int, default=settings.web_port())
    web.set_defaults(func=_web)

    cluster = groups.add_parser("cluster", help="plusieurs serveurs Rasa et d'actions derrière nginx (docs/deploy.md)")
    cluster = cluster.add_subparsers(dest="command", required=True)
    cluster.add_parser("run", help="tout démarrer sur cette machine (make run-cluster)").set_defaults(func=_cluster_run)
    config_nginx = cluster.add_parser("nginx-config", help="écrire et vérifier la configuration de nginx")
    config_nginx.add_argument("--out", required=True, help="dossier de nginx (configuration, journaux, pid)")
    config_nginx.add_argument("--rasa", help="serveurs Rasa : hôte:port,hôte:port…")
    config_nginx.add_argument("--actions", help="serveurs d'actions : hôte:port,…")
    config_nginx.add_argument("--web", help="sites web : hôte:port,…")
    config_nginx.add_argument("--public", help="entrée publique (site web, canaux) : hôte:port")
    config_nginx.add_argument("--rasa-entry", help="entrée interne vers Rasa : hôte:port")
    config_nginx.add_argument("--actions-entry", help="entrée interne vers les serveurs d'actions : hôte:port")
    config_nginx.add_argument("--workers", default="auto", help="processus nginx (auto : un par cœur)")
    config_nginx.set_defaults(func=_cluster_nginx_config)

    ready = groups.add_parser("wait-ready", help="attendre que tout réponde (utilisé par make run)")
    ready.add_argument("--timeout", type=float, default=600)
    ready.set_defaults(func=_wait_ready)
    return parser


def main(argv=None) -> int:
    from bot.knowledge.validation import KnowledgeError

    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except KnowledgeError as exc:
        print(exc, file=sys.stderr)
        return 1
    except Exception as exc:  # noqa: BLE001 - one readable line instead of a traceback
        from bot.knowledge.store import DatabaseUnavailable

        if isinstance(exc, DatabaseUnavailable):
            print(f"Erreur : {exc}", file=sys.stderr)
            return 2
        raise
