"""The command line: click commands that parse options, call one service and render its result."""
