-- The user model of Panther's BaseUser. AUTOINCREMENT keeps SQLite from
-- reusing the id of a deleted user, so tokens issued to that user never
-- authenticate a later one.
CREATE TABLE users (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    username TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    last_login TEXT,
    date_created TEXT NOT NULL
);
