"""Placeholder registry (being written)."""

from folio.settings import Settings


class KernelRegistry:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    async def start(self) -> None:
        pass

    async def shutdown_all(self) -> None:
        pass
