"""The library's own async twin, found by reading it: fixture trees for each form and the negatives,
then the same on real packages installed from the index."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import pytest
from libenv import FIXTURES, LibraryVenv

from fake_async_lint.index.twins import Twin, find_twin, finder_for

TREE = FIXTURES / "site-packages-twins"
find = finder_for([str(TREE)])


def twin(
    module: str, cls: str, method: str, receiver: Optional[str] = None, root: Optional[tuple[str, str, str]] = None
) -> Optional[tuple[str, str, str]]:
    found = find_twin(find, module, cls, method, receiver=receiver, root=root)
    return None if found is None else (found.kind, found.qualname, found.advice)


# ---------------------------------------------------------------- a-prefixed methods


def test_a_prefixed_async_method_on_the_class_through_a_base_in_another_module() -> None:
    assert twin("aprefix.retrievers", "Retriever", "invoke", "retriever") == (
        "a-prefix",
        "aprefix.retrievers.Retriever.ainvoke",
        "use `await retriever.ainvoke(...)`",
    )


def test_a_prefixed_method_defined_on_the_class_itself() -> None:
    assert twin("aprefix.embeddings", "Embeddings", "embed_query", "embedder") == (
        "a-prefix",
        "aprefix.embeddings.Embeddings.aembed_query",
        "use `await embedder.aembed_query(...)`",
    )


def test_a_plain_def_returning_a_coroutine_counts_as_a_twin() -> None:
    found = twin("aprefix.retrievers", "Retriever", "get_relevant")
    assert found is not None and found[0] == "a-prefix" and found[2] == "use `await retriever.aget_relevant(...)`"


def test_an_a_prefixed_plain_method_is_no_twin() -> None:
    assert twin("aprefix.retrievers", "Retriever", "search") is None


# ---------------------------------------------------------------- Async<Name> classes


def test_async_class_exported_by_the_package_from_a_sibling_module() -> None:
    assert twin("asyncclass._client", "Client", "ping", "client") == (
        "async-class",
        "asyncclass._async_client.AsyncClient.ping",
        "use `await client.ping(...)` on `asyncclass.AsyncClient`",
    )


def test_async_class_in_the_same_module_names_the_async_root_client() -> None:
    root = ("asyncclass._client", "Client", "client")
    assert twin("asyncclass.resources.completions", "Completions", "create", "client.completions", root) == (
        "async-class",
        "asyncclass.resources.completions.AsyncCompletions.create",
        "use `await client.completions.create(...)` on `asyncclass.AsyncClient`",
    )


def test_sync_prefix_pairs_with_async_prefix_in_a_sibling_module() -> None:
    found = twin("asyncclass.sync_api", "SyncTransport", "send", "transport")
    assert found == (
        "async-class",
        "asyncclass.async_api.AsyncTransport.send",
        "use `await transport.send(...)` on `asyncclass.async_api.AsyncTransport`",
    )


def test_async_class_without_the_method_or_with_it_sync_is_no_twin() -> None:
    assert twin("asyncclass.resources.completions", "Completions", "list") is None  # AsyncCompletions has no list
    assert twin("asyncclass._client", "Client", "close") is None  # AsyncClient.close is a plain def
    assert twin("fakeasync.thing", "Thing", "fetch") is None  # AsyncThing.fetch is a plain def


# ---------------------------------------------------------------- .aio


def test_aio_package_with_the_same_class_name() -> None:
    assert twin("cloudstore.blob._blob_client", "BlobClient", "download_blob", "blob") == (
        "aio",
        "cloudstore.blob.aio._blob_client_async.BlobClient.download_blob",
        "use `await blob.download_blob(...)` on `cloudstore.blob.aio.BlobClient`",
    )


def test_aio_package_exporting_an_async_named_class() -> None:
    found = twin("cloudstore.blob._service", "BlobService", "list_containers", "service")
    assert found == (
        "aio",
        "cloudstore.blob.aio._service_async.AsyncBlobService.list_containers",
        "use `await service.list_containers(...)` on `cloudstore.blob.aio.AsyncBlobService`",
    )


def test_aio_package_method_that_is_sync_there_too_is_no_twin() -> None:
    assert twin("cloudstore.blob._blob_client", "BlobClient", "get_properties") is None


def test_aio_attribute_of_the_root_client() -> None:
    root = ("genailike.client", "Client", "client")
    assert twin("genailike.models", "Models", "generate_content", "client.models", root) == (
        "aio",
        "genailike.models.AsyncModels.generate_content",
        "use `await client.aio.models.generate_content(...)`",
    )


def test_without_the_root_the_async_class_is_named_instead() -> None:
    assert twin("genailike.models", "Models", "generate_content", "models") == (
        "async-class",
        "genailike.models.AsyncModels.generate_content",
        "use `await models.generate_content(...)` on `genailike.models.AsyncModels`",
    )


# ---------------------------------------------------------------- nothing to find


@pytest.mark.parametrize(
    "module, cls, method",
    [
        ("synconly.api", "Api", "get_price"),  # a sync-only library: the advice stays asyncio.to_thread
        ("synconly.api", "Missing", "get_price"),  # no such class
        ("broken", "Client", "x"),  # does not parse
        ("nowhere.at.all", "Client", "x"),  # not resolvable
    ],
)
def test_no_twin(module: str, cls: str, method: str) -> None:
    assert twin(module, cls, method) is None


def test_default_receiver_is_made_from_the_class_name() -> None:
    found = find_twin(find, "cloudstore.blob._blob_client", "BlobClient", "download_blob")
    assert isinstance(found, Twin) and found.call == "blob_client.download_blob(...)"


def test_only_the_resolver_is_asked_for_files(tmp_path: Path) -> None:
    asked: list[str] = []

    def recording(module: str) -> Optional[str]:
        asked.append(module)
        return find(module)

    find_twin(recording, "aprefix.embeddings", "Embeddings", "embed_query")
    assert asked == ["aprefix.embeddings"]  # found on the class: nothing else read


# ---------------------------------------------------------------- real packages (pinned, from the index)


@pytest.mark.slow
@pytest.mark.parametrize(
    "target, receiver, root, expected",
    [
        (
            ("ollama._client", "Client", "chat"),
            "client",
            ("ollama._client", "Client", "client"),
            ("async-class", "ollama._client.AsyncClient.chat", "use `await client.chat(...)` on `ollama.AsyncClient`"),
        ),
        (
            ("ipinfo.handler", "Handler", "getDetails"),
            "handler",
            None,
            (
                "async-class",
                "ipinfo.handler_async.AsyncHandler.getDetails",
                "use `await handler.getDetails(...)` on `ipinfo.AsyncHandler`",
            ),
        ),
        (
            ("langchain_core.vectorstores.base", "VectorStoreRetriever", "invoke"),
            "retriever",
            None,
            (
                "a-prefix",
                "langchain_core.vectorstores.base.VectorStoreRetriever.ainvoke",
                "use `await retriever.ainvoke(...)`",
            ),
        ),
        (
            ("langchain_core.embeddings.embeddings", "Embeddings", "embed_query"),
            "embeddings",
            None,
            (
                "a-prefix",
                "langchain_core.embeddings.embeddings.Embeddings.aembed_query",
                "use `await embeddings.aembed_query(...)`",
            ),
        ),
        (("pycoingecko.api", "CoinGeckoAPI", "get_price"), "cg", None, None),
    ],
)
def test_real_packages(
    library_venv: LibraryVenv,
    target: tuple[str, str, str],
    receiver: str,
    root: Optional[tuple[str, str, str]],
    expected: Optional[tuple[str, str, str]],
) -> None:
    found = find_twin(finder_for([str(library_venv.site_packages)]), *target, receiver=receiver, root=root)
    assert (None if found is None else (found.kind, found.qualname, found.advice)) == expected


def test_sync_package_mirrored_by_an_async_package() -> None:
    assert twin("mirror._sync.client", "Search", "search", "es") == (
        "aio",
        "mirror._async.client.AsyncSearch.search",
        "use `await es.search(...)` on `mirror._async.client.AsyncSearch`",
    )


def test_an_asyncio_package_beside_the_sync_client() -> None:
    assert twin("mixins.client", "Client", "ping", "r") == (
        "aio",
        "mixins.asyncio.client.Client.ping",
        "use `await r.ping(...)` on `mixins.asyncio.Client`",
    )


def test_a_method_both_clients_inherit_from_one_mixin_is_no_twin() -> None:
    # mixins.asyncio.Client.get is the very definition the sync client has, and its
    # `Union[bytes, Awaitable[bytes]]` result proves nothing either way
    assert twin("mixins.client", "Client", "get", "r") is None
