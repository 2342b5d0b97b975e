"""Settings as documented traits (youthlab/config.py) and `youthlab config`."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from traitlets import Bool, Int, Unicode
from traitlets.config import Config

from youthlab.config import EnvConfigurable, SettingError, knob, settings_classes
from youthlab.hub.settings import HubSettings
from youthlab.i18n import catalogue

YOUTHLAB = str(Path(sys.executable).parent / "youthlab")


class DemoSettings(EnvConfigurable):
    port = Int(8870, help="A port.").tag(config=True, env="YLT_DEMO_PORT")
    enabled = Bool(True, help="On or off.").tag(config=True, env="YLT_DEMO_ON")
    pin = Unicode("", help="A secret.").tag(config=True, env="YLT_DEMO_PIN", secret=True)
    untagged = Int(1).tag(config=True)


def test_defaults_then_environment_then_traitlets_config():
    assert DemoSettings.from_env({}).port == 8870
    assert DemoSettings.from_env({"YLT_DEMO_PORT": "9000"}).port == 9000
    config = Config({"DemoSettings": {"port": 9100}})
    assert DemoSettings.from_env({"YLT_DEMO_PORT": "9000"}, config=config).port == 9100
    # read once: changing the environment later does not change a settings object
    settings = DemoSettings.from_env({"YLT_DEMO_PORT": "9000"})
    os.environ["YLT_DEMO_PORT"] = "1"
    try:
        assert settings.port == 9000
    finally:
        del os.environ["YLT_DEMO_PORT"]


@pytest.mark.parametrize("word,value", [("on", True), ("off", False), ("YES", True), ("0", False),
                                        ("true", True), ("", True)])
def test_switches_take_the_words_operators_write(word, value):
    # (an empty variable is as good as unset: the default)
    assert DemoSettings.from_env({"YLT_DEMO_ON": word}).enabled is value


def test_a_bad_value_names_the_variable_in_both_languages_and_hides_secrets():
    with pytest.raises(SettingError) as caught:
        DemoSettings.from_env({"YLT_DEMO_PORT": "eighty"})
    assert "YLT_DEMO_PORT" in caught.value.message("en") and "eighty" in caught.value.message("en")
    assert "YLT_DEMO_PORT" in caught.value.message("ko") and "환경 변수" in caught.value.message("ko")
    with pytest.raises(SettingError) as caught:
        DemoSettings.from_env({"YLT_DEMO_ON": "maybe"})
    assert "YLT_DEMO_ON" in str(caught.value)
    with pytest.raises(SettingError):  # an enum refuses a value it does not know
        HubSettings.from_env({"YOUTHLAB_LIMITS": "cgroup3"})
    with pytest.raises(SettingError):  # bounds are checked
        HubSettings.from_env({"YOUTHLAB_HUB_PORT": "70000"})


def test_knobs_show_default_current_and_mask_secrets():
    knobs = {k.env: k for k in DemoSettings.from_env({"YLT_DEMO_PIN": "s3cret-pin", "YLT_DEMO_PORT": "81"}).knobs()}
    assert set(knobs) == {"YLT_DEMO_PORT", "YLT_DEMO_ON", "YLT_DEMO_PIN"}  # untagged: not an env knob
    assert (knobs["YLT_DEMO_PORT"].default, knobs["YLT_DEMO_PORT"].current) == ("8870", "81")
    assert knobs["YLT_DEMO_PIN"].current == "***" and knobs["YLT_DEMO_ON"].current == "on"


def _help_problems(cls: type[EnvConfigurable]) -> list[str]:
    """What is wrong with the help of ``cls``'s settings: each has its ko and en help in the
    catalogue, and there only (an inline ``help=`` text drifts from the catalogue's)."""
    problems = []
    for setting in cls.from_env({}).knobs():
        if setting.trait.help:
            problems.append(f"{setting.env}: inline help text; the catalogue's {setting.help_key} is the one help")
        texts = catalogue().get(setting.help_key, {})
        ko, en = texts.get("ko", ""), texts.get("en", "")
        if not (en.strip() and re.search("[가-힣]", ko) and ko != en):
            problems.append(f"{setting.env}: {setting.help_key} has no ko and en help in the catalogue")
    return problems


class InlineHelpSettings(EnvConfigurable):
    port = knob(Int(8000, help="A drifted text."), "YOUTHLAB_HUB_PORT")
    ip = Unicode("127.0.0.1", help="The proxy's address.").tag(config=True, env="YOUTHLAB_HUB_IP")  # no knob()


class UncataloguedSettings(EnvConfigurable):
    port = knob(Int(8000), "YLT_NOT_IN_THE_CATALOGUE")
    pin = knob(Unicode(""), "YOUTHLAB_HUB_PORT", help_key="ylt.no.such.key", secret=True)


class DocumentedSettings(EnvConfigurable):
    port = knob(Int(8000), "YOUTHLAB_HUB_PORT")
    url = knob(Unicode(""), "YOUTHLAB_PRINT_URL", help_key="stamp.setting.print_url")


def test_the_help_check_finds_inline_help_and_uncatalogued_settings():
    assert [p.split(":")[0] for p in _help_problems(InlineHelpSettings)] == ["YOUTHLAB_HUB_IP", "YOUTHLAB_HUB_PORT"]
    assert all("inline help" in p for p in _help_problems(InlineHelpSettings))
    shown = {k.env: k.help("en") for k in InlineHelpSettings().knobs()}  # the catalogue's, never the inline text
    assert shown["YOUTHLAB_HUB_PORT"] == catalogue()["config.help.youthlab_hub_port"]["en"] != "A drifted text."
    assert [p.split(":")[0] for p in _help_problems(UncataloguedSettings)] == ["YLT_NOT_IN_THE_CATALOGUE",
                                                                                "YOUTHLAB_HUB_PORT"]
    assert _help_problems(DocumentedSettings) == []
    assert {k.env: k.help("ko") for k in DocumentedSettings().knobs()}["YOUTHLAB_HUB_PORT"] == "허브의 공개 포트."


def test_a_command_lines_help_of_a_knob_is_the_catalogues():
    # traitlets' --help (the kiosk server's options are KioskSettings traits) shows the same help
    text = HubSettings.class_get_trait_help(HubSettings.class_traits()["port"])
    assert "--HubSettings.port=<Int>" in text
    assert any(help in text for help in catalogue()["config.help.youthlab_hub_port"].values())


def test_every_registered_settings_class_documents_every_knob_in_both_languages_in_the_catalogue_only():
    classes = settings_classes()
    assert classes["hub"] is HubSettings
    problems = []
    for name, cls in classes.items():
        assert issubclass(cls, EnvConfigurable), name
        for trait in cls.env_traits().values():
            assert re.fullmatch(r"[A-Z][A-Z0-9_]+", trait.metadata["env"]), trait.metadata["env"]
        problems += [f"{name}: {problem}" for problem in _help_problems(cls)]
    assert problems == []


def test_youthlab_config_in_korean_shows_every_help_in_korean():
    env = dict(os.environ, YOUTHLAB_LANG="ko")
    r = subprocess.run([YOUTHLAB, "config"], capture_output=True, text=True, env=env, timeout=60)
    assert r.returncode == 0, r.stderr
    helps = [line.strip() for line in r.stdout.splitlines() if line.startswith("      ")]
    knobs = sum(len(cls.env_traits()) for cls in settings_classes().values())
    assert len(helps) >= knobs and "기본값:" in r.stdout
    assert [line for line in helps if not re.search("[가-힣]", line)] == []


def test_each_variable_is_one_knob_of_one_settings_class():
    owners: dict[str, list[str]] = {}
    for name, cls in settings_classes().items():
        for trait in cls.env_traits().values():
            owners.setdefault(trait.metadata["env"], []).append(name)
    assert {var: names for var, names in owners.items() if len(names) > 1} == {}


def test_youthlab_config_lists_hub_knobs_with_env_override_and_masks_nothing_it_should_not():
    env = dict(os.environ, YOUTHLAB_HUB_PORT="8123", YOUTHLAB_LANG="en")
    r = subprocess.run([YOUTHLAB, "config", "--area", "hub"], capture_output=True, text=True,
                       env=env, timeout=60)
    assert r.returncode == 0, r.stderr
    assert "YOUTHLAB_HUB_PORT = 8123  (default: 8000)" in r.stdout
    assert "Public port of the hub." in r.stdout
    ko = subprocess.run([YOUTHLAB, "--lang", "ko", "config", "--area", "hub"], capture_output=True,
                        text=True, env=env, timeout=60)
    assert "허브의 공개 포트." in ko.stdout and "기본값: 8000" in ko.stdout


def test_youthlab_config_refuses_a_bad_value_without_a_traceback():
    env = dict(os.environ, YOUTHLAB_PIDS_LIMIT="lots", YOUTHLAB_LANG="en")
    r = subprocess.run([YOUTHLAB, "config"], capture_output=True, text=True, env=env, timeout=60)
    assert r.returncode == 2
    assert "YOUTHLAB_PIDS_LIMIT" in r.stderr and "lots" in r.stderr and "Traceback" not in r.stderr


def test_one_knob_is_read_where_it_is_needed_checked_like_the_whole_class():
    assert DemoSettings.setting("port", {}) == 8870
    assert DemoSettings.setting("port", {"YLT_DEMO_PORT": "81"}) == 81
    assert DemoSettings.setting("enabled", {"YLT_DEMO_ON": "off"}) is False
    with pytest.raises(SettingError) as err:
        DemoSettings.setting("port", {"YLT_DEMO_PORT": "x"})
    assert "YLT_DEMO_PORT" in err.value.message("en")


def test_folders_mode_stations_and_flight_url_come_from_their_settings(monkeypatch, tmp_path):
    from youthlab import paths
    from youthlab.boards import stations
    from youthlab.boards.flash import catalog
    from youthlab.drone.flight_url import configured_url
    from youthlab.hub import identity
    from youthlab.hub.groups import device_groups

    for var, value in {"YOUTHLAB_ROOT": tmp_path / "checkout", "YOUTHLAB_LABS_DIR": tmp_path / "labs",
                       "YOUTHLAB_DATA_DIR": tmp_path / "data", "YOUTHLAB_ACCOUNTS": tmp_path / "a.yaml",
                       "YOUTHLAB_STATIONS": tmp_path / "st.json", "YOUTHLAB_FIRMWARE_CACHE": tmp_path / "fw"}.items():
        monkeypatch.setenv(var, str(value))
    monkeypatch.setenv("YOUTHLAB_STATION", "7")
    monkeypatch.setenv("YOUTHLAB_DEVICE_GROUPS", "dialout, plugdev")
    monkeypatch.setenv("YOUTHLAB_FLIGHT_URL", "http://127.0.0.1:1/services/flight/")
    monkeypatch.setenv("YOUTHLAB_SYSTEM_USER_PREFIX", "ylt9-")
    monkeypatch.setenv("YOUTHLAB_SPAWNER", "Simple")
    assert paths.project_root() == tmp_path / "checkout" and paths.hub_config_dir() == tmp_path / "checkout/hub_config"
    assert paths.labs_dir() == tmp_path / "labs" and paths.data_dir() == tmp_path / "data"
    assert paths.accounts_file() == tmp_path / "a.yaml"
    assert stations.registry_path() == tmp_path / "st.json" and stations.my_station() == "7"
    assert catalog.cache_dir() == tmp_path / "fw" and device_groups() == ["dialout", "plugdev"]
    assert configured_url() == "http://127.0.0.1:1/services/flight/"
    assert identity.spawner_mode() == identity.DEMO and identity.system_user_for("Kim") == "ylt9-kim"
    monkeypatch.setenv("YOUTHLAB_SPAWNER", "everyone")
    with pytest.raises(ValueError, match="YOUTHLAB_SPAWNER"):
        identity.spawner_mode()
    for var in ("YOUTHLAB_ROOT", "YOUTHLAB_LABS_DIR", "YOUTHLAB_ACCOUNTS", "YOUTHLAB_STATION", "YOUTHLAB_FLIGHT_URL",
                "YOUTHLAB_DEVICE_GROUPS"):
        monkeypatch.delenv(var)
    assert paths.project_root() == Path(paths.__file__).resolve().parents[1]
    assert paths.accounts_file() == paths.project_root() / "hub_config" / "accounts.yaml"
    assert stations.my_station() is None and configured_url() is None and device_groups() == ["dialout"]


def test_stamp_budget_knobs_are_settings_and_a_bad_one_is_named(monkeypatch):
    from youthlab.stamp import budget

    assert (budget.memory_mb(), budget.wall_seconds()) == (1024, 60.0)
    monkeypatch.setenv("YOUTHLAB_STAMP_MEMORY_MB", "300")
    monkeypatch.setenv("YOUTHLAB_STAMP_SECONDS", "12.5")
    assert (budget.memory_mb(), budget.wall_seconds()) == (300, 12.5)
    monkeypatch.setenv("YOUTHLAB_STAMP_SECONDS", "soon")
    with pytest.raises(SettingError, match="YOUTHLAB_STAMP_SECONDS"):
        budget.wall_seconds()


# Modules that still read a YOUTHLAB_* variable from an environment themselves (the
# process's, or a mapping named like one: env, environ, environment). The list may only
# shrink; each entry says why the read is still there.
DIRECT_READS_LEFT = {
    "youthlab/i18n.py": "language of the moment (YOUTHLAB_LANG, listed as youthlab.paths.ProjectSettings.language): "
                        "read at each lookup, and the i18n module stays a leaf",
    "youthlab/hub/spawner.py": "the data folder in the environment dict the spawner gives the account's server: "
                               "a process boundary",
    "youthlab/hub/recovery.py": "the data folder in the environment of a process left by an earlier hub "
                                "(from /proc): another process's",
    "youthlab/hub/launcher.py": "the environment dict of the hub being started (a process boundary) and the raw "
                                "spawner value echoed in its refusal",
    "youthlab/grading/hubwiring.py": "the data folder and accounts plan in the environment the hub gave a "
                                     "teacher's server (nbgrader config of that process)",
    "youthlab/stamp/kiosk_print.py": "kiosk printing decided by the kiosk server for its kernels: a process boundary",
    "youthlab/kiosk/environment.py": "the variables a kiosk passes to its kernels (its PIN through a pipe): "
                                     "a process boundary",
    "youthlab/hub/services.py": "YOUTHLAB_HUB_SERVICES: the services `youthlab up` decided on, handed to the "
                                "hub's config file in its environment (a process boundary, not a knob)",
}


def _reads_in(source: str) -> list[int]:
    """Lines where ``source`` reads ``YOUTHLAB_*`` from an environment: ``x.get/pop/setdefault``,
    ``os.getenv``, ``x[...]`` and ``... in x`` on a name with ``env`` in it."""
    import ast

    def environment(node: ast.AST) -> bool:
        return "env" in ast.unparse(node).lower()

    tree = ast.parse(source)
    constants = {target.id: node.value.value for node in tree.body if isinstance(node, ast.Assign)
                 and isinstance(node.value, ast.Constant) for target in node.targets
                 if isinstance(target, ast.Name)}  # PIN_VAR = "YOUTHLAB_…" names a variable too

    def name(node: ast.AST) -> object:
        if isinstance(node, ast.Constant):
            return node.value
        return constants.get(node.id) if isinstance(node, ast.Name) else None

    lines = []
    for node in ast.walk(tree):
        var = None
        if isinstance(node, ast.Call) and node.args:
            func = node.func
            if isinstance(func, ast.Attribute) and (func.attr == "getenv" or (
                    func.attr in ("get", "pop", "setdefault") and environment(func.value))):
                var = name(node.args[0])
            elif isinstance(func, ast.Name) and func.id == "getenv":
                var = name(node.args[0])
        elif isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Load) and environment(node.value):
            var = name(node.slice)
        elif (isinstance(node, ast.Compare) and any(isinstance(op, (ast.In, ast.NotIn)) for op in node.ops)
              and any(environment(c) for c in node.comparators)):
            var = name(node.left)
        if isinstance(var, str) and var.startswith("YOUTHLAB_"):
            lines.append(node.lineno)
    return lines


