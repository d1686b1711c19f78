"""The replayable geodata build from GSHHG coastlines."""
