"""fakesnow's HTTP server for the tests, with one test-only shim for the Node snowflake-sdk.

Run by scripts/ensure-fakesnow.mjs with the Python of fakesnow's own cached virtual environment:
    python test/support/fakesnow_server.py --port 50123

fakesnow (an emulator of Snowflake on DuckDB) answers every query result in Arrow
(queryResultFormat "arrow", rowsetBase64), as Snowflake does for the Python connector. The Node
snowflake-sdk reads only the JSON result format (rowset: a list of rows of strings), which is what
Snowflake itself answers to that driver. This shim is the smallest honest adapter between the two:
for sessions whose login names the Node driver (CLIENT_APP_ID "JavaScript"), it decodes the Arrow
result fakesnow produced and re-encodes the very same values in Snowflake's JSON result encoding.
It never changes which rows or values a query returns; dbt (the Python connector) still gets
fakesnow's Arrow untouched. Nothing in src/ depends on it.
"""

from __future__ import annotations

import argparse
import base64
import datetime
import gzip
import importlib
import json
from decimal import Decimal
from typing import Any

import pyarrow as pa
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

# the module (the package's own `fakesnow.server` attribute is a context manager of the same name)
fakesnow_server = importlib.import_module("fakesnow.server")

# tokens of sessions opened by a driver that reads JSON results only
json_sessions: set[str] = set()

EPOCH = datetime.date(1970, 1, 1)


def _body_json(raw: bytes, request: Request) -> Any:
    if request.headers.get("Content-Encoding") == "gzip":
        raw = gzip.decompress(raw)
    return json.loads(raw)


def json_text(value: Any, column: dict[str, Any]) -> str | None:
    """A value as Snowflake's JSON result format spells it (what the Node driver parses)."""
    if value is None:
        return None
    kind = str(column.get("type", "")).lower()
    if kind == "boolean":
        return "1" if value else "0"
    if kind == "date":
        return str((value - EPOCH).days)
    if kind.startswith("timestamp"):
        # fakesnow's Arrow struct: whole epoch seconds, nanoseconds, and (tz) the offset index;
        # a null timestamp is a struct of nulls there
        if value.get("epoch") is None:
            return None
        seconds = Decimal(value["epoch"]) + Decimal(value["fraction"]) / Decimal(10**9)
        text = format(seconds.quantize(Decimal("0.000000001")), "f")
        return f"{text} {value['timezone']}" if kind == "timestamp_tz" else text
    if kind == "time":
        return format((Decimal(value) / Decimal(10**9)).quantize(Decimal("0.000000001")), "f")
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, (dict, list)):
        return json.dumps(value)
    return str(value)


def arrow_to_rowset(rowset_base64: str, rowtype: list[dict[str, Any]]) -> list[list[str | None]]:
    if not rowset_base64:
        return []
    table = pa.ipc.open_stream(base64.b64decode(rowset_base64)).read_all()
    columns = [[json_text(v, c) for v in col.to_pylist()] for col, c in zip(table.columns, rowtype, strict=True)]
    return [list(row) for row in zip(*columns, strict=True)] if columns else []


async def login_request(request: Request) -> Response:
    app_id = _body_json(await request.body(), request)["data"].get("CLIENT_APP_ID")
    response = await fakesnow_server.login_request(request)
    if app_id == "JavaScript":
        answer = json.loads(bytes(response.body))
        if answer.get("success"):
            json_sessions.add(answer["data"]["token"])
    return response


async def query_request(request: Request) -> Response:
    response = await fakesnow_server.query_request(request)
    token = (request.headers.get("Authorization") or "")[17:-1]
    if token not in json_sessions:
        return response
    answer = json.loads(bytes(response.body))
    data = answer.get("data") or {}
    if data.get("queryResultFormat") == "arrow":
        rows = arrow_to_rowset(data.pop("rowsetBase64", ""), data.get("rowtype") or [])
        data.update(queryResultFormat="json", rowset=rows)
    if "rowset" in data:
        # Snowflake states how many rows came inline; the Node driver reads only that many
        data["returned"] = len(data["rowset"])
    return JSONResponse(answer, status_code=response.status_code)


def app() -> Starlette:
    replaced = {"/session/v1/login-request": login_request, "/queries/v1/query-request": query_request}
    routes = [
        Route(route.path, replaced[route.path], methods=list(route.methods or []))
        if isinstance(route, Route) and route.path in replaced
        else route
        for route in fakesnow_server.routes
    ]
    return Starlette(routes=routes)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    uvicorn.run(app(), host=args.host, port=args.port, log_level="warning")
