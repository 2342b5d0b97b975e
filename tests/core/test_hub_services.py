"""The hub learns its services from the entry-point group `youthlab.hub_services`."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from youthlab.hub import services as hub_services
from youthlab.hub.services import HubWiring

FAKE_SERVICE = '''
from youthlab.hub.services import HubService


class Planetarium(HubService):
    name = "planetarium"
    order = 5

    def enabled(self, environ):
        return environ.get("YLT_PLANETARIUM", "on") != "off"

    def ports(self, environ):
        return [9123]

    def configure(self, wiring):
        wiring.services.append({"name": "planetarium", "url": "http://127.0.0.1:9123",
                                "command": ["planetarium", "--port", "9123"]})
        wiring.hand_to("kiosk")["YLT_PLANETARIUM_URL"] = "http://127.0.0.1:9123/services/planetarium/"
'''


@pytest.fixture
def planetarium(tmp_path, monkeypatch):
    """A centre's own service: one file and one entry-point line, no core file edited."""
    (tmp_path / "ylt_planetarium.py").write_text(FAKE_SERVICE)
    dist = tmp_path / "ylt_planetarium-0.1.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: ylt-planetarium\nVersion: 0.1\n")
    (dist / "entry_points.txt").write_text("[youthlab.hub_services]\nplanetarium = ylt_planetarium:Planetarium\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    yield
    sys.modules.pop("ylt_planetarium", None)


def wiring(tmp_path: Path, environ: dict[str, str]) -> HubWiring:
    return HubWiring(environ=environ, data=tmp_path, accounts=["operator", "teacher1", "student1"],
                     graders=["operator", "teacher1"], server_bin=Path(sys.executable).parent)


def base_env(**extra: str) -> dict[str, str]:
    env = {"YOUTHLAB_SPAWNER": "demo", "YOUTHLAB_PRINT_PORT": "47001", "PATH": "/usr/bin"}
    env.update(extra)
    return env


def test_the_labs_services_are_registered_and_the_hub_imports_none_of_them():
    assert list(hub_services.all_services()) == ["print", "kiosk", "flight", "grading"]
    import ast

    for path in Path(hub_services.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            for name in names:
                assert not name.startswith(("youthlab.drone", "youthlab.kiosk", "youthlab.stamp",
                                            "youthlab.grading")), f"{path.name} imports {name}"


def test_a_new_service_is_one_file_and_one_entry_point(planetarium, tmp_path):
    env = base_env(YOUTHLAB_FLIGHT="off", YOUTHLAB_PRINT="off")
    chosen = hub_services.decide(env)
    assert [s.name for s in chosen] == ["planetarium", "kiosk"]  # grading: auto, off in demo mode
    assert chosen[0].ports(env) == [9123]
    w = wiring(tmp_path, env)
    for service in chosen:
        service.configure(w)
    names = [s["name"] for s in w.services]
    assert names == ["planetarium", "kiosk"]
    kiosk_env = w.services[1]["environment"]
    assert kiosk_env["YLT_PLANETARIUM_URL"].endswith("/services/planetarium/")  # handed over, in order
    assert [s.name for s in hub_services.decide(dict(env, YLT_PLANETARIUM="off"))] == ["kiosk"]


def test_the_launchers_decision_is_what_the_hub_config_uses(tmp_path):
    env = base_env()
    chosen = hub_services.decide(env)
    assert [s.name for s in chosen] == ["print", "kiosk", "flight"]
    handed = dict(env, **hub_services.chosen_environment(chosen[1:2]))
    assert handed[hub_services.CHOSEN_VAR] == "kiosk"
    assert [s.name for s in hub_services.decide(handed)] == ["kiosk"]  # decided once, not again
    with pytest.raises(hub_services.UnknownHubService) as caught:
        hub_services.decide(dict(env, YOUTHLAB_HUB_SERVICES="kiosk,bowling"))
    assert "bowling" in caught.value.message("en") and "bowling" in caught.value.message("ko")


def test_print_hands_the_kiosk_its_queue_and_every_account_may_use_it(tmp_path):
    env = base_env(YOUTHLAB_FLIGHT="off")
    w = wiring(tmp_path, env)
    for service in hub_services.decide(env):
        service.configure(w)
    by_name = {s["name"]: s for s in w.services}
    assert set(by_name) == {"print", "kiosk-print", "kiosk"}
    assert by_name["print"]["url"] == "http://127.0.0.1:47001"
    token = by_name["kiosk-print"]["api_token"]
    assert len(token) == 64 and by_name["kiosk"]["environment"]["YOUTHLAB_PRINT_TOKEN"] == token
    assert token not in str(w.spawner_environment)  # students' servers never get the kiosk's token
    assert w.spawner_environment["YOUTHLAB_PRINT_URL"] == "http://127.0.0.1:47001/services/print/"
    assert w.server_token_scopes == ["access:services!service=print"]
    role = next(r for r in w.roles if r["name"] == "printer-user")
    assert role["users"] == ["operator", "teacher1", "student1"] and role["services"] == ["kiosk-print"]


def test_a_flight_station_elsewhere_means_no_local_flight_service(tmp_path):
    env = base_env(YOUTHLAB_PRINT="off", YOUTHLAB_KIOSK="off", YOUTHLAB_FLIGHT_STATION="https://station:8870/",
                   YOUTHLAB_FLIGHT_TOKEN="t0k3n")
    chosen = hub_services.decide(env)
    assert [s.name for s in chosen] == ["flight"]
    assert chosen[0].ports(env) == [] and chosen[0].banner("http://x/", env) is None
    w = wiring(tmp_path, env)
    chosen[0].configure(w)
    assert w.services == [] and w.server_token_scopes == []
    assert w.spawner_environment == {"YOUTHLAB_FLIGHT_URL": "https://station:8870/", "YOUTHLAB_FLIGHT_TOKEN": "t0k3n"}


def test_the_local_flight_service_never_gets_the_kiosks_pin(tmp_path):
    env = base_env(YOUTHLAB_PRINT="off", YOUTHLAB_KIOSK="off", YOUTHLAB_FLIGHT_PORT="8899",
                   YOUTHLAB_KIOSK_PIN="730419x", YOUTHLAB_FLIGHT_URL="http://elsewhere/")
    chosen = hub_services.decide(env)
    assert chosen[0].ports(env) == [8899]
    w = wiring(tmp_path, env)
    chosen[0].configure(w)
    flight = w.services[0]
    assert flight["command"][-2:] == ["--port", "8899"]
    assert "YOUTHLAB_KIOSK_PIN" not in flight["environment"] and "YOUTHLAB_FLIGHT_URL" not in flight["environment"]
    assert w.spawner_environment["YOUTHLAB_FLIGHT_URL"] == "http://127.0.0.1:8899/services/flight/"


@pytest.mark.parametrize("var, value", [("YOUTHLAB_TEACHER_PIN", "1234"), ("YOUTHLAB_KIOSK_PIN", "123456")])
def test_weak_pins_are_refused_by_the_services_checks(var, value):
    from youthlab.errors import ConfigError

    problems = []
    for service in hub_services.all_services().values():
        try:
            service.check({var: value})
        except ConfigError as exc:
            problems.append((service.name, exc))
    assert len(problems) == 1 and var in problems[0][1].message("en")


def test_a_bad_service_setting_names_its_variable():
    from youthlab.config import SettingError

    with pytest.raises(SettingError) as caught:
        hub_services.decide(base_env(YOUTHLAB_KIOSK="sometimes"))
    assert "YOUTHLAB_KIOSK" in caught.value.message("en")
