-- The database of the ck8sctl serve replicas (deploy/replicas/README.md).
-- Run as the postgres superuser: psql -f postgres-init.sql
-- Set the password afterwards, interactively: \password ck8s
CREATE ROLE ck8s LOGIN;
CREATE DATABASE ck8s OWNER ck8s;
-- serve creates its tables (goose's and River's migrations) at start,
-- under an advisory lock: nothing else to create here.
