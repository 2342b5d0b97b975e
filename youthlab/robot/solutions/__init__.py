"""Sample robot programs (teacher solutions and a naive one for the tests)."""
