"""The ``grundlagbot`` command line (the external contract in DESIGN.md).

Each command's work lives beside the thing it drives; this module only parses arguments, reads
the settings once and turns known failures into a message and an exit code.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Sequence
from datetime import date

from bot.config import ConfigError, load_settings
from handlers.services import StoreError
from handlers.settings import Settings

Command = Callable[[argparse.Namespace, Settings], int]


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date as YYYY-MM-DD, got {value!r}") from None


def _positive(value: str) -> int:
    if not value.isdigit() or int(value) < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number ≥ 1, got {value!r}")
    return int(value)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="grundlagbot",
        description="Answers questions about leader and employee foundations and personnel policy.",
    )
    parser.add_argument("--config", help="configuration file (default: $GRUNDLAGBOT_CONFIG or ./app.yaml)")
    parser.add_argument("-v", "--verbose", action="store_true", help="log more")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    sub.add_parser("chat", help="interactive chat in the terminal")

    ask = sub.add_parser("ask", help="answer one question, or one per line from stdin")
    ask.add_argument("question", nargs="*", help="the question (none: read one per line from stdin)")
    ask.add_argument("--json", action="store_true", help="print one JSON object per answer")
    ask.add_argument("--org", help="asked by an employee of this organisation: answer from its documents")
    ask.add_argument(
        "--why", action="store_true", help="how the answer was chosen: terms, candidates, decision"
    )

    serve = sub.add_parser("serve", help="run the server: Slack, Teams, scheduler, health and metrics")
    serve.add_argument("--config", dest="serve_config", help="configuration file")
    serve.add_argument("--host", help="address to listen on (default 127.0.0.1 without a Teams app id)")
    serve.add_argument("--port", type=int, default=3978, help="port (default 3978)")

    check = sub.add_parser("check", help="validate knowledge files")
    check.add_argument("paths", nargs="*", help="files or directories (default: the configured knowledge)")
    check.add_argument(
        "--against",
        nargs="+",
        metavar="SET.yaml",
        help="question sets: how their answers move from the serving knowledge to PATH",
    )

    imp = sub.add_parser("import", help="draft a knowledge file from a policy (.txt, .md, .pdf, .docx)")
    imp.add_argument("file", help="the policy")
    imp.add_argument("--org", required=True, help="the organisation, as the document writes it")
    imp.add_argument("--document", required=True, help="the document's title")
    imp.add_argument("--out", help="file or folder to write (default: the configured knowledge folder)")

    teach = sub.add_parser("teach", help="add a question to an entry's example questions")
    teach.add_argument("question", help="the question, as an employee asked it")
    teach.add_argument("entry", metavar="ENTRY_ID", help="the entry that answers it")
    teach.add_argument(
        "--not-answered",
        action="store_true",
        help="instead: mark the question as one the entry's document does not answer",
    )

    ev = sub.add_parser("eval", help="score a question set (format of eval/dev.yaml)")
    ev.add_argument("file", help="YAML question set")
    ev.add_argument("--verbose-misses", action="store_true", help="show the answer given for each miss")

    train = sub.add_parser("train", help="refit the answer/decline decision model; print held-out scores")
    train.add_argument("sets", nargs="*", help="tuning sets (default: SETS_DIR/tuning_*.yaml)")
    train.add_argument("--sets-dir", default="tests/knowledge/sets", help="where the tuning sets are")
    train.add_argument(
        "--out", help="where to write the model (default: the packaged knowledge/decision.json)"
    )
    train.add_argument("--dry-run", action="store_true", help="fit and report, write nothing")

    sched = sub.add_parser("schedule", help="preview upcoming scheduled posts")
    sched.add_argument("--from", dest="start", type=_day, help="first day (default today)")
    sched.add_argument("--weeks", type=_positive, default=8, help="how many weeks ahead (default 8)")
    sched.add_argument("--json", action="store_true", help="print a JSON array")

    db = sub.add_parser("db", help="the database: `db upgrade` applies its schema migrations")
    db.add_argument("action", choices=["upgrade"], help="upgrade: migrate to the newest schema")

    post = sub.add_parser("post", help="run one scheduled job now (idempotent per period)")
    post.add_argument("job", choices=["weekly-theme", "med-reminders"])
    post.add_argument("--date", type=_day, help="the day to post for (default today)")
    post.add_argument("--dry-run", action="store_true", help="show what would be posted, post nothing")
    return parser


def _command(name: str) -> Command:
    # Imported on demand: `grundlagbot ask` need not load slack_bolt, botbuilder or APScheduler.
    if name == "check":
        from bot.cli_check import run_check

        return run_check
    if name in ("import", "teach"):
        from bot import cli_edit

        return {"import": cli_edit.run_import, "teach": cli_edit.run_teach}[name]
    if name in ("ask", "chat", "eval"):
        from bot import cli_knowledge

        return {
            "ask": cli_knowledge.run_ask,
            "chat": cli_knowledge.run_chat,
            "eval": cli_knowledge.run_eval,
        }[name]
    if name == "train":
        from bot.train import run_train

        return run_train
    if name == "db":
        from bot.cli_db import run_db

        return run_db
    if name == "serve":
        from bot.server import run_serve

        return run_serve
    from bot import cli_schedule

    return {"schedule": cli_schedule.run_schedule, "post": cli_schedule.run_post}[name]


def _print_config_error(exc: ConfigError) -> None:
    if len(exc.problems) == 1:
        print(f"grundlagbot: configuration error: {exc}", file=sys.stderr)
        return
    print(f"grundlagbot: {len(exc.problems)} configuration errors:", file=sys.stderr)
    for problem in exc.problems:
        print(f"  {problem}", file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    if args.command != "serve" and not args.verbose:
        logging.getLogger().setLevel(logging.WARNING)
    try:
        settings = load_settings(getattr(args, "serve_config", None) or args.config)
        return _command(args.command)(args, settings)
    except ConfigError as exc:
        _print_config_error(exc)
        return 2
    except StoreError as exc:  # the database cannot be opened: its path and SQLite's reason
        print(f"grundlagbot: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
