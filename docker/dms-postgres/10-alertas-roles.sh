#!/usr/bin/env bash
# First start of the bundled DMS PostgreSQL (docker-entrypoint-initdb.d; runs once, on an empty
# data volume): the roles and databases of the Alertas Rápidas contract, from alertas-roles.psql.
# Names and passwords come from the environment docker-compose.yaml gives this container.
set -euo pipefail

psql -v ON_ERROR_STOP=1 \
    --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
    -v dms_db="$POSTGRES_DB" \
    -v dms_owner="$POSTGRES_USER" \
    -v reader_user="$DMS_READER_USER" \
    -v reader_password="$DMS_READER_PASSWORD" \
    -v alerts_db="$ALERTS_DB_NAME" \
    -v alerts_user="$ALERTS_DB_USER" \
    -v alerts_password="$ALERTS_DB_PASSWORD" \
    -f "$(dirname "${BASH_SOURCE[0]}")/alertas-roles.psql"
