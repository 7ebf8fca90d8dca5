"""The ``dyadwatch`` command group and its subgroups, which the command modules attach to."""

from __future__ import annotations

from collections.abc import Sequence

import click

from dyadwatch.cli.output import TABLE_WIDTH


class OrderedGroup(click.Group):
    """A group that lists its commands in the order they were added (the order the help teaches:
    loading, then the analyses, then outputs; for ``dyadwatch`` itself, :data:`HELP_ORDER`), not
    sorted. An unknown name gets Click's suggestions of the nearest commands ("Did you mean ...").
    Subgroups and commands take the same classes."""

    group_class = type

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(self.commands)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """Each command with the first sentence of its help on up to two lines (Click cuts it to one
        line, which leaves half a sentence where the list should teach what each command does)."""
        names = self.list_commands(ctx)
        limit = 2 * (formatter.width - 6 - max((len(name) for name in names), default=0))
        rows = [
            (name, command.get_short_help_str(limit=limit))
            for name in names
            if (command := self.get_command(ctx, name)) is not None and not command.hidden
        ]
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


# Every command's help: defaults shown, up to 100 columns on a wide terminal (Click's default is 80).
CONTEXT = {"show_default": True, "max_content_width": TABLE_WIDTH, "help_option_names": ["--help"]}


@click.group(
    "dyadwatch",
    cls=OrderedGroup,
    context_settings=CONTEXT,
    help=(
        "Measured answers about North Korea's foreign relations from event data.\n\n"
        "Start with `dyadwatch demo` (builds a store from the bundled, sourced chronology and writes "
        "the report site), then `dyadwatch series PRK CHN` or `dyadwatch flex PRK`. Load your own "
        "GDELT or ICEWS files with `dyadwatch ingest FILES...`."
    ),
)
def app() -> None:
    """The command group; each command does its own work."""


# Added to ``app`` by ``dyadwatch.cli`` after the other commands: `dyadwatch --help` lists them last.
@click.group("export", cls=OrderedGroup)
def export_app() -> None:
    """Write tables out as CSV, JSON or Parquet."""


@click.group("sync", cls=OrderedGroup)
def sync_app() -> None:
    """Fetch published event files and load them (GDELT)."""


@click.group("forecasts", cls=OrderedGroup)
def forecasts_app() -> None:
    """The watcher's stored forecasts: score them against what came true, or export them."""


#: The order of the commands in `dyadwatch --help` (loading, the texts, the demo, the analyses, outputs,
#: then the groups), whichever module declares them: the command modules are grouped by what users
#: do, the help by the order it teaches.
HELP_ORDER = (
    "ingest", "ingest-indicators", "ingest-texts", "code-texts", "kcna-check", "delegations", "search-texts",
    "rhetoric", "demo", "sources", "series", "breaks", "flex", "circumstances", "compare", "votes", "shifts",
    "backtest", "provocations", "simulate", "report", "cite", "serve", "watch", "export", "sync", "forecasts",
)  # fmt: skip


def in_help_order(group: click.Group, order: Sequence[str]) -> None:
    """Lists ``group``'s commands in ``order``, which must name each of them once."""
    if sorted(group.commands) != sorted(order):
        differ = sorted(set(group.commands) ^ set(order))
        raise RuntimeError(f"the help's order of commands and the commands differ: {', '.join(differ)}")
    group.commands = {name: group.commands[name] for name in order}
