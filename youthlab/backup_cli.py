"""The ``youthlab backup`` and ``youthlab restore`` commands (youthlab.backup does the work)."""

from __future__ import annotations

from pathlib import Path

import click

from youthlab.backup import backup, default_archive_name, restore
from youthlab.i18n import t
from youthlab.paths import data_dir as default_data_dir


@click.command("backup")
@click.option("-o", "--output", type=click.Path(path_type=Path), default=None,
              help="Archive to write (default: ./youthlab-backup-<date>-<time>.tar.gz).")
@click.option("--data-dir", type=click.Path(path_type=Path), default=None,
              help="The hub's data folder (default: YOUTHLAB_DATA_DIR or var/).")
@click.option("--keep", type=int, default=None,
              help="With -o FOLDER: keep only the newest N youthlab-backup-*.tar.gz there (e.g. 14).")
@click.option("--quiet", is_flag=True, help="No progress bar (for cron).")
def backup_cmd(output: Path | None, data_dir: Path | None, keep: int | None, quiet: bool) -> None:
    """Back up the hub database, accounts, courses, gradebooks, exchange, print queue and homes.

    Safe while the hub runs. For cron (every night at 02:30, the last 14 kept, on another disk):
    `30 2 * * * /path/to/youthlab/.venv/bin/youthlab backup --quiet -o /mnt/backup/ --keep 14`
    """
    out = output or default_archive_name(Path.cwd())
    if out.is_dir() or str(out).endswith("/"):
        out.mkdir(parents=True, exist_ok=True)
        out = default_archive_name(out)
    result = backup((data_dir or default_data_dir()), out, quiet=quiet)
    click.echo(t("backup.done", path=str(result.path), files=result.files,
                 mb=f"{result.bytes / 1e6:.1f}", homes=len(result.homes), seconds=result.seconds))
    if keep:
        old = sorted(result.path.parent.glob("youthlab-backup-*.tar.gz"))[:-keep]
        for path in old:  # names sort by date: the oldest first
            path.unlink()
            click.echo(t("backup.removed_old", path=str(path)))


@click.command("restore")
@click.argument("archive", type=click.Path(path_type=Path))
@click.option("--data-dir", type=click.Path(path_type=Path), required=True,
              help="Where to restore the data folder (must be empty or missing).")
@click.option("--force", is_flag=True,
              help="Restore over a folder (or home) that is not empty; what was there is moved aside, not deleted.")
@click.option("--quiet", is_flag=True, help="No progress bar.")
def restore_cmd(archive: Path, data_dir: Path, force: bool, quiet: bool) -> None:
    """Restore a `youthlab backup` archive (every file checked against its manifest first)."""
    manifest = restore(archive, data_dir, force=force, quiet=quiet)
    click.echo(t("backup.restore.done", path=str(data_dir), files=sum(e["type"] == "file" for e in manifest["entries"]),
                 homes=len(manifest.get("users", {}))))
    for aside in manifest.get("moved_aside", []):
        click.echo(t("backup.restore.moved_aside", path=aside))
    if (data_dir / "restored-config").is_dir():
        click.echo(t("backup.restore.config", path=str(data_dir / "restored-config")))
