-- Failed logins, shared by every worker and replica: per user name and per client address.
CREATE TABLE login_failures (
    key VARCHAR(300) NOT NULL,
    at DOUBLE PRECISION NOT NULL
);
CREATE INDEX login_failures_key_at ON login_failures (key, at);
