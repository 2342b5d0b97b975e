"""JupyterHub integration: accounts, roles, the spawner, the launcher (`youthlab up`)."""
