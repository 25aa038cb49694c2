"""What the test suites share: ports, a Prefect server and its runs, inbox files, cells and rows."""
