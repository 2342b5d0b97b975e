"""`youthlab doctor` and the CLI as a user runs them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

YOUTHLAB = str(Path(sys.executable).parent / "youthlab")


def run(*args, env=None):
    return subprocess.run([YOUTHLAB, *args], capture_output=True, text=True, env=env, timeout=120)


def test_doctor_passes_on_the_set_up_machine():
    r = run("--lang", "en", "doctor")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "Everything is ready." in r.stdout


def test_doctor_names_a_missing_node_and_says_how_to_fix_it(tmp_path):
    # A PATH with the usual tools but no node: like a fresh machine before setup.
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("fc-list", "socat", "chromium"):
        for d in os.environ["PATH"].split(os.pathsep):
            if (Path(d) / tool).exists():
                (bin_dir / tool).symlink_to(Path(d) / tool)
                break
    env = dict(os.environ, PATH=str(bin_dir))
    r = run("--lang", "en", "doctor", env=env)
    assert r.returncode == 1
    assert "Node.js (runs the proxy): missing" in r.stdout
    assert "sudo apt-get install nodejs npm" in r.stdout
    ko = run("--lang", "ko", "doctor", env=env)
    assert "Node.js (프록시 실행용): 없음" in ko.stdout


def test_up_refuses_a_busy_port_with_a_clear_message(tmp_path):
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        r = run("--lang", "en", "up", "--port", str(port), "--data-dir", str(tmp_path))
    assert r.returncode == 2
    assert f"Port {port} is already used" in r.stderr and "Traceback" not in r.stderr


def test_up_refuses_a_busy_flight_service_port_before_starting_anything(tmp_path):
    import os
    import socket

    from tests.conftest import free_port

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        busy = s.getsockname()[1]
        r = run("--lang", "en", "up", "--port", str(free_port()), "--data-dir", str(tmp_path),
                env=dict(os.environ, YOUTHLAB_FLIGHT="on", YOUTHLAB_FLIGHT_PORT=str(busy)))
    assert r.returncode == 2
    assert f"Port {busy} is already used" in r.stderr and "Traceback" not in r.stderr


def test_help_lists_the_commands():
    r = run("--help")
    assert r.returncode == 0 and "up" in r.stdout and "doctor" in r.stdout


def test_a_subcommand_whose_module_is_missing_fails_loudly_in_both_languages(tmp_path):
    # An area registers `youthlab ghost` (an entry point) but its module is not there.
    dist = tmp_path / "ylt_ghost-0.1.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: ylt-ghost\nVersion: 0.1\n")
    (dist / "entry_points.txt").write_text("[youthlab.commands]\nghost = youthlab.ghost_area.cli:ghost\n")
    env = dict(os.environ, PYTHONPATH=str(tmp_path))
    r = run("--lang", "en", "ghost", env=env)
    assert r.returncode == 2, r.stdout + r.stderr
    assert "The command `youthlab ghost` could not be loaded" in r.stderr
    assert "youthlab.ghost_area" in r.stderr and "Traceback" not in r.stderr
    ko = run("--lang", "ko", "ghost", env=env)
    assert ko.returncode == 2 and "`youthlab ghost` 명령을 불러오지 못했어요" in ko.stderr
    # --help still works and names the broken command, the others stay usable
    helped = run("--lang", "en", "--help", env=env)
    assert helped.returncode == 0
    assert "ghost" in helped.stdout and "could not be loaded" in helped.stdout
    assert "doctor" in helped.stdout
    assert run("--lang", "en", "doctor", "--help", env=env).returncode == 0


def test_help_lists_every_command_in_both_languages_without_importing_any():
    probe = ("import sys\nfrom youthlab.cli import main\nsys.argv = ['youthlab', '--lang', sys.argv[1], '--help']\n"
             "try:\n    main()\nexcept SystemExit:\n    pass\n"
             "print('MODULES', sorted(m for m in sys.modules if m.startswith('youthlab')))")
    from youthlab.cli import subcommands
    from youthlab.i18n import t

    for lang in ("en", "ko"):
        r = subprocess.run([sys.executable, "-c", probe, lang], capture_output=True, text=True, timeout=60)
        assert r.returncode == 0, r.stderr
        assert r.stdout.splitlines()[-1] == "MODULES ['youthlab', 'youthlab.cli', 'youthlab.errors', 'youthlab.i18n']"
        rows = {row.split()[0]: row for row in r.stdout.splitlines() if row.startswith("  ") and row.split()}
        for name in subcommands():
            assert t(f"cli.command.{name}", lang)[:20] in rows.get(name, ""), (name, lang)
    assert "홀의 허브" in run("--lang", "ko", "--help").stdout


def test_a_plugin_command_without_a_catalogue_line_shows_its_own_help(tmp_path):
    dist = tmp_path / "ylt_extra-0.1.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: ylt-extra\nVersion: 0.1\n")
    (dist / "entry_points.txt").write_text("[youthlab.commands]\nylt-extra = ylt_extra_cli:hello\n")
    (tmp_path / "ylt_extra_cli.py").write_text(
        'import click\n@click.command()\ndef hello():\n    """Say hello from the centre\'s own plug-in."""\n'
        "    click.echo('hello from the plug-in')\n")
    env = dict(os.environ, PYTHONPATH=str(tmp_path))
    helped = run("--lang", "en", "--help", env=env)
    assert helped.returncode == 0 and "Say hello from the centre's own plug-in." in helped.stdout
    assert run("ylt-extra", env=env).stdout == "hello from the plug-in\n"


