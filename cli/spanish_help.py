"""Typer's own words in Spanish (help panels, marks, the help option, usage): its panel titles
and marks are settings of `typer.rich_utils`; the help option and the usage line come from the
click that Typer 0.29 vendors (pinned in pyproject.toml), which has no translations to install."""

from typer import rich_utils
from typer._click import decorators, formatting

rich_utils.ARGUMENTS_PANEL_TITLE = "Argumentos"
rich_utils.OPTIONS_PANEL_TITLE = "Opciones"
rich_utils.COMMANDS_PANEL_TITLE = "Órdenes"
rich_utils.REQUIRED_LONG_STRING = "[obligatorio]"
rich_utils.DEFAULT_STRING = "[por omisión: {}]"
rich_utils.ENVVAR_STRING = "[variable de entorno: {}]"
rich_utils.DEPRECATED_STRING = "(obsoleto) "
rich_utils.ABORTED_TEXT = "Interrumpido."
rich_utils.RICH_HELP = "Vea [blue]'{command_path} {help_option}'[/] para la ayuda."
HELP_OPTION_TEXT = "Muestra esta ayuda y termina."
formatting.HelpFormatter.write_usage.__defaults__ = ("", "Uso: ")  # (args, prefix): the usage line's prefix

_english_help_option = decorators.help_option


def _help_option(param_decls: list[str]):  # type: ignore[no-untyped-def]
    """The vendored decorator, with the option's text in Spanish."""
    decorate = _english_help_option(param_decls)

    def apply(command):  # type: ignore[no-untyped-def]
        command = decorate(command)
        command.params[-1].help = HELP_OPTION_TEXT
        return command

    return apply


decorators.help_option = _help_option
