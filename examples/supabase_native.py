"""The Supabase wrapper from ``supabase_fake.py``, rewritten on a native async client.

The same API (``select``, ``insert``, ``update``, ``delete``, ``health``), but
requests run on the event loop over a shared, pooled connection set:

* no thread per request and no thread pool ceiling: the cap is
  ``max_connections``, enforced by an ``asyncio.Semaphore``;
* connections are kept alive and reused instead of reopened per call;
* idempotent reads are retried on 429/502/503/504 and transport errors, with
  backoff that honours ``Retry-After``; writes are not retried by default;
* ``asyncio.sleep`` instead of ``time.sleep``.

Async is not faster per request: one request still takes as long as the
server does. What changes is how many can wait at once, and what waiting costs.
"""

from __future__ import annotations

import asyncio
from types import TracebackType
from typing import Any

from fake_async_lint.client import AsyncHTTPClient


class SupabaseAsync:
    """A PostgREST client for Supabase; use it as ``async with SupabaseAsync(...) as db``."""

    def __init__(self, url: str, key: str, *, max_connections: int = 100) -> None:
        self.url = url.rstrip("/")
        self._http = AsyncHTTPClient(
            base_url=f"{self.url}/rest/v1/",
            headers={"apikey": key, "Authorization": f"Bearer {key}"},
            max_connections=max_connections,
        )

    async def __aenter__(self) -> SupabaseAsync:
        await self._http.__aenter__()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self._http.aclose()

    @staticmethod
    def _filters(filters: dict[str, Any]) -> dict[str, str]:
        return {column: f"eq.{value}" for column, value in filters.items()}

    async def select(self, table: str, **filters: Any) -> Any:
        return await self._http.get_json(table, params={"select": "*", **self._filters(filters)})

    async def insert(self, table: str, row: dict[str, Any]) -> Any:
        response = await self._http.post(table, json=row, headers={"Prefer": "return=representation"})
        return response.json()

    async def update(self, table: str, values: dict[str, Any], **filters: Any) -> Any:
        response = await self._http.patch(
            table, params=self._filters(filters), json=values, headers={"Prefer": "return=representation"}
        )
        return response.json()

    async def delete(self, table: str, **filters: Any) -> None:
        await self._http.delete(table, params=self._filters(filters))

    async def health(self) -> bool:
        response = await self._http.get("", raise_for_status=False)
        await asyncio.sleep(1)
        return response.is_success


async def main() -> None:
    async with SupabaseAsync("https://example.supabase.co", "public-anon-key") as db:
        users = await asyncio.gather(*(db.select("users", id=i) for i in range(100)))
        print(len(users))


if __name__ == "__main__":
    asyncio.run(main())
