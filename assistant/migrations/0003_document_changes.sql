-- Every change to the corpus made through the document library (page, API, CLI) or found by a rescan:
-- who, when, what, which file and its checksum. Files themselves live in the corpus folder (current)
-- and its .history folder (replaced and retired versions). One table, no index: the log is short and
-- read newest first; a database at its size limit must still start.
CREATE TABLE document_changes (
    id VARCHAR(64) NOT NULL,
    at DOUBLE PRECISION NOT NULL,
    actor VARCHAR(200) NOT NULL DEFAULT '',
    action VARCHAR(16) NOT NULL,
    doc_id VARCHAR(300) NOT NULL DEFAULT '',
    title TEXT NOT NULL DEFAULT '',
    file VARCHAR(500) NOT NULL DEFAULT '',
    checksum VARCHAR(64) NOT NULL DEFAULT '',
    size BIGINT NOT NULL DEFAULT 0,
    previous_file VARCHAR(500) NOT NULL DEFAULT '',
    history_file VARCHAR(500) NOT NULL DEFAULT '',
    detail TEXT NOT NULL DEFAULT ''
)
