"""Teaching: curricula → nbgrader courses, parallel autograde, tamper checks, grades, progress."""
