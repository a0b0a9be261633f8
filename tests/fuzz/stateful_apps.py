"""A FastAPI service whose OpenAPI document links its operations (``POST /items`` answers an
``item_id`` that ``GET`` and ``DELETE /items/{item_id}`` take), for the stateful checks through
schemathesis's state machine (issue 12, item 4), and its fixed twin.

PLANTED: ``DELETE /items/{item_id}`` answers 204 and only marks the item deleted; ``GET`` goes on
serving it (fuzz/use-after-free). Fixed: the item is gone, ``GET`` answers 404.
"""

from typing import Any

LINKS = {"201": {"description": "Created", "links": {
    "GetItem": {"operationId": "get_item", "parameters": {"item_id": "$response.body#/item_id"}},
    "DeleteItem": {"operationId": "delete_item", "parameters": {"item_id": "$response.body#/item_id"}}}}}


def _api(planted: bool) -> Any:
    import threading

    from fastapi import FastAPI, HTTPException
    from pydantic import BaseModel, Field

    app = FastAPI(title=f"items ({'planted' if planted else 'fixed'})")
    items: dict[int, dict[str, Any]] = {}
    lock = threading.Lock()

    class NewItem(BaseModel):
        name: str = Field(min_length=1, max_length=40)

    @app.post("/items", status_code=201, operation_id="create_item", openapi_extra={"responses": LINKS})
    def create(item: NewItem) -> Any:
        with lock:
            item_id = len(items) + 1
            items[item_id] = {"item_id": item_id, "name": item.name, "deleted": False}
        return {"item_id": item_id, "name": item.name}

    @app.get("/items/{item_id}", operation_id="get_item")
    def read(item_id: int) -> Any:
        item = items.get(item_id)
        if item is None or (item["deleted"] and not planted):
            raise HTTPException(404, "no such item")
        return {"item_id": item["item_id"], "name": item["name"]}  # PLANTED: a deleted item is still served

    @app.delete("/items/{item_id}", operation_id="delete_item", status_code=204)
    def delete(item_id: int) -> None:
        item = items.get(item_id)
        if item is None or item["deleted"]:
            raise HTTPException(404, "no such item")
        item["deleted"] = True  # the fixed read honours it; the planted one does not

    return app


def planted_api() -> Any:
    return _api(True)


def fixed_api() -> Any:
    return _api(False)
