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
  ready one, not simply the first one); if none is ready yet the oldest is awaited for
  ``handout_wait`` seconds at most (from the request, not from the kernel's start: a
  visitor never waits a render budget, let alone two: with nothing sent, a browser may
  give up first). One that is still not ready goes
  back to the pool for the next visitor and this one gets a fresh kernel, whose page
  starts streaming at once;
- a pooled kernel whose notebook failed, hung past the budget, or whose process died
  is shut down and replaced by a watchdog, so it is never handed out;
- a finished page that carries the error marker (its app raised, timed out, or its
  outputs came too late: ``youthlab.kiosk.voila_config``) is not handed out either: the
  visitor's fresh kernel gets a second try;
- when the pool has nothing usable, :class:`PoolUnavailable` tells the page handler to
  start a fresh kernel for this visitor (Voila's ordinary path), never to wait forever;
- a kernel handed out has its activity clock reset, so the idle culler cannot take it
  in the second between hand-out and the page's websocket (it was "idle" in the pool);
- there is one pool per (app, language): a preheated kernel starts in its pool's language
  (``YOUTHLAB_LANG``), so an English visitor gets an English page as fast as a Korean one
  gets a Korean page (switching a preheated page in place left the app's own buttons in
  the pool's language). That costs one set of ~54 MB kernels per language; a kiosk that
  needs one language only preheats that one (``KioskSettings.pool_languages``);
- a kernel handed out is **pre-connected** while the browser is still loading the page:
  its channels are open, subscribed and proven live and its ``kernel_info`` is known, so
  the page's websocket attaches without the two kernel round trips (and the 0.5 s
  retries when a fresh subscription misses the first message) that jupyter_server
  makes on every connect (``youthlab.kiosk.voila_handlers.PreconnectedChannels``);
- the pool refills ``fill_delay`` seconds after the visitor's page has connected or its
  kernel was ended (at most ``refill_wait`` seconds after the hand-out), so starting the
  next kernel does not compete with the visitor's page for the machine's cores.
"""

from __future__ import annotations

import asyncio
import contextvars
import datetime
import os
import uuid
from typing import Any, Callable

from voila.utils import ENV_VARIABLE
from voila.voila_kernel_manager import wait_before

#: The language of the visitor whose page is being rendered (set by the page handler).
visitor_language: contextvars.ContextVar[str | None] = contextvars.ContextVar("visitor_language", default=None)

WATCHDOG_SECONDS = 5.0
#: Seconds a visitor's request waits for a pooled page that is not ready yet (then a fresh kernel).
HANDOUT_WAIT_SECONDS = 15.0
#: Seconds a hand-out waits for the kernel's pre-connection (then the page connects the usual way).
PRECONNECT_SECONDS = 10.0
PRECONNECT_RETRY_SECONDS = 0.1
#: Attribute on a handed-out kernel until its page connects: ``task`` (its pre-connection,
#: giving the channels or None) and ``connected`` (set when the page's websocket arrives).
PRECONNECTED = "youthlab_preconnected"
#: What a kiosk page shows where a cell raised or timed out (``VoilaExecutor``'s
#: instructions; kiosk.js looks for it and shows the friendly message).
CELL_ERROR_MARKER = "(youthlab-kiosk-cell-error)"


class PoolUnavailable(Exception):
    """No preheated kernel can serve this page now: start a fresh one instead."""


class PoolNotReady(PoolUnavailable):
    """The pooled page is still being rendered: it stays pooled, this visitor gets a fresh kernel."""


def _ready(task: "asyncio.Future[dict]") -> bool:
    """A pool entry whose kernel started and whose notebook finished without error."""
    if not task.done() or task.cancelled() or task.exception() is not None:
        return False
    render = task.result()["task"]
    return render.done() and not render.cancelled() and render.exception() is None


def close_channels(channels: dict | None) -> None:
    """Close ZMQ streams that no page took."""
    for stream in (channels or {}).values():
        if not stream.closed():
            stream.close()


async def take_preconnected(kernel: Any, timeout: float = PRECONNECT_SECONDS) -> dict | None:
    """The channels the pool opened for this kernel's page, once (None: connect as usual).

    Tells the pool the page is connecting, so it may refill."""
    pre = getattr(kernel, PRECONNECTED, None)
    if pre is None:
        return None
    delattr(kernel, PRECONNECTED)
    pre["connected"].set()
    try:
        return await asyncio.wait_for(asyncio.shield(pre["task"]), timeout)
    except Exception:  # noqa: BLE001 — the page connects the usual way
        pre["task"].add_done_callback(lambda t: close_channels(t.result()) if not t.cancelled()
                                      and t.exception() is None else None)
        return None


class KioskPoolMixin:
    """Mixed in front of Voila's ``VoilaKernelManager`` (see :func:`kiosk_kernel_manager_factory`)."""

    #: Seconds a preheated kernel may take to run its notebook before it is replaced.
    render_budget: float = 90.0
    #: Seconds after a hand-out the pool refills even if the visitor's page never connected.
    refill_wait: float = 5.0
    #: Seconds a visitor waits for a pooled page still being rendered (capped at render_budget).
    handout_wait: float = HANDOUT_WAIT_SECONDS
    #: Languages that get preheated kernels, the kiosk's own first (set by the factory,
    #: before Voila's constructor fills the pools).
    pool_languages: tuple[str, ...] = ("ko",)

    @property
    def pool_language(self) -> str:
        """The kiosk's own language: a visitor who names none gets this one."""
        return self.pool_languages[0]

    # -- pool entries ---------------------------------------------------------------------
    def fill_if_needed(self, delay: float | None = None, notebook_name: str | None = None,
                       extra_kernel_env_variables: dict | None = None, **kwargs: Any) -> None:
        """Start kernels until every language's pool of this notebook is full.

        Replaces Voila's, which keeps one pool per notebook in the server's language."""
        if notebook_name is None:
            return
        delay = self.fill_delay if delay is None else delay  # type: ignore[attr-defined]
        default: dict = self.kernel_pools_config.get("default", {})  # type: ignore[attr-defined]
        size = int(self.kernel_pools_config.get(notebook_name, default).get(  # type: ignore[attr-defined]
            "pool_size", default.get("pool_size", 1)))
        loop = asyncio.get_event_loop()
        for language in self.pool_languages:  # pools are keyed (notebook, language)
            pool = self._pools.setdefault((notebook_name, language), [])  # type: ignore[attr-defined]
            for _ in range(size - len(pool)):
                env = dict(os.environ)
                env.update({"YOUTHLAB_LANG": language,
                            ENV_VARIABLE.VOILA_BASE_URL: self.parent.base_url,  # type: ignore[attr-defined]
                            ENV_VARIABLE.VOILA_SERVER_URL: self.parent.server_url,  # type: ignore[attr-defined]
                            ENV_VARIABLE.VOILA_APP_PORT: str(self.parent.port),  # type: ignore[attr-defined]
                            ENV_VARIABLE.VOILA_PREHEAT: "True"})
                start = self._initialize(notebook_name, None, path=os.path.dirname(notebook_name), env=env,
                                         language=language)
                pool.append(loop.create_task(wait_before(delay, start)))

    def get_pool_size(self, notebook_name: str) -> int:
        """Pooled kernels for this notebook in the language of the visitor being served."""
        language = visitor_language.get() or self.pool_language
        return len(self._pools.get((notebook_name, language), []))  # type: ignore[attr-defined]

    async def _initialize(self, notebook_path: str, kernel_id: str | None = None, *,
                          language: str | None = None, **kwargs: Any) -> dict:
        content = await super()._initialize(notebook_path, kernel_id, **kwargs)  # type: ignore[misc]
        content["started"] = asyncio.get_running_loop().time()
        content["notebook"] = notebook_path
        content["language"] = language
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
        for key, pool in list(self._pools.items()):  # type: ignore[attr-defined]
            name = key[0]
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
                self.log.error("kiosk: preheated kernel for %s (%s) replaced: %s",  # type: ignore[attr-defined]
                               name, key[1], reason)
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

    # -- the visitor's connection ------------------------------------------------------------
    def _background(self, coro: Any) -> "asyncio.Task":
        """A task kept referenced until it ends (the event loop holds tasks weakly)."""
        tasks: set = self.__dict__.setdefault("_kiosk_tasks", set())
        task = asyncio.get_running_loop().create_task(coro)
        tasks.add(task)
        task.add_done_callback(tasks.discard)
        return task

    async def _preconnect(self, kernel: Any) -> dict | None:
        """Open a handed-out kernel's channels for its page and prove them live.

        One ``kernel_info_request`` on the new shell channel; its reply and an IOPub
        message on the new (subscribed) IOPub channel prove both work, and the reply is
        kept where jupyter_server looks for it, so the page's websocket needs neither
        round trip. Returns the channels, or None (the page then connects the usual way).
        """
        identity = uuid.uuid4().hex.encode()
        channels = {"iopub": kernel.connect_iopub(), "shell": kernel.connect_shell(identity=identity),
                    "control": kernel.connect_control(identity=identity),
                    "stdin": kernel.connect_stdin(identity=identity)}
        for name, stream in channels.items():
            stream.channel = name
        loop = asyncio.get_running_loop()
        reply: asyncio.Future = loop.create_future()
        iopub_seen: asyncio.Future = loop.create_future()
        session = kernel.session

        def on_shell(parts: list) -> None:
            _, parts = session.feed_identities(parts)
            msg = session.deserialize(parts)
            if msg["msg_type"] == "kernel_info_reply" and not reply.done():
                reply.set_result(msg["content"])

        def on_iopub(_: list) -> None:
            if not iopub_seen.done():
                iopub_seen.set_result(None)

        channels["shell"].on_recv(on_shell)
        channels["iopub"].on_recv(on_iopub)
        try:
            # A fresh subscription can miss the first message: ask again until both arrive.
            deadline = loop.time() + PRECONNECT_SECONDS
            session.send(channels["shell"], "kernel_info_request")
            while not (reply.done() and iopub_seen.done()):
                if loop.time() > deadline:
                    raise TimeoutError("the kernel did not answer on new channels")
                await asyncio.wait([reply, iopub_seen], timeout=PRECONNECT_RETRY_SECONDS)
                if reply.done() and not iopub_seen.done():  # the shell queues, a new SUB may miss
                    session.send(channels["shell"], "kernel_info_request")
        except Exception as exc:  # noqa: BLE001 — the page connects the usual way
            self.log.warning("kiosk: could not pre-connect kernel %s: %r", kernel.kernel_id, exc)  # type: ignore[attr-defined]
            close_channels(channels)
            return None
        finally:
            for stream in channels.values():
                if not stream.closed():
                    stream.stop_on_recv()
        info: asyncio.Future = loop.create_future()
        info.set_result(reply.result())
        kernel._kernel_info_future = info  # what jupyter_server's prepare() reuses
        return channels

    async def _refill_after_visitor(self, notebook_name: str, connected: asyncio.Event) -> None:
        try:
            await asyncio.wait_for(connected.wait(), self.refill_wait)
        except asyncio.TimeoutError:
            pass
        self.fill_if_needed(delay=None, notebook_name=notebook_name)  # type: ignore[attr-defined]

    async def shutdown_kernel(self, kernel_id: str, *args: Any, **kwargs: Any) -> Any:
        kernel = self._kernels.get(kernel_id)  # type: ignore[attr-defined]
        pre = getattr(kernel, PRECONNECTED, None) if kernel is not None else None
        if pre is not None:  # its page never took the channels: close them, and refill now
            pre["connected"].set()
            task = pre["task"]
            task.add_done_callback(lambda t: close_channels(t.result()) if not t.cancelled()
                                   and t.exception() is None and t.result() else None)
            delattr(kernel, PRECONNECTED)
        return await super().shutdown_kernel(kernel_id, *args, **kwargs)  # type: ignore[misc]

    # -- hand-out ---------------------------------------------------------------------------
    async def get_rendered_notebook(self, notebook_name: str, extra_kernel_env_variables: dict | None = None,
                                    **kwargs: Any) -> tuple[asyncio.Task, list[str], str]:
        """A finished page and its kernel, in the shape Voila's handler expects.

        The returned render task is already done and the cache holds the whole page, so
        Voila's handler only writes it out (it never continues a half-run template).
        """
        wanted = visitor_language.get() or self.pool_language
        pool = self._pools.get((notebook_name, wanted)) or []  # type: ignore[attr-defined]
        if not pool:  # e.g. a language this kiosk does not preheat
            raise PoolUnavailable(f"{notebook_name} ({wanted})")
        chosen = next((task for task in pool if _ready(task)), pool[0])
        pool.remove(chosen)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + min(self.handout_wait, self.render_budget)
        try:
            try:
                content = await asyncio.wait_for(asyncio.shield(chosen), max(deadline - loop.time(), 0.1))
                await asyncio.wait_for(asyncio.shield(content["task"]), max(deadline - loop.time(), 0.1))
            except asyncio.TimeoutError:
                # Not ready yet but not broken either: it stays in the pool for the next
                # visitor (the watchdog still holds it to render_budget); this one gets a
                # fresh kernel now instead of waiting on it.
                if chosen not in pool:
                    pool.insert(0, chosen)
                self.log.warning("kiosk: preheated kernel for %s (%s) not ready within %.0f s; "  # type: ignore[attr-defined]
                                 "a fresh one for this visitor", notebook_name, wanted,
                                 min(self.handout_wait, self.render_budget))
                raise PoolNotReady(f"{notebook_name} ({wanted})") from None
            reason = self._broken_reason(content, loop.time())
            if reason is None and any(CELL_ERROR_MARKER in part for part in content["renderer"].rendered_cache):
                reason = "its app raised or timed out while preheating"  # a fresh kernel gets a second try
            if reason:
                raise PoolUnavailable(reason)
            kernel = self._kernels[content["kernel_id"]]  # type: ignore[attr-defined]
        except PoolNotReady:
            raise  # put back in the pool above: nothing to discard
        except Exception as exc:  # noqa: BLE001 — any failure: a fresh kernel for this visitor
            self.log.error("kiosk: preheated kernel for %s not used (%r); starting a fresh one",  # type: ignore[attr-defined]
                           notebook_name, exc)
            chosen.add_done_callback(self._discard_later)
            self.fill_if_needed(delay=None, notebook_name=notebook_name)  # type: ignore[attr-defined]
            raise PoolUnavailable(notebook_name) from exc
        renderer = content["renderer"]
        kernel_id = content["kernel_id"]
        # It sat idle in the pool: without this the culler may take it before the page connects.
        kernel.last_activity = datetime.datetime.now(datetime.timezone.utc)
        # While the browser loads the page: open the page's channels, then refill the pool
        # once the page is up (it and the next kernel's start-up would share the cores).
        connected = asyncio.Event()
        setattr(kernel, PRECONNECTED, {"task": self._background(self._preconnect(kernel)), "connected": connected})
        self._background(self._refill_after_visitor(notebook_name, connected))
        self.log.info("Using pre-heated kernel: %s for %s (%s)", kernel_id, notebook_name, wanted)  # type: ignore[attr-defined]
        return content["task"], renderer.rendered_cache, kernel_id


def kiosk_kernel_manager_factory(original: Callable[..., type], languages: tuple[str, ...],
                                render_budget: float, *,
                                handout_wait: float = HANDOUT_WAIT_SECONDS) -> Callable[..., type]:
    """Wrap Voila's ``voila_kernel_manager_factory`` so preheating uses :class:`KioskPoolMixin`
    with a pool per language in ``languages`` (the kiosk's own first)."""

    def factory(base_class: type, preheat_kernel: bool, default_pool_size: int,
                page_config_hook: Callable | None = None) -> type:
        cls = original(base_class, preheat_kernel, default_pool_size, page_config_hook=page_config_hook)
        if not preheat_kernel:
            return cls
        return type("KioskKernelManager", (KioskPoolMixin, cls),
                    {"pool_languages": tuple(languages), "render_budget": render_budget,
                     "handout_wait": handout_wait})

    return factory
