"""The bare view's table (bench/ab.py creates it; no Django here, so the script may import it)."""

#: Created by bench/ab.py in the bench database.
TABLE = "bench_bare"
CREATE = (
    f"CREATE TABLE IF NOT EXISTS {TABLE} (id bigserial PRIMARY KEY, title text NOT NULL,"
    " user_id integer NOT NULL, role text NOT NULL, created_at timestamptz NOT NULL DEFAULT now())"
)
