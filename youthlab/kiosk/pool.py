"""Preheated kiosk kernels that reach a visitor only with their page complete.

Voila 0.5.13's pool hands a visitor the first pooled kernel whatever state its notebook
is in: if the notebook is still executing, Voila sets ``stop_generator`` and the
visitor's request carries on the half-rendered template itself, waiting (with no time
limit, ``VoilaExecutor.timeout`` is ``None``) for cells running in a kernel that was
started while other apps' pools refilled on the same cores. A kernel that never
answers its cell — or one that died or was culled while it waited — leaves that
response stopped right after ``jupyter-config-data`` ("Executing 1 of 2") for good.

Here the pool is ours to hand out:

- a visitor gets a pooled kernel whose notebook has **finished** executing (the first
  ready one, not simply the first one); if none is ready yet the oldest is awaited,
  but only within ``render_budget`` seconds of its start;
- a pooled kernel whose notebook failed, hung past the budget, or whose process died
  is shut down and replaced by a watchdog, so it is never handed out;
- when the pool has nothing usable, :class:`PoolUnavailable` tells the page handler to
  start a fresh kernel for this visitor (Voila's ordinary path), never to wait forever;
- a kernel handed out has its activity clock reset, so the idle culler cannot take it
  in the second between hand-out and the page's websocket (it was "idle" in the pool);
- kernels are started in the kiosk's language; a visitor asking for the other language
  gets a fresh kernel (switching a preheated one in place left the app's own buttons in the
  pool's language)
  before the page is sent — one pool, no second set of ~54 MB kernels.
"""

from __future__ import annotations

import asyncio
import contextvars
import datetime
from typing import Any, Callable

#: The language of the visitor whose page is being rendered (set by the page handler).
visitor_language: contextvars.ContextVar[str | None] = contextvars.ContextVar("visitor_language", default=None)

WATCHDOG_SECONDS = 5.0


class PoolUnavailable(Exception):
    """No preheated kernel can serve this page now: start a fresh one instead."""


def _ready(task: "asyncio.Future[dict]") -> bool:
    """A pool entry whose kernel started and whose notebook finished without error."""
    if not task.done() or task.cancelled() or task.exception() is not None:
        return False
    render = task.result()["task"]
    return render.done() and not render.cancelled() and render.exception() is None


