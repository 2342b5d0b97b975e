# Every single-user server (hub_config/ is on its JUPYTER_CONFIG_PATH).
c = get_config()  # noqa: F821 (provided by Jupyter)
# Notebook saves that a full disk or quota cannot truncate, with a Korean and English
# error (youthlab/hub/safe_contents.py).
c.ServerApp.contents_manager_class = "youthlab.hub.safe_contents.SafeContentsManager"
# Nobody installs JupyterLab extensions from a hall's server: the extension manager
# only lists what is installed (the default one offers installs from PyPI, and asks
# PyPI). With labconfig/page_config.json (no build check, no "build" button), and no
# language-server search (it runs `npm prefix -g`), a server starts and opens JupyterLab
# without a Node.js process (youthlab/hub/singleuser.py).
c.LabApp.extension_manager = "readonly"
c.LanguageServerManager.autodetect = False
