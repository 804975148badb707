-- Only the SHA-256 of each key's secret is stored; deleting a user deletes
-- its keys.
CREATE TABLE api_keys (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    secret_sha256 BLOB NOT NULL,
    date_created TEXT NOT NULL
);

CREATE INDEX api_keys_user_id ON api_keys (user_id);