def _direct_reads() -> dict[str, list[int]]:
    root = Path(__file__).resolve().parents[2]
    found: dict[str, list[int]] = {}
    for path in sorted((root / "youthlab").rglob("*.py")):
        rel = path.relative_to(root).as_posix()
        if rel != "youthlab/config.py":  # the one settings source
            lines = _reads_in(path.read_text(encoding="utf-8"))
            if lines:
                found[rel] = lines
    return found


@pytest.mark.parametrize("read", [
    'os.environ.get("YOUTHLAB_X", "2")', 'os.environ["YOUTHLAB_X"]', 'os.getenv("YOUTHLAB_X")',
    'getenv("YOUTHLAB_X")', 'environ.pop("YOUTHLAB_X", None)', 'env.get("YOUTHLAB_X")',
    'self.environment["YOUTHLAB_X"]', '"YOUTHLAB_X" in os.environ', 'os.environ.setdefault("YOUTHLAB_X", "1")',
    'environ.get(VAR, "")', 'os.environ[VAR]',
])
def test_a_new_direct_read_is_found(read):
    source = f'import os\nfrom os import getenv\nVAR = "YOUTHLAB_X"\ndef f(env, environ):\n    return {read}\n'
    assert _reads_in(source) == [5]


def test_writing_a_childs_environment_or_reading_other_names_is_no_read():
    source = ('def f(env, settings):\n    env["YOUTHLAB_X"] = "1"\n    settings.get("YOUTHLAB_X")\n'
              '    os.environ.get("JUPYTERHUB_USER")\n    return {"YOUTHLAB_X": 1}["YOUTHLAB_X"]\n')
    assert _reads_in(source) == []


