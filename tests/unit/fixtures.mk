# ELF fixtures for the symbolizer tests (filled in with the symbolizer tests)
fixtures: | $(OUTPUT)/fixtures
