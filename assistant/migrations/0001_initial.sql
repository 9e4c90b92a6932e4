-- Conversations, the answers given in them, and one judgement per answer.
-- Portable SQL: the same statements run on SQLite (3.24+) and PostgreSQL.
CREATE TABLE conversations (
    id VARCHAR(64) PRIMARY KEY,
    owner VARCHAR(200) NOT NULL DEFAULT '',
    kind VARCHAR(16) NOT NULL,
    created DOUBLE PRECISION NOT NULL,
    updated DOUBLE PRECISION NOT NULL,
    state TEXT NOT NULL
);
CREATE INDEX conversations_kind_updated ON conversations (kind, updated);
CREATE INDEX conversations_owner_kind ON conversations (owner, kind, updated);

CREATE TABLE answers (
    id VARCHAR(64) PRIMARY KEY,
    conversation_id VARCHAR(64) NOT NULL DEFAULT '',
    owner VARCHAR(200) NOT NULL DEFAULT '',
    created DOUBLE PRECISION NOT NULL,
    question TEXT NOT NULL,
    answer TEXT NOT NULL
);
CREATE INDEX answers_created ON answers (created);

CREATE TABLE feedback (
    answer_id VARCHAR(64) PRIMARY KEY REFERENCES answers (id) ON DELETE CASCADE,
    owner VARCHAR(200) NOT NULL DEFAULT '',
    liked BOOLEAN NOT NULL,
    reason TEXT NOT NULL DEFAULT '',
    updated DOUBLE PRECISION NOT NULL
);
