"""When a family runs: its timetable, the run's time and window, and the run parameters."""
