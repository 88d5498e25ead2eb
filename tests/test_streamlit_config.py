"""The project's .streamlit/config.toml, as Streamlit reads it when the app starts from the checkout."""

from __future__ import annotations

from streamlit import config

from perfdash.core.settings import PROJECT_ROOT


def test_the_settings_the_app_relies_on_are_in_force(monkeypatch):
    monkeypatch.chdir(PROJECT_ROOT)
    config.get_config_options(force_reparse=True)
    try:
        # A full gc.collect(2) after every run held the GIL ~80 ms per page with the app's caches:
        # 30 sessions signing in took 11.6 s (median) with it, 3.9 s without (bench --protocol).
        assert config.get_option("runner.postScriptGC") is False
        # Visitors never see a traceback, tables offer no CSV download (formula injection).
        assert config.get_option("client.showErrorDetails") == "none"
        assert config.get_option("client.disableDataExport") is True
        assert config.get_option("server.maxUploadSize") == 20
    finally:
        monkeypatch.undo()
        config.get_config_options(force_reparse=True)