def test_youthlab_variables_are_read_through_settings_except_the_listed_few():
    found = _direct_reads()
    assert set(found) - set(DIRECT_READS_LEFT) == set(), {k: v for k, v in found.items() if k not in DIRECT_READS_LEFT}
    assert set(DIRECT_READS_LEFT) - set(found) == set(), "a listed module no longer reads: take it off the list"


def test_runtime_mirror_knobs_are_settings(monkeypatch, tmp_path):
    from youthlab.hub import runtime

    monkeypatch.delenv("YOUTHLAB_RUNTIME_DIR", raising=False)
    monkeypatch.delenv("YOUTHLAB_RUNTIME_MIRROR", raising=False)
    assert runtime.runtime_base() == Path("/opt/youthlab")
    monkeypatch.setenv("YOUTHLAB_RUNTIME_DIR", str(tmp_path / "rt"))
    assert runtime.runtime_base() == tmp_path / "rt" and runtime.mirror_dir().parent == tmp_path / "rt"
    monkeypatch.setenv("YOUTHLAB_RUNTIME_MIRROR", " Always ")  # as an operator may write it
    assert runtime.mirror_wanted() is True
    monkeypatch.setenv("YOUTHLAB_RUNTIME_MIRROR", "never")  # once silently 'auto'; now named
    with pytest.raises(SettingError) as bad:
        runtime.mirror_wanted()
    assert "YOUTHLAB_RUNTIME_MIRROR" in bad.value.message("en") and "never" in bad.value.message("ko")