class KioskPoolMixin:
    """Mixed in front of Voila's ``VoilaKernelManager`` (see :func:`kiosk_kernel_manager_factory`)."""

    #: Seconds a preheated kernel may take to run its notebook before it is replaced.
    render_budget: float = 90.0
    #: Language the preheated kernels start in (set by the kiosk server).
    pool_language: str = "ko"

    # -- pool entries ---------------------------------------------------------------------
    async def _initialize(self, notebook_path: str, kernel_id: str | None = None, **kwargs: Any) -> dict:
        content = await super()._initialize(notebook_path, kernel_id, **kwargs)  # type: ignore[misc]
        content["started"] = asyncio.get_running_loop().time()
        content["notebook"] = notebook_path
        self._ensure_watchdog()
        return content

    def _ensure_watchdog(self) -> None:
        task = getattr(self, "_kiosk_watchdog", None)
        if task is None or task.done():
            self._kiosk_watchdog = asyncio.get_running_loop().create_task(self._watch_pools())

    async def _watch_pools(self) -> None:
        while True:
            await asyncio.sleep(WATCHDOG_SECONDS)
            try:
                await self.replace_broken_kernels()
            except Exception:  # noqa: BLE001 — the watchdog must outlive one bad round
                self.log.exception("kiosk pool watchdog")  # type: ignore[attr-defined]

    def _broken_reason(self, content: dict, now: float) -> str | None:
        render = content["task"]
        if render.done():
            if render.cancelled() or render.exception() is not None:
                return f"its notebook failed: {render.exception()!r}" if not render.cancelled() else "cancelled"
        elif now - content.get("started", now) > self.render_budget:
            return f"its notebook did not finish in {self.render_budget:.0f} s"
        kernel = self._kernels.get(content["kernel_id"])  # type: ignore[attr-defined]
        if kernel is None:
            return "its kernel is gone"
        if not self._process_alive(kernel):
            return "its kernel process died"
        return None

    @staticmethod
    def _process_alive(kernel: Any) -> bool:
        provisioner = getattr(kernel, "provisioner", None)
        process = getattr(provisioner, "process", None)
        return process is None or process.poll() is None

    async def replace_broken_kernels(self) -> int:
        """Shut down pooled kernels that must never reach a visitor; refill. Returns how many."""
        now = asyncio.get_running_loop().time()
        replaced = 0
        for name, pool in list(self._pools.items()):  # type: ignore[attr-defined]
            for task in list(pool):
                if not task.done():
                    continue
                if task.cancelled() or task.exception() is not None:
                    reason, content = f"its kernel did not start: {task.exception()!r}", None
                else:
                    content = task.result()
                    reason = self._broken_reason(content, now)
                if reason is None:
                    continue
                pool.remove(task)
                replaced += 1
                self.log.error("kiosk: preheated kernel for %s replaced: %s", name, reason)  # type: ignore[attr-defined]
                if content is not None:
                    await self._discard(content)
            if replaced:
                self.fill_if_needed(delay=0, notebook_name=name)  # type: ignore[attr-defined]
        return replaced

    async def _discard(self, content: dict) -> None:
        content["task"].cancel()
        kernel_id = content["kernel_id"]
        if kernel_id in self:  # type: ignore[operator]
            try:
                await self.shutdown_kernel(kernel_id, now=True)  # type: ignore[attr-defined]
            except Exception:  # noqa: BLE001 — already gone is fine
                self.log.debug("kiosk: discarding %s", kernel_id, exc_info=True)  # type: ignore[attr-defined]

    def _discard_later(self, task: "asyncio.Future[dict]") -> None:
        """Shut down a pool entry taken out of the pool but not handed out (now or once started)."""
        if not task.cancelled() and task.exception() is None:
            asyncio.get_running_loop().create_task(self._discard(task.result()))

    # -- hand-out ---------------------------------------------------------------------------
    async def get_rendered_notebook(self, notebook_name: str, extra_kernel_env_variables: dict | None = None,
                                    **kwargs: Any) -> tuple[asyncio.Task, list[str], str]:
        """A finished page and its kernel, in the shape Voila's handler expects.

        The returned render task is already done and the cache holds the whole page, so
        Voila's handler only writes it out (it never continues a half-run template).
        """
        wanted = visitor_language.get()
        if wanted and wanted != self.pool_language:
            # A page rendered in the pool's language and switched afterwards kept the app's
            # own buttons in the old language (the frame's language button then never showed
            # "Take off"): a visitor of the other language gets a fresh kernel, as before.
            raise PoolUnavailable(f"{notebook_name} ({wanted})")
        pool = self._pools.get(notebook_name) or []  # type: ignore[attr-defined]
        if not pool:
            raise PoolUnavailable(notebook_name)
        chosen = next((task for task in pool if _ready(task)), pool[0])
        pool.remove(chosen)
        self.fill_if_needed(delay=None, notebook_name=notebook_name)  # type: ignore[attr-defined]
        loop = asyncio.get_running_loop()
        try:
            content = await asyncio.wait_for(asyncio.shield(chosen), self.render_budget)
            left = self.render_budget - (loop.time() - content.get("started", loop.time()))
            await asyncio.wait_for(asyncio.shield(content["task"]), max(left, 0.1))
            reason = self._broken_reason(content, loop.time())
            if reason:
                raise PoolUnavailable(reason)
            kernel = self._kernels[content["kernel_id"]]  # type: ignore[attr-defined]
        except Exception as exc:  # noqa: BLE001 — any failure: a fresh kernel for this visitor
            self.log.error("kiosk: preheated kernel for %s not used (%r); starting a fresh one",  # type: ignore[attr-defined]
                           notebook_name, exc)
            chosen.add_done_callback(self._discard_later)
            raise PoolUnavailable(notebook_name) from exc
        renderer = content["renderer"]
        kernel_id = content["kernel_id"]
        # It sat idle in the pool: without this the culler may take it before the page connects.
        kernel.last_activity = datetime.datetime.now(datetime.timezone.utc)
        self.log.info("Using pre-heated kernel: %s for %s", kernel_id, notebook_name)  # type: ignore[attr-defined]
        return content["task"], renderer.rendered_cache, kernel_id


def kiosk_kernel_manager_factory(original: Callable[..., type]) -> Callable[..., type]:
    """Wrap Voila's ``voila_kernel_manager_factory`` so preheating uses :class:`KioskPoolMixin`."""

    def factory(base_class: type, preheat_kernel: bool, default_pool_size: int,
                page_config_hook: Callable | None = None) -> type:
        cls = original(base_class, preheat_kernel, default_pool_size, page_config_hook=page_config_hook)
        if not preheat_kernel:
            return cls
        return type("KioskKernelManager", (KioskPoolMixin, cls), {})

    return factory