def test_python_m_youthlab_is_the_youthlab_command():
    r = subprocess.run([sys.executable, "-m", "youthlab", "--lang", "en", "config", "--area", "hub"],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0 and "YOUTHLAB_HUB_PORT" in r.stdout, r.stderr


def test_every_registered_subcommand_loads():
    from youthlab.cli import load_subcommand, subcommands

    assert {"up", "doctor", "config", "board", "course", "kiosk"} <= set(subcommands())
    for name in subcommands():
        assert load_subcommand(name).name  # raises SubcommandBroken with the reason otherwise


def test_up_takes_its_ports_from_the_hub_settings_and_refuses_a_bad_one(tmp_path):
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        r = run("--lang", "en", "up", "--data-dir", str(tmp_path),
                env=dict(os.environ, YOUTHLAB_HUB_PORT=str(port), YOUTHLAB_KIOSK="off", YOUTHLAB_FLIGHT="off"))
    assert r.returncode == 2 and f"Port {port} is already used" in r.stderr, r.stderr
    bad = run("--lang", "en", "up", "--data-dir", str(tmp_path), env=dict(os.environ, YOUTHLAB_HUB_PORT="http"))
    assert bad.returncode == 2 and "YOUTHLAB_HUB_PORT" in bad.stderr and "Traceback" not in bad.stderr
    assert not (tmp_path / "jupyterhub.sqlite").exists()


def test_doctor_checks_without_importing_jupyterhub():
    # JupyterHub (its database layer, metrics, HTTP client: ~500 modules, ~0.6 s) is for
    # the hub itself; the installation check only looks for it (importlib.util.find_spec).
    probe = ("import sys\nfrom youthlab.cli import main\nsys.argv = ['youthlab', '--lang', 'en', 'doctor']\n"
             "try:\n    main()\nexcept SystemExit as stop:\n    code = stop.code\n"
             "print('JUPYTERHUB', sorted(m for m in sys.modules if m.split('.')[0] == 'jupyterhub'))\n"
             "print('EXIT', code)")
    r = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120)
    assert "JupyterHub and JupyterLab" in r.stdout and "Processes left by an earlier hub" in r.stdout, r.stderr
    assert "JUPYTERHUB []" in r.stdout.splitlines(), r.stdout[-2000:]


def test_the_hubs_private_pid_file_proxy_still_loads_by_its_configured_name(tmp_path):
    # hub_config/jupyterhub_config.py names it as a string; its own module imports JupyterHub
    pid_file = tmp_path / "jupyterhub-proxy.pid"
    pid_file.write_text("1")
    pid_file.chmod(0o644)  # a pid file an older proxy left readable
    probe = ("import sys, types\nfrom youthlab.hub import datadir, recovery\n"
             "assert 'jupyterhub' not in sys.modules, 'imported too early'\n"
             "from traitlets.utils.importstring import import_item\n"
             "from jupyterhub.proxy import ConfigurableHTTPProxy\n"
             "cls = import_item('youthlab.hub.private_proxy.PrivateFilesProxy')\n"
             "assert issubclass(cls, ConfigurableHTTPProxy)\n"
             "proxy = cls(pid_file=sys.argv[1])\nproxy.proxy_process = types.SimpleNamespace(pid=4242)\n"
             "proxy._write_pid_file()\n"
             "print(cls.__module__, cls.__qualname__)")
    r = subprocess.run([sys.executable, "-c", probe, str(pid_file)], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "youthlab.hub.private_proxy PrivateFilesProxy"
    assert pid_file.read_text() == "4242" and pid_file.stat().st_mode & 0o777 == 0o600