def test_grading_knobs_are_settings_and_checked_when_the_hub_decides_to_run_the_service(monkeypatch, tmp_path):
    from youthlab.grading import sandbox
    from youthlab.grading.service import GradingSettings, hub_runs_grading_service

    assert GradingSettings.from_env({}).max_jobs == 2
    assert GradingSettings.from_env({"YOUTHLAB_GRADING_MAX_JOBS": "3"}).max_jobs == 3
    monkeypatch.setenv("YOUTHLAB_SANDBOX_LOCKS", str(tmp_path / "locks"))
    assert sandbox.lock_dir() == tmp_path / "locks"  # read when a run leases its users
    monkeypatch.delenv("YOUTHLAB_SANDBOX_LOCKS")
    assert sandbox.lock_dir() == Path("/run/youthlab-sandbox")
    assert hub_runs_grading_service({"YOUTHLAB_GRADING_SERVICE": "On"}) is True
    assert hub_runs_grading_service({"YOUTHLAB_GRADING_SERVICE": "off", "YOUTHLAB_GRADING_MAX_JOBS": "0"}) is False
    with pytest.raises(SettingError, match="YOUTHLAB_GRADING_SERVICE"):
        hub_runs_grading_service({"YOUTHLAB_GRADING_SERVICE": "sometimes"})
    for bad in ("0", "two"):  # `youthlab up` refuses it, instead of a service that dies under the hub
        with pytest.raises(SettingError, match="YOUTHLAB_GRADING_MAX_JOBS"):
            hub_runs_grading_service({"YOUTHLAB_GRADING_SERVICE": "on", "YOUTHLAB_GRADING_MAX_JOBS": bad})


