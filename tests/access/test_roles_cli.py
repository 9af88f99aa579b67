"""`themescope dashboard --roles FILE`: the file reaches the app, and a broken one is named before any start."""
from core.cli.main import build_parser, main
from core.cli.scoring import dashboard_command
from dashboard.frame.identity import DEFAULT_ROLES, roles_path


def test_the_roles_file_is_passed_to_the_app_and_read_back(tmp_path):
    roles = tmp_path / "roles.yaml"
    command = dashboard_command(build_parser().parse_args(["dashboard", "--roles", str(roles)]))
    app_argv = command[command.index("--") + 1:]
    assert roles_path(app_argv) == str(roles)
    assert roles_path([]) == str(DEFAULT_ROLES)  # without --roles: config/roles.yaml


def test_a_broken_roles_file_stops_the_command_with_its_line(tmp_path, capsys):
    roles = tmp_path / "roles.yaml"
    roles.write_text("default: viewer\ngroups:\n  team: boss\n")
    assert main(["dashboard", "--roles", str(roles), "--port", "1"]) == 2
    error = capsys.readouterr().err
    assert f"{roles}:3:9: unknown role `boss`" in error and "Fix: use one of viewer, coder, editor, admin" in error
