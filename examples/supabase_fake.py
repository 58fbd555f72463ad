"""An "async" Supabase wrapper in the classic fake-async style. DO NOT COPY.

Every method is ``async def``, so it looks non-blocking, but each one hands a
blocking ``requests`` call to a three-thread pool: at most three requests are
ever in flight, each one costs a thread hop, and nothing is pooled because
``requests.get`` opens a fresh connection every time. ``health()`` is worse:
it blocks the event loop itself.

Run ``fake-async-lint examples/supabase_fake.py`` to see the findings, and
compare with ``examples/supabase_native.py``.
"""

import asyncio
import time
from concurrent.futures import ThreadPoolExecutor

import requests


class SupabaseAsync:
    """A PostgREST client for Supabase that only looks async."""

    def __init__(self, url: str, key: str) -> None:
        self.url = url.rstrip("/")
        self.headers = {"apikey": key, "Authorization": f"Bearer {key}"}
        # "Max 3 concurrent requests": the whole app shares these three threads.
        self._executor = ThreadPoolExecutor(max_workers=3)

    @staticmethod
    def _filters(filters: dict) -> dict:
        return {column: f"eq.{value}" for column, value in filters.items()}

    async def select(self, table: str, **filters: object) -> list:
        loop = asyncio.get_event_loop()
        response = await loop.run_in_executor(
            self._executor,
            lambda: requests.get(
                f"{self.url}/rest/v1/{table}",
                headers=self.headers,
                params={"select": "*", **self._filters(filters)},
                timeout=10,
            ),
        )
        response.raise_for_status()
        return response.json()

    async def insert(self, table: str, row: dict) -> list:
        loop = asyncio.get_event_loop()
        response = await loop.run_in_executor(
            self._executor,
            lambda: requests.post(
                f"{self.url}/rest/v1/{table}",
                headers={**self.headers, "Prefer": "return=representation"},
                json=row,
                timeout=10,
            ),
        )
        response.raise_for_status()
        return response.json()

    async def update(self, table: str, values: dict, **filters: object) -> list:
        loop = asyncio.get_event_loop()
        response = await loop.run_in_executor(
            self._executor,
            lambda: requests.patch(
                f"{self.url}/rest/v1/{table}",
                headers={**self.headers, "Prefer": "return=representation"},
                params=self._filters(filters),
                json=values,
                timeout=10,
            ),
        )
        response.raise_for_status()
        return response.json()

    async def delete(self, table: str, **filters: object) -> None:
        loop = asyncio.get_event_loop()
        response = await loop.run_in_executor(
            self._executor,
            lambda: requests.delete(
                f"{self.url}/rest/v1/{table}",
                headers=self.headers,
                params=self._filters(filters),
                timeout=10,
            ),
        )
        response.raise_for_status()

    async def health(self) -> bool:
        # Not even a thread hop: this blocks the event loop for the whole
        # request, and then for a full second more.
        response = requests.get(f"{self.url}/rest/v1/", headers=self.headers, timeout=10)
        time.sleep(1)
        return response.ok


async def main() -> None:
    db = SupabaseAsync("https://example.supabase.co", "public-anon-key")
    users = await asyncio.gather(*(db.select("users", id=i) for i in range(100)))
    print(len(users))


if __name__ == "__main__":
    asyncio.run(main())
