"""FastAPI services for schemathesis's conformance checks as pytest-secure rules (issue 12, 4):
the answer must match the OpenAPI document FastAPI generates.

* ``drifting_api``: PLANTED: ``GET /items/{item_id}`` bypasses its response model
  (``JSONResponse`` with ``id`` as a string and ``name`` null) and answers 410, a status its
  document does not list, for unknown items; ``GET /export`` documents JSON and sends
  ``text/csv``;
* ``conforming_api``: the twin: the declared model, a documented 404, JSON as documented.
"""

from typing import Any


def _api(planted: bool) -> Any:
    from fastapi import FastAPI, HTTPException
    from fastapi.responses import JSONResponse, PlainTextResponse
    from pydantic import BaseModel

    app = FastAPI(title=f"items ({'planted' if planted else 'fixed'})")  # redirect_slashes on: a 307 is not "accepted"
    items = {1: "hammer", 2: "saw"}

    class Item(BaseModel):
        id: int
        name: str

    class Export(BaseModel):
        rows: list[Item]

    @app.get("/items/{item_id}", response_model=Item, responses={404: {"description": "No such item"}})
    def item(item_id: int) -> Any:
        if item_id not in items:
            if planted:
                return JSONResponse({"detail": "gone"}, status_code=410)  # PLANTED: undocumented status
            raise HTTPException(404, "no such item")
        if planted:
            return JSONResponse({"id": str(item_id), "name": None})  # PLANTED: not the documented schema
        return Item(id=item_id, name=items[item_id])

    @app.get("/export", response_model=Export)
    def export() -> Any:
        if planted:
            return PlainTextResponse("id,name\n1,hammer\n", media_type="text/csv")  # PLANTED: undocumented type
        return Export(rows=[Item(id=k, name=v) for k, v in items.items()])

    return app


def drifting_api() -> Any:
    return _api(True)


def conforming_api() -> Any:
    return _api(False)
