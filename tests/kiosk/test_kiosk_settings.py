"""The kiosk's settings: one set of traits for the environment, the command line and config."""

from __future__ import annotations

import pytest

from youthlab.config import SettingError
from youthlab.kiosk.server import KioskCommandLine
from youthlab.kiosk.settings import KioskSettings
from youthlab.kiosk.voila_config import voila_config


def _from(argv: list[str], environ: dict[str, str]) -> KioskSettings:
    command_line = KioskCommandLine()
    command_line.initialize(argv)
    return KioskSettings.from_env(environ, config=command_line.config)


def test_the_command_line_and_the_environment_set_the_same_traits():
    env = {"YOUTHLAB_KIOSK_POOL": "3", "YOUTHLAB_KIOSK_MAX_KERNELS": "5", "YOUTHLAB_KIOSK_IDLE": "45",
           "JUPYTERHUB_SERVICE_PREFIX": "/services/kiosk/"}
    settings = _from(["--pool-size", "2", "--app", "00-welcome", "--render-budget=6"], env)
    assert settings.pool_size == 2  # the command line wins over the environment
    assert (settings.max_kernels, settings.idle_seconds, settings.base_url) == (5, 45, "/services/kiosk/")
    assert (settings.single_app, settings.render_budget) == ("00-welcome", 6.0)
    config = voila_config(settings)
    assert config.Voila.base_url == "/services/kiosk/" and config.VoilaConfiguration.default_pool_size == 2


def test_the_hub_service_url_gives_the_port():
    settings = KioskSettings.from_env({})
    assert settings.port == 8866
    import os

    old = os.environ.get("JUPYTERHUB_SERVICE_URL")
    os.environ["JUPYTERHUB_SERVICE_URL"] = "http://127.0.0.1:9123"
    try:
        assert KioskSettings.from_env({}).port == 9123
    finally:
        if old is None:
            del os.environ["JUPYTERHUB_SERVICE_URL"]
        else:
            os.environ["JUPYTERHUB_SERVICE_URL"] = old


@pytest.mark.parametrize("var,value", [("YOUTHLAB_KIOSK_IDLE", "soon"), ("YOUTHLAB_KIOSK_LANG", "fr"),
                                       ("YOUTHLAB_KIOSK_POOL_LANGS", "ko,fr"), ("YOUTHLAB_KIOSK_POOL", "-1")])
def test_a_bad_value_names_its_variable_in_both_languages(var, value):
    with pytest.raises(SettingError) as caught:
        KioskSettings.from_env({var: value})
    assert var in caught.value.user_text("ko") and var in caught.value.user_text("en")


def test_each_preheated_language_gets_a_pool_the_kiosks_own_first():
    assert KioskSettings.from_env({}).preheated_languages() == ("ko", "en")
    assert KioskSettings.from_env({"YOUTHLAB_KIOSK_LANG": "en"}).preheated_languages() == ("en", "ko")
    assert KioskSettings.from_env({"YOUTHLAB_KIOSK_POOL_LANGS": "en"}).preheated_languages() == ("en",)
    assert KioskSettings.from_env({"YOUTHLAB_KIOSK_POOL": "0"}).preheated_languages() == ()
    assert not voila_config(KioskSettings.from_env({"YOUTHLAB_KIOSK_POOL": "0"})).VoilaConfiguration.preheat_kernel


def test_our_pages_render_in_both_languages_with_text_escaped():
    from youthlab.i18n import t
    from youthlab.kiosk.apps import KioskApp
    from youthlab.kiosk.handlers import not_found_page, wait_page
    from youthlab.kiosk.pages import render_page

    app = KioskApp(lab="00-x", path=None, title={"ko": "<b>앱</b>", "en": "<b>App</b>"}, description={}, icon="⭐")
    for lang in ("ko", "en"):
        launcher = render_page("launcher.html.j2", lang, title=t("kiosk.launcher.title", lang), base="/k/",
                               other="en", apps=[app])
        assert t("kiosk.launcher.title", lang) in launcher and f'lang="{lang}"' in launcher
        assert "&lt;b&gt;" in launcher and "<b>" not in launcher  # an app's title is text, not markup
        assert 'href="/k/voila/render/00-x/kiosk.ipynb?lang=' + lang in launcher
        assert t("kiosk.notfound", lang) in not_found_page("/k/", lang)
        waiting = wait_page("/k/", lang, 5)
        assert t("kiosk.wait.body", lang) in waiting and 'http-equiv="refresh" content="5"' in waiting
        staff = render_page("staff.html.j2", lang, title=t("kiosk.staff.title", lang), base="/k/", apps=[app],
                            visitors=1, max_kernels=8, preheated=14)
        assert t("kiosk.staff.load", lang, visitors=1, max=8, preheated=14) in staff


def test_the_page_carries_the_frames_words_in_both_languages_and_the_kiosks_language():
    from youthlab.i18n import LANGUAGES
    from youthlab.kiosk.page_words import FRAME_MESSAGES, PAGE_CONFIG_KEY, frame_words_hook

    page_config = frame_words_hook("en")({"kernelId": "k"}, base_url="/")
    frame = page_config[PAGE_CONFIG_KEY]
    assert page_config["kernelId"] == "k" and frame["language"] == "en"
    assert set(frame["messages"]) == set(FRAME_MESSAGES)
    for key, texts in frame["messages"].items():  # a real text, not the key a missing message gives
        assert set(texts) == set(LANGUAGES) and all(text and text != key for text in texts.values()), key
    assert frame["messages"]["kiosk.home"] == {"ko": "처음으로", "en": "Home"}
