"""Types shared by the API's inputs."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

#: The largest id either database stores (a signed 64-bit integer): anything above is not a
#: row, and must be a 422, not an overflow inside the database driver.
MAX_ID = 2**63 - 1

#: A row id in a path, a query string or a body.
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
