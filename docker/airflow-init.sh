#!/usr/bin/env bash
# One-shot service `airflow-init` of docker-compose.yaml, run as root before any other Airflow
# service starts: owns the shared volumes to AIRFLOW_UID, writes the admin's password for the
# simple auth manager, and migrates Airflow's metadata database.
#
# Environment (set by docker-compose.yaml): AIRFLOW_UID, AIRFLOW_ADMIN_USER, AIRFLOW_ADMIN_PASSWORD,
# AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE, ALERTAS_WORK_DIR and the common Airflow settings.
set -euo pipefail

uid="${AIRFLOW_UID:-50000}"
if [[ "$uid" == "0" ]]; then
    echo "WARNING: AIRFLOW_UID is 0: Airflow would run as root. Set AIRFLOW_UID=\$(id -u) in .env." >&2
fi

passwords_file="${AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE:?}"
shared=(/opt/airflow/logs "${ALERTAS_WORK_DIR:?}" "$(dirname "$passwords_file")")

echo "airflow-init: shared volumes owned by ${uid}:0, group-writable"
mkdir -p "${shared[@]}"
chown "${uid}:0" "${shared[@]}"
chmod 2775 "${shared[@]}"

echo "airflow-init: admin user '${AIRFLOW_ADMIN_USER:?}' for the simple auth manager"
# The simple auth manager reads {"user": "password"} from this file (it would generate a random
# password when the user is missing). Rewritten on every start, so a new password in .env applies.
python -c 'import json, os; print(json.dumps({os.environ["AIRFLOW_ADMIN_USER"]: os.environ["AIRFLOW_ADMIN_PASSWORD"]}))' \
    > "$passwords_file"
chown "${uid}:0" "$passwords_file"
chmod 0660 "$passwords_file"

echo "airflow-init: migrating the metadata database"
/entrypoint airflow db migrate
/entrypoint airflow version
