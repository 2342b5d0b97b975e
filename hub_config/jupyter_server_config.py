# Every single-user server (hub_config/ is on its JUPYTER_CONFIG_PATH): notebook saves
# that a full disk or quota cannot truncate, with a Korean and English error
# (youthlab/hub/safe_contents.py).
c = get_config()  # noqa: F821 (provided by Jupyter)
c.ServerApp.contents_manager_class = "youthlab.hub.safe_contents.SafeContentsManager"
