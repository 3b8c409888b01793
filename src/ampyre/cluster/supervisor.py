"""Worker processes: started together, each restarted when it dies, stopped in bounded time."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Callable, Mapping, Sequence

log = logging.getLogger("ampyre.cluster")

#: first wait before restarting a worker that died; doubles while it keeps dying young
RESTART_DELAY = 0.5
RESTART_DELAY_MAX = 10.0
#: a worker that ran this long is healthy: its next restart waits RESTART_DELAY again
HEALTHY_AFTER = 30.0


class Supervisor:
    def __init__(
        self,
        count: int,
        command: Callable[[int], Sequence[str]],
        env: Mapping[str, str] | None = None,
        stop_timeout: float = 15.0,
    ) -> None:
        self.count = count
        self._command = command
        self._env = dict(env) if env is not None else None
        self._stop_timeout = stop_timeout
        self._processes: dict[int, asyncio.subprocess.Process] = {}
        self._watchers: list[asyncio.Task[None]] = []
        self._stopping = asyncio.Event()
        #: how many times each worker was restarted
        self.restarts = dict.fromkeys(range(1, count + 1), 0)

    def pids(self) -> dict[int, int]:
        return {index: process.pid for index, process in self._processes.items()}

    async def start(self) -> None:
        for index in range(1, self.count + 1):
            await self._spawn(index)
            self._watchers.append(asyncio.get_running_loop().create_task(self._watch(index)))

    async def _spawn(self, index: int) -> None:
        argv = list(self._command(index))
        self._processes[index] = await asyncio.create_subprocess_exec(*argv, env=self._env)
        log.info("worker %d started (pid %d)", index, self._processes[index].pid)

    async def _watch(self, index: int) -> None:
        loop = asyncio.get_running_loop()
        delay = RESTART_DELAY
        while True:
            started = loop.time()
            code = await self._processes[index].wait()
            if self._stopping.is_set():
                return
            delay = RESTART_DELAY if loop.time() - started > HEALTHY_AFTER else delay
            log.error(
                "worker %d (pid %d) exited with %s; restarting it in %.1f s",
                index,
                self._processes[index].pid,
                code,
                delay,
            )
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(delay):
                    await self._stopping.wait()
            if self._stopping.is_set():
                return
            delay = min(delay * 2, RESTART_DELAY_MAX)
            await self._spawn(index)
            self.restarts[index] += 1

    async def stop(self) -> None:
        """SIGTERM every worker; SIGKILL those still running after the stop timeout."""
        self._stopping.set()
        for process in self._processes.values():
            if process.returncode is None:
                with contextlib.suppress(ProcessLookupError):
                    process.send_signal(signal.SIGTERM)
        waits = [process.wait() for process in self._processes.values()]
        try:
            async with asyncio.timeout(self._stop_timeout):
                await asyncio.gather(*waits)
        except TimeoutError:
            for index, process in self._processes.items():
                if process.returncode is None:
                    log.error("worker %d did not stop in time: killed", index)
                    with contextlib.suppress(ProcessLookupError):
                        process.kill()
            await asyncio.gather(*(p.wait() for p in self._processes.values()))
        for watcher in self._watchers:
            watcher.cancel()
        await asyncio.gather(*self._watchers, return_exceptions=True)
