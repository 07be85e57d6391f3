// The bundle's entry: its default export becomes `globalThis.AirflowPlugin` (UMD), which the
// Airflow UI renders with the route's ids as props.
import { AlertasApp } from "./App";

export default AlertasApp;
