"""The vocabulary shared by every layer: entities, roles, errors and the frame contract."""
