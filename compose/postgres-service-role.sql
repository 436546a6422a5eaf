-- Run once by the postgres image when its data directory is first made (docker-entrypoint-initdb.d).
-- The service connects as this role; the tables belong to save_offers_owner (POSTGRES_USER), which runs the
-- migrations and then grants this role INSERT and SELECT only on the audit tables (README: Audit), so
-- the service itself cannot UPDATE, DELETE, TRUNCATE or disable the triggers of its audit record.
CREATE ROLE save_offers LOGIN PASSWORD 'save_offers';