def test_the_hub_runs_its_flight_service_as_its_settings_say():
    from youthlab.drone.service import hub_runs_flight_service

    assert hub_runs_flight_service({}) is True
    assert hub_runs_flight_service({"YOUTHLAB_FLIGHT": "off"}) is False
    assert hub_runs_flight_service({"YOUTHLAB_FLIGHT": "0"}) is False  # a switch, like every other
    assert hub_runs_flight_service({"YOUTHLAB_FLIGHT_STATION": "http://10.0.0.5:8870/"}) is False
    with pytest.raises(SettingError, match="YOUTHLAB_FLIGHT"):
        hub_runs_flight_service({"YOUTHLAB_FLIGHT": "maybe"})


def test_the_teacher_pin_is_one_setting_for_the_gate_the_launcher_and_the_service(monkeypatch, tmp_path):
    from youthlab.drone.hub_service import FlightServiceSettings
    from youthlab.drone.secrets_guard import TeacherPinSettings, configured_teacher_pin, ensure_teacher_pin
    from youthlab.drone.service import FlightSettings

    monkeypatch.delenv("YOUTHLAB_TEACHER_PIN", raising=False)
    assert configured_teacher_pin(tmp_path / "none") is None
    assert configured_teacher_pin(tmp_path, {"YOUTHLAB_TEACHER_PIN": "87654321"}) == "87654321"
    made, fresh = ensure_teacher_pin(tmp_path / "svc")
    assert fresh and (tmp_path / "svc" / "teacher-pin").stat().st_mode & 0o777 == 0o600
    assert ensure_teacher_pin(tmp_path / "svc") == (made, False) and configured_teacher_pin(tmp_path / "svc") == made
    # the operator's PIN wins, from the environment or from settings already read (the service's)
    assert ensure_teacher_pin(tmp_path / "svc", {"YOUTHLAB_TEACHER_PIN": "12345678"}) == ("12345678", False)
    assert ensure_teacher_pin(tmp_path / "svc", pin="abcdefgh") == ("abcdefgh", False)
    service = FlightSettings.from_env({"YOUTHLAB_TEACHER_PIN": "12345678"})
    assert service.teacher_pin == "12345678" and issubclass(FlightServiceSettings, TeacherPinSettings)
    assert {k.env: k.current for k in service.knobs()}["YOUTHLAB_TEACHER_PIN"] == "***"
